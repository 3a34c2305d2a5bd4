#ifndef PASSERELLE_GATEWAY_REQUEST_PLAN_H_
#define PASSERELLE_GATEWAY_REQUEST_PLAN_H_

// Everything the gateway decides about one HTTP request before any I/O: whether it answers by
// itself (health, OpenAPI, the observatory page, or a refusal: unknown route, wrong method, bad
// token, too many bad tokens from the client's address, token outside its methods, rate limit,
// request that does not transcode), or which RPC to
// call, as whom, with which request messages. The HTTP server only carries out the plan.
// Thread-safe.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/access.h"
#include "gateway/http_error.h"
#include "gateway/route_table.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace passerelle::gateway {

struct HttpRequestView {
  absl::string_view method;         // "GET"
  absl::string_view target;         // path and query, "/v1/structures?pageSize=2"
  absl::string_view authorization;  // the Authorization header, empty when absent
  absl::string_view body;
  absl::string_view client_address{};  // the peer's IP address, "127.0.0.1"
};

// A reply the gateway gives without calling the node.
struct OwnReply {
  int http_status;
  std::string body;
  std::string allow;  // for 405: the methods the path accepts
  std::string content_type = "application/json";
  int retry_after_seconds = 0;  // for 429 from the failed-authentication limit: Retry-After
  std::string log{};            // a line for the gateway's log (never a token), empty for most
};

// The RPC to make for a request.
struct NodeCall {
  const Route* route;
  std::string method;                      // "/passerelle.v1.RegistryService/GetStructure"
  std::string principal_uri;               // forwarded as x-passerelle-principal
  std::vector<grpc::ByteBuffer> requests;  // one, or one per NDJSON line for client streaming
};

class RequestPlanner {
 public:
  // Routes of every linked service; INVALID_ARGUMENT when an annotation or a token is malformed.
  static absl::StatusOr<std::unique_ptr<RequestPlanner>> Create(const v1::GatewayConfig& config);

  std::variant<OwnReply, NodeCall> Plan(const HttpRequestView& request, absl::Time now);

  // An empty message of `type` (a route's request or response type), to decode into: an instance of
  // its compiled class, since every route comes from a linked service (LinkedServices). Compiled
  // classes parse and print several times faster than dynamic messages of the same descriptors.
  static std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type);

  const RouteTable& routes() const { return routes_; }

 private:
  RequestPlanner(RouteTable routes, TokenBook tokens, const v1::GatewayLimits& limits);
  // The request's token, or the refusal: 401, or 429 while its address is over the
  // failed-authentication limit (FailedAuthGuard).
  std::variant<const v1::GatewayToken*, OwnReply> Authenticate(const HttpRequestView& request,
                                                               absl::Time now);

  RouteTable routes_;
  TokenBook tokens_;
  RateLimiter rate_;
  FailedAuthGuard failed_auths_;
  std::string openapi_;
};

// Serialized `message`, as the generic stub sends it.
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);
// Parses `buffer` into `message`; false when it does not parse.
bool FromByteBuffer(grpc::ByteBuffer* buffer, google::protobuf::Message* message);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_REQUEST_PLAN_H_
