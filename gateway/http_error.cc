#include "gateway/http_error.h"

#include "common/errors.h"
#include "gateway/json_value.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"

namespace passerelle::gateway {
namespace {

HttpError Render(int http_status, grpc::StatusCode code, absl::string_view message,
                 absl::string_view details) {
  google::protobuf::Value error =
      Object({{"code", Number(http_status)},
              {"status", String(absl::StatusCodeToString(static_cast<absl::StatusCode>(code)))},
              {"message", String(message)}});
  google::protobuf::Value list = List({});
  google::rpc::Status rich;
  if (!details.empty() && rich.ParseFromArray(details.data(), static_cast<int>(details.size()))) {
    for (const google::protobuf::Any& any : rich.details()) {
      std::string json;
      google::protobuf::Value detail;
      // A detail type this binary does not link cannot be decoded; its type still tells the client
      // what it was.
      if (!google::protobuf::util::MessageToJsonString(any, &json).ok() ||
          !google::protobuf::util::JsonStringToMessage(json, &detail).ok()) {
        detail = Object({{"@type", String(any.type_url())}});
      }
      *list.mutable_list_value()->add_values() = std::move(detail);
    }
  }
  Put(&error, "details", std::move(list));
  return {http_status, ToJsonText(Object({{"error", std::move(error)}}))};
}

}  // namespace

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

HttpError ErrorFromGrpc(const grpc::Status& status) {
  return Render(HttpStatusFor(status.error_code()), status.error_code(), status.error_message(),
                status.error_details());
}

HttpError ErrorFromStatus(const absl::Status& status) {
  return ErrorFromGrpc(common::ToGrpcStatus(status));
}

HttpError ErrorWithHttpStatus(int http_status, absl::StatusCode code, absl::string_view message) {
  return Render(http_status, static_cast<grpc::StatusCode>(code), message, "");
}

}  // namespace passerelle::gateway
