// libFuzzer over everything the gateway does with a request before it calls the node: routing, the
// token, path bindings, query parameters and JSON or NDJSON bodies into request messages
// (gateway/request_plan.h). An input reads "METHOD TARGET\nBODY". Besides not crashing or
// touching memory it does not own (AddressSanitizer):
// - every request the planner builds parses as the node will parse it (protobuf refuses a string
//   that is not UTF-8), and comes back unchanged through the JSON mapping the gateway answers with;
// - every reply the gateway gives by itself (a refusal, most often) is a JSON document, whatever
//   bytes the request held.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "gateway/access.h"
#include "gateway/request_plan.h"
#include "gateway/json_print.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace passerelle::gateway {
namespace {

constexpr char kToken[] = "fuzz-token";

RequestPlanner& Planner() {
  static RequestPlanner* const planner = [] {
    v1::GatewayConfig config;
    config.set_listen_address("127.0.0.1:0");
    config.set_node_address("127.0.0.1:1");
    v1::GatewayToken* token = config.add_tokens();
    token->set_sha256(TokenHash(kToken));
    token->mutable_principal()->set_partner_id("solideo");
    token->mutable_principal()->set_role("contractor");
    token->mutable_principal()->set_siret("73282932000074");
    absl::StatusOr<std::unique_ptr<RequestPlanner>> created = RequestPlanner::Create(config);
    if (!created.ok()) {
      std::fprintf(stderr, "planner: %s\n", created.status().ToString().c_str());
      std::abort();
    }
    return created->release();
  }();
  return *planner;
}

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "%s\n", what.c_str());
  std::abort();
}

void CheckIsJson(const OwnReply& reply) {
  if (reply.content_type != "application/json") return;
  google::protobuf::Value document;
  if (reply.body.empty() ||
      !google::protobuf::util::JsonStringToMessage(reply.body, &document).ok())
    Fail(absl::StrCat("the gateway's ", reply.http_status, " reply is not JSON: ", reply.body));
}

void CheckRoundTrip(const NodeCall& call, grpc::ByteBuffer* buffer) {
  const google::protobuf::Descriptor* type = call.route->method->input_type();
  std::unique_ptr<google::protobuf::Message> request = Planner().NewMessage(type);
  if (!FromByteBuffer(buffer, request.get())) Fail("the planned request does not parse");
  const std::string json = ToJson(*request);
  std::unique_ptr<google::protobuf::Message> again = Planner().NewMessage(type);
  if (!google::protobuf::util::JsonStringToMessage(json, again.get()).ok())
    Fail(absl::StrCat("its JSON does not parse back: ", json));
  if (!google::protobuf::util::MessageDifferencer::Equals(*request, *again))
    Fail(absl::StrCat(request->ShortDebugString(),
                      " as JSON parses back to another message: ", json));
}

}  // namespace
}  // namespace passerelle::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using passerelle::gateway::NodeCall;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const absl::string_view line = input.substr(0, newline);
  const absl::string_view body =
      newline == absl::string_view::npos ? absl::string_view() : input.substr(newline + 1);
  const size_t space = line.find(' ');
  const absl::string_view method = space == absl::string_view::npos ? "GET" : line.substr(0, space);
  const absl::string_view target = space == absl::string_view::npos ? line : line.substr(space + 1);
  const std::string authorization = absl::StrCat("Bearer ", passerelle::gateway::kToken);
  std::variant<passerelle::gateway::OwnReply, NodeCall> plan =
      passerelle::gateway::Planner().Plan({method, target, authorization, body}, absl::Now());
  if (auto* call = std::get_if<NodeCall>(&plan)) {
    for (grpc::ByteBuffer& buffer : call->requests) {
      passerelle::gateway::CheckRoundTrip(*call, &buffer);
    }
  } else {
    passerelle::gateway::CheckIsJson(std::get<passerelle::gateway::OwnReply>(plan));
  }
  return 0;
}
