#include "gateway/request_plan.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "gateway/openapi.h"
#include "gateway/transcode.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "observatory_page.h"

namespace passerelle::gateway {
namespace {

OwnReply Refusal(const HttpError& error) { return OwnReply{error.http_status, error.json, ""}; }

// Prefixes each field violation of a line's refusal with where the line is, so a client can fix its
// file.
absl::Status OnLine(int line, const absl::Status& status) {
  common::FieldViolations violations;
  for (auto& v : common::ViolationsOf(status)) {
    violations.Add(v.field, absl::StrCat("line ", line, ": ", v.description));
  }
  return violations.empty() ? status : violations.ToStatus();
}

}  // namespace

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message) {
  grpc::ByteBuffer buffer;
  bool own;
  (void)grpc::SerializationTraits<google::protobuf::Message>::Serialize(message, &buffer, &own);
  return buffer;
}

bool FromByteBuffer(grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  return grpc::SerializationTraits<google::protobuf::Message>::Deserialize(buffer, message).ok();
}

absl::StatusOr<std::unique_ptr<RequestPlanner>> RequestPlanner::Create(
    const v1::GatewayConfig& config) {
  absl::StatusOr<RouteTable> routes = RouteTable::Build(LinkedServices());
  if (!routes.ok()) return routes.status();
  absl::StatusOr<TokenBook> tokens = TokenBook::FromConfig(config);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<RequestPlanner>(
      new RequestPlanner(*std::move(routes), *std::move(tokens), config.limits()));
}

RequestPlanner::RequestPlanner(RouteTable routes, TokenBook tokens, const v1::GatewayLimits& limits)
    : routes_(std::move(routes)),
      tokens_(std::move(tokens)),
      rate_(limits.requests_per_second(), limits.burst()),
      openapi_(OpenApiDocument(routes_, "Passerelle")) {}

std::unique_ptr<google::protobuf::Message> RequestPlanner::NewMessage(
    const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

std::variant<OwnReply, NodeCall> RequestPlanner::Plan(const HttpRequestView& request,
                                                      absl::Time now) {
  const size_t question = request.target.find('?');
  const absl::string_view path = request.target.substr(0, question);
  const absl::string_view query =
      question == absl::string_view::npos ? "" : request.target.substr(question + 1);
  const absl::string_view verb = request.method;
  if (verb == "GET" && path == "/healthz") return OwnReply{200, R"({"status":"SERVING"})", ""};
  if (verb == "GET" && path == "/openapi.json") return OwnReply{200, openapi_, ""};
  // The page is public; the calls it makes for its figures carry a token.
  if (verb == "GET" && path == "/") {
    return OwnReply{200, kObservatoryPage, "", "text/html; charset=utf-8"};
  }

  RouteLookup lookup = routes_.Lookup(verb, path);
  if (lookup.outcome == RouteLookup::kNotFound) {
    std::string message = absl::StrCat("no route for ", verb, " ", path);
    if (!lookup.close_routes.empty()) {
      absl::StrAppend(&message, "; close routes: ", absl::StrJoin(lookup.close_routes, ", "));
    }
    return Refusal(ErrorWithHttpStatus(404, absl::StatusCode::kNotFound, message));
  }
  if (lookup.outcome == RouteLookup::kMethodNotAllowed) {
    OwnReply reply = Refusal(
        ErrorWithHttpStatus(405, absl::StatusCode::kUnimplemented,
                            absl::StrCat(verb, " is not allowed on ", path,
                                         "; allowed: ", absl::StrJoin(lookup.allowed, ", "))));
    reply.allow = absl::StrJoin(lookup.allowed, ", ");
    return reply;
  }
  const Route& route = *lookup.route;
  absl::StatusOr<const v1::GatewayToken*> token = tokens_.Authenticate(request.authorization);
  if (!token.ok()) return Refusal(ErrorFromStatus(token.status()));
  NodeCall call{&route, route.FullMethodName(), ForwardedPrincipalUri((*token)->principal()), {}};
  if (absl::Status may = MayCall(**token, call.method); !may.ok())
    return Refusal(ErrorFromStatus(may));
  if (absl::Status rate = rate_.Take((*token)->sha256(), now); !rate.ok()) {
    return Refusal(ErrorFromStatus(rate));
  }

  const google::protobuf::Descriptor* input = route.method->input_type();
  if (route.method->client_streaming()) {
    for (const NdjsonLine& line : SplitNdjson(request.body)) {
      std::unique_ptr<google::protobuf::Message> message = NewMessage(input);
      absl::Status built = BuildRequest(route, lookup.bindings, query, line.json, message.get());
      if (!built.ok()) return Refusal(ErrorFromStatus(OnLine(line.number, built)));
      call.requests.push_back(ToByteBuffer(*message));
    }
  } else {
    std::unique_ptr<google::protobuf::Message> message = NewMessage(input);
    absl::Status built = BuildRequest(route, lookup.bindings, query, request.body, message.get());
    if (!built.ok()) return Refusal(ErrorFromStatus(built));
    call.requests.push_back(ToByteBuffer(*message));
  }
  return call;
}

}  // namespace passerelle::gateway
