#ifndef PASSERELLE_CLI_RPC_ERROR_H_
#define PASSERELLE_CLI_RPC_ERROR_H_

#include <string>

#include "grpcpp/support/status.h"

namespace passerelle::cli {

// A failed call as the user should read it: the gRPC code name and message on the first line, then
// each field violation of a google.rpc.BadRequest carried in the status details on a line of its
// own. Ends with a newline.
std::string DescribeRpcError(const grpc::Status& status);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_RPC_ERROR_H_
