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
      failed_auths_(limits.failed_auths_per_second(), limits.failed_auth_burst()),
      openapi_(OpenApiDocument(routes_, "Passerelle")) {}

std::unique_ptr<google::protobuf::Message> RequestPlanner::NewMessage(
    const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

std::variant<const v1::GatewayToken*, OwnReply> RequestPlanner::Authenticate(
    const HttpRequestView& request, absl::Time now) {
  absl::StatusOr<std::string> hash = BearerTokenHash(request.authorization);
  const FailedAuthGuard::Refusal refusal =
      failed_auths_.Check(request.client_address, hash.ok() ? *hash : "", now);
  if (refusal.retry_after > absl::ZeroDuration()) {
    const int64_t seconds = absl::ToInt64Seconds(absl::Ceil(refusal.retry_after, absl::Seconds(1)));
    OwnReply reply = Refusal(ErrorWithHttpStatus(
        429, absl::StatusCode::kResourceExhausted,
        absl::StrCat("too many failed authentications from this address; retry in ", seconds,
                     " s")));
    reply.retry_after_seconds = static_cast<int>(seconds);
    if (refusal.episode_began) {
      reply.log = absl::StrCat("gateway refusing address=", request.client_address,
                               ": too many failed authentications; once they slow down it is "
                               "answered again");
    }
    return reply;
  }
  absl::StatusOr<const v1::GatewayToken*> token =
      hash.ok() ? tokens_.Find(*hash) : absl::StatusOr<const v1::GatewayToken*>(hash.status());
  if (!token.ok()) {
    failed_auths_.Failed(request.client_address, now);
    return Refusal(ErrorFromStatus(token.status()));
  }
  failed_auths_.Succeeded(request.client_address, *hash, now);
  return *token;
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
  std::variant<const v1::GatewayToken*, OwnReply> token = Authenticate(request, now);
  if (auto* refusal = std::get_if<OwnReply>(&token)) return std::move(*refusal);
  const v1::GatewayToken* bearer = std::get<const v1::GatewayToken*>(token);
  NodeCall call{&route, route.FullMethodName(), ForwardedPrincipalUri(bearer->principal()), {}};
  if (absl::Status may = MayCall(*bearer, call.method); !may.ok())
    return Refusal(ErrorFromStatus(may));
  if (absl::Status rate = rate_.Take(bearer->sha256(), now); !rate.ok()) {
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
