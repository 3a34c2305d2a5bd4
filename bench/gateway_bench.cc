// passerelle-gateway-bench: the gateway measured against direct gRPC, same node, same run. A
// passerelle-node and a passerelle-gateway run as processes on loopback; GetStructure and
// CreateStructure are driven at
// --concurrency calls in flight, over gRPC straight to the node and over HTTP/1.1 keep-alive (one
// connection per client thread) through the gateway. Prints (see report.h):
//   gateway_get_calls_per_s, grpc_get_calls_per_s, gateway_vs_grpc_get_ratio,
//   gateway_get_p99_added_ms, the same for create, and gateway_rss_1000_idle_mb (the gateway's RSS
//   holding 1,000 idle connections).
// Goals are "#" notes; nothing is asserted.

#include <sys/resource.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/load.h"
#include "bench/report.h"
#include "bench/server_process.h"
#include "cli/demo_data.h"
#include "gateway/access.h"
#include "gateway/transcode.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/gateway/http_client.h"

ABSL_FLAG(std::string, node_binary, PASSERELLE_NODE_BINARY,
          "passerelle-node to measure behind the gateway");
ABSL_FLAG(std::string, gateway_binary, PASSERELLE_GATEWAY_BINARY, "passerelle-gateway to measure");
ABSL_FLAG(int, concurrency, 64,
          "calls in flight: client threads, and HTTP connections through the gateway");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "untimed load before each figure");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(8), "timed load for each figure");
ABSL_FLAG(int, structures, 2000, "structures created up front for GetStructure to read");
ABSL_FLAG(int, create_pool, 200000,
          "fresh structures generated for CreateStructure; each is created once");
ABSL_FLAG(int, idle_connections, 1000, "idle HTTP connections held open for the memory figure");

namespace passerelle::bench {
namespace {

constexpr char kToken[] = "bench-token";
constexpr double kMebibyte = 1024.0 * 1024.0;

void RaiseOpenFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

grpc::Status FromHttp(const testing::HttpReply& reply) {
  if (reply.status == 200) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNKNOWN,
                      absl::StrCat("HTTP ", reply.status, ": ", reply.body));
}

// One keep-alive connection per load thread, made on the thread's first call.
testing::HttpClient& ThreadConnection(int port) {
  thread_local std::unique_ptr<testing::HttpClient> client;
  thread_local int client_port = 0;
  if (client == nullptr || client_port != port) {
    client = std::make_unique<testing::HttpClient>(port);
    client_port = port;
  }
  return *client;
}

LoadResult Measure(const Call& call, int64_t* next_index) {
  LoadPlan plan;
  plan.concurrency = absl::GetFlag(FLAGS_concurrency);
  plan.first_index = *next_index;
  plan.max_duration = absl::GetFlag(FLAGS_warmup);
  LoadResult warm = RunLoad(plan, call);
  plan.first_index = warm.end_index;
  plan.max_duration = absl::GetFlag(FLAGS_duration);
  LoadResult result = RunLoad(plan, call);
  *next_index = result.end_index;
  return result;
}

absl::Status Report(const std::string& what, const LoadResult& grpc_result,
                    const LoadResult& gateway_result) {
  for (const LoadResult* r : {&grpc_result, &gateway_result}) {
    if (r->failures > 0)
      return absl::InternalError(
          absl::StrCat(what, ": ", r->failures, " failed calls; first: ", r->first_failure));
  }
  PrintBench(absl::StrCat("gateway_", what, "_calls_per_s"), gateway_result.CallsPerSecond(),
             "calls/s");
  PrintBench(absl::StrCat("grpc_", what, "_calls_per_s"), grpc_result.CallsPerSecond(), "calls/s");
  PrintBench(absl::StrCat("gateway_vs_grpc_", what, "_ratio"),
             gateway_result.CallsPerSecond() / grpc_result.CallsPerSecond(), "ratio");
  PrintBench(absl::StrCat("gateway_", what, "_p99_added_ms"),
             absl::ToDoubleMilliseconds(gateway_result.Quantile(0.99) - grpc_result.Quantile(0.99)),
             "ms");
  return absl::OkStatus();
}

absl::Status Run() {
  RaiseOpenFileLimit();
  absl::StatusOr<std::unique_ptr<ServerProcess>> node =
      ServerProcess::StartNode(absl::GetFlag(FLAGS_node_binary));
  if (!node.ok()) return node.status();
  v1::GatewayConfig config;
  config.set_listen_address("127.0.0.1:0");
  config.set_node_address((*node)->address());
  config.mutable_limits()->set_read_timeout_ms(
      600'000);  // idle connections must stay for the memory figure
  v1::GatewayToken* token = config.add_tokens();
  token->set_sha256(gateway::TokenHash(kToken));
  token->mutable_principal()->set_partner_id("bench");
  token->mutable_principal()->set_role("partner_admin");
  absl::StatusOr<std::unique_ptr<ServerProcess>> gateway =
      ServerProcess::StartGateway(absl::GetFlag(FLAGS_gateway_binary), config);
  if (!gateway.ok()) return gateway.status();
  const int port = std::stoi((*gateway)->address().substr((*gateway)->address().rfind(':') + 1));

  const int count = absl::GetFlag(FLAGS_structures);
  std::vector<v1::Structure> structures =
      cli::GenerateStructures(count + absl::GetFlag(FLAGS_create_pool), 2024);
  auto channel = grpc::CreateChannel((*node)->address(), grpc::InsecureChannelCredentials());
  auto stub = v1::RegistryService::NewStub(channel);
  for (int i = 0; i < count; ++i) {
    grpc::ClientContext context;
    v1::CreateStructureRequest request;
    *request.mutable_structure() = structures[i];
    v1::Structure created;
    grpc::Status status = stub->CreateStructure(&context, request, &created);
    if (!status.ok())
      return absl::InternalError(absl::StrCat("preloading: ", status.error_message()));
  }
  PrintNote(absl::StrFormat(
      "%d structures; %d calls in flight; gateway: one keep-alive connection per client thread",
      count, absl::GetFlag(FLAGS_concurrency)));

  auto grpc_get = [&](int64_t i) {
    grpc::ClientContext context;
    v1::GetStructureRequest request;
    request.set_name("structures/" + structures[i % count].siret());
    v1::Structure structure;
    return stub->GetStructure(&context, request, &structure);
  };
  auto gateway_get = [&](int64_t i) {
    return FromHttp(ThreadConnection(port).CallAs(
        kToken, "GET", "/v1/structures/" + structures[i % count].siret()));
  };
  int64_t index = 0;
  LoadResult direct = Measure(grpc_get, &index);
  LoadResult through = Measure(gateway_get, &index);
  if (absl::Status s = Report("get", direct, through); !s.ok()) return s;

  // Creates draw fresh structures past the preloaded ones; a create beyond the pool fails as a
  // duplicate, and the figure is refused rather than skewed.
  const int64_t available = static_cast<int64_t>(structures.size());
  auto fresh = [&](int64_t i) -> const v1::Structure& {
    return structures[count + i % (available - count)];
  };
  auto grpc_create = [&](int64_t i) {
    grpc::ClientContext context;
    v1::CreateStructureRequest request;
    *request.mutable_structure() = fresh(i);
    v1::Structure created;
    return stub->CreateStructure(&context, request, &created);
  };
  auto gateway_create = [&](int64_t i) {
    return FromHttp(
        ThreadConnection(port).CallAs(kToken, "POST", "/v1/structures", gateway::ToJson(fresh(i))));
  };
  int64_t create_index = 0;
  LoadResult direct_create = Measure(grpc_create, &create_index);
  LoadResult through_create = Measure(gateway_create, &create_index);
  if (absl::Status s = Report("create", direct_create, through_create); !s.ok()) return s;
  PrintNote("goal: gateway_vs_grpc_*_ratio >= 0.5 and gateway_*_p99_added_ms < 2");

  const int64_t rss_before = (*gateway)->StatusBytes("VmRSS");
  std::vector<std::unique_ptr<testing::HttpClient>> idle;
  for (int i = 0; i < absl::GetFlag(FLAGS_idle_connections); ++i)
    idle.push_back(std::make_unique<testing::HttpClient>(port));
  // A request on a fresh connection answers only once the gateway has accepted the connections
  // before it.
  if (testing::HttpClient(port).Call("GET", "/healthz").status != 200)
    return absl::InternalError("healthz failed");
  PrintBench("gateway_rss_1000_idle_mb",
             static_cast<double>((*gateway)->StatusBytes("VmRSS")) / kMebibyte, "MB");
  PrintBench("gateway_rss_before_idle_mb", static_cast<double>(rss_before) / kMebibyte, "MB");
  return absl::OkStatus();
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-gateway-bench",
                                       passerelle::bench::Run);
}
