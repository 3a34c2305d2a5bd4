#ifndef PASSERELLE_COMMON_SERVE_H_
#define PASSERELLE_COMMON_SERVE_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/errors.h"
#include "grpcpp/support/status.h"

namespace passerelle::common {

// The body of every unary handler: runs `call` if `allowed` (the authorizer's answer), and puts its
// result or its error on the wire.
template <typename T, typename Call>
grpc::Status Serve(const absl::Status& allowed, Call call, T* response) {
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  absl::StatusOr<T> result = call();
  if (!result.ok()) return ToGrpcStatus(result.status());
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_SERVE_H_
