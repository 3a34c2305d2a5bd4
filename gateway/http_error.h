#ifndef PASSERELLE_GATEWAY_HTTP_ERROR_H_
#define PASSERELLE_GATEWAY_HTTP_ERROR_H_

// The gateway's one error mapper: a gRPC status (from the node, or the gateway's own refusals as
// absl::Status) becomes an HTTP status per google.rpc.Code's HTTP mapping and a JSON body shaped as
// Google APIs answer:
//   {"error":{"code":404,"status":"NOT_FOUND","message":"...","details":[{"@type":"...BadRequest",...}]}}
// details are the google.rpc.Status details the call carried (grpc-status-details-bin), decoded to
// JSON.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace passerelle::gateway {

struct HttpError {
  int http_status;
  std::string json;
};

// 400 INVALID_ARGUMENT/FAILED_PRECONDITION/OUT_OF_RANGE, 401, 403, 404, 409 ALREADY_EXISTS/ABORTED,
// 429 RESOURCE_EXHAUSTED, 499 CANCELLED, 501 UNIMPLEMENTED, 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED,
// 500 otherwise.
int HttpStatusFor(grpc::StatusCode code);

HttpError ErrorFromGrpc(const grpc::Status& status);
// The gateway's own refusals; payloads (field violations) become details as the node's would.
HttpError ErrorFromStatus(const absl::Status& status);
// For refusals HTTP has a status of its own for (405, 408, 413, 431): that status, `code` in the
// body.
HttpError ErrorWithHttpStatus(int http_status, absl::StatusCode code, absl::string_view message);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_HTTP_ERROR_H_
