#include "cli/rpc_error.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace passerelle::cli {

std::string DescribeRpcError(const grpc::Status& status) {
  // gRPC and absl share the canonical code numbering, and absl knows the names.
  std::string out = absl::StrCat(
      "error: ", absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())), ": ",
      status.error_message(), "\n");
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details()))
    return out;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      absl::StrAppend(&out, "  ", violation.field(), ": ", violation.description(), "\n");
    }
  }
  return out;
}

}  // namespace passerelle::cli
