// passerelle-gateway-bench: the gateway measured against direct gRPC, same node, same run. A
// passerelle-node and a passerelle-gateway run as processes on loopback; GetStructure and
// CreateStructure are driven at
// --concurrency calls in flight, over gRPC straight to the node and over HTTP/1.1 keep-alive (one
// connection per client thread) through the gateway. Prints (see report.h):
//   gateway_get_calls_per_s, grpc_get_calls_per_s, gateway_vs_grpc_get_ratio,
//   gateway_get_saturated_p99_added_ms (closed loop, both paths in --rounds alternating windows:
//   MeasurePaired, which notes the CPU per call of the node (gRPC) and of the gateway),
//   gateway_get_p99_added_ms (both paths paced below saturation, calls alternating), the same for
//   create, and for GET through a second gateway serving HTTPS (gateway_https_get_*; --https; each
//   window's client threads open fresh connections, so their handshakes count);
//   gateway_rss_1000_idle_mb (the gateway's RSS holding 1,000 idle connections);
//   gateway_sse_delivery_p50_ms/_p99_ms (WatchTenders as Server-Sent Events to 500 clients while
//   notices are written, commit to arrival).
// Goals are "#" notes; nothing is asserted.

#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/import.h"
#include "bench/load.h"
#include "bench/report.h"
#include "bench/server_process.h"
#include "bench/tenders.h"
#include "bench/throughput.h"
#include "cli/demo_data.h"
#include "gateway/access.h"
#include "gateway/json_print.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/gateway/http_client.h"
#include "tests/mesh/test_pki.h"

ABSL_FLAG(std::string, node_binary, PASSERELLE_NODE_BINARY,
          "passerelle-node to measure behind the gateway");
ABSL_FLAG(std::string, gateway_binary, PASSERELLE_GATEWAY_BINARY, "passerelle-gateway to measure");
ABSL_FLAG(int, concurrency, 64,
          "calls in flight: client threads, and HTTP connections through the gateway");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "untimed load before each figure");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(8), "timed load for each figure");
ABSL_FLAG(int, rounds, 4, "alternating windows that share the saturated loads of gRPC and gateway");
ABSL_FLAG(int, structures, 2000, "structures created up front for GetStructure to read");
ABSL_FLAG(int, create_pool, 200000,
          "fresh structures generated for CreateStructure; each is created once");
ABSL_FLAG(double, paced_fraction, 0.5,
          "offered rate of the latency figures, as a fraction of the gateway's saturated rate");
ABSL_FLAG(int, sse_clients, 500,
          "WatchTenders Server-Sent Events clients for the fan-out figure; 0 skips it");
ABSL_FLAG(double, sse_notices_per_s, 20, "notices written per second while the SSE clients watch");
ABSL_FLAG(absl::Duration, sse_duration, absl::Seconds(10), "how long notices are written for them");
ABSL_FLAG(int, gateway_threads, 0, "the gateway's io threads; 0: its default (one per core)");
ABSL_FLAG(int, idle_connections, 1000, "idle HTTP connections held open for the memory figure");
ABSL_FLAG(bool, https, true,
          "also compare GetStructure through a gateway serving HTTPS (gateway_https_get_*)");

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

// One keep-alive connection per load thread, made on the thread's first call; HTTPS trusting
// `ca_file` when it is set.
testing::HttpClient& ThreadConnection(int port, const std::string& ca_file = "") {
  thread_local std::unique_ptr<testing::HttpClient> client;
  thread_local int client_port = 0;
  if (client == nullptr || client_port != port) {
    client = std::make_unique<testing::HttpClient>(port, ca_file);
    client_port = port;
  }
  return *client;
}

int PortOf(const ServerProcess& server) {
  return std::stoi(server.address().substr(server.address().rfind(':') + 1));
}

// Closed loop unless `calls_per_second` is set.
LoadResult Measure(const Call& call, int64_t* next_index, double calls_per_second = 0) {
  LoadPlan plan;
  plan.concurrency = absl::GetFlag(FLAGS_concurrency);
  plan.calls_per_second = calls_per_second;
  plan.first_index = *next_index;
  plan.max_duration = absl::GetFlag(FLAGS_warmup);
  LoadResult warm = RunLoad(plan, call);
  plan.first_index = warm.end_index;
  plan.max_duration = absl::GetFlag(FLAGS_duration);
  LoadResult result = RunLoad(plan, call);
  *next_index = result.end_index;
  return result;
}

double AddedMs(const LoadResult& grpc_result, const LoadResult& gateway_result, double q) {
  return absl::ToDoubleMilliseconds(gateway_result.Quantile(q) - grpc_result.Quantile(q));
}

// Saturated (closed loop) throughput of both paths, then their latency at one offered rate below
// the gateway's capacity: at saturation a closed loop's latency is its concurrency over its
// throughput, so the saturated "added" p99 restates the throughput ratio; what the gateway adds
// to a call is read where neither path queues.
absl::Status Compare(const std::string& what, const ServerProcess& node,
                     const ServerProcess& gateway, const Call& grpc_call, const Call& gateway_call,
                     int64_t* index) {
  // Both sides draw from one range of indices, gRPC the even ones and the gateway the odd ones,
  // so that no fresh structure is created twice.
  const int64_t base = *index;
  auto side = [&](const ServerProcess& server, const Call& call, int parity) {
    return ThroughputSide{absl::StrCat(&server == &node ? "grpc_" : "gateway_", what), &server,
                          [&call, base, parity](int64_t i) { return call(base + 2 * i + parity); }};
  };
  absl::StatusOr<std::pair<LoadResult, LoadResult>> paired =
      MeasurePaired(side(node, grpc_call, 0), side(gateway, gateway_call, 1),
                    {absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_warmup),
                     absl::GetFlag(FLAGS_duration)},
                    absl::GetFlag(FLAGS_rounds));
  if (!paired.ok()) return paired.status();
  const auto& [direct, through] = *paired;
  *index = base + 2 * std::max(direct.end_index, through.end_index);
  PrintPairedRates(*paired, absl::StrCat("grpc_", what, "_calls_per_s"),
                   absl::StrCat("gateway_", what, "_calls_per_s"),
                   absl::StrCat("gateway_vs_grpc_", what, "_ratio"));
  PrintBench(absl::StrCat("gateway_", what, "_saturated_p99_added_ms"),
             AddedMs(direct, through, 0.99), "ms");

  // Both paths in one paced run, calls alternating, so that both meet the same machine (two cores
  // shared with the load driver) at the same moments; the offered rate is the sum of the two.
  const double rate = through.CallsPerSecond() * absl::GetFlag(FLAGS_paced_fraction);
  const int64_t first = *index;
  LoadResult paced =
      Measure([&](int64_t i) { return (i - first) % 2 == 0 ? grpc_call(i) : gateway_call(i); },
              index, rate);
  if (absl::Status s = paced.FailureStatus(what); !s.ok()) return s;
  LoadResult paced_direct, paced_through;
  for (size_t i = 0; i < paced.latencies_in_call_order.size(); ++i) {
    (i % 2 == 0 ? paced_direct : paced_through)
        .latencies.push_back(paced.latencies_in_call_order[i]);
  }
  for (LoadResult* r : {&paced_direct, &paced_through})
    std::sort(r->latencies.begin(), r->latencies.end());
  PrintNote(absl::StrFormat(
      "%s paced at %.0f calls/s, alternating gRPC and gateway (%.0f%% of the gateway's saturated "
      "rate); %d of %d calls found their thread still busy when due",
      what, rate, 100 * absl::GetFlag(FLAGS_paced_fraction), paced.late_calls, paced.calls));
  PrintBench(absl::StrCat("grpc_", what, "_paced_p99_ms"),
             absl::ToDoubleMilliseconds(paced_direct.Quantile(0.99)), "ms");
  PrintBench(absl::StrCat("gateway_", what, "_paced_p99_ms"),
             absl::ToDoubleMilliseconds(paced_through.Quantile(0.99)), "ms");
  PrintBench(absl::StrCat("gateway_", what, "_p50_added_ms"),
             AddedMs(paced_direct, paced_through, 0.5), "ms");
  PrintBench(absl::StrCat("gateway_", what, "_p99_added_ms"),
             AddedMs(paced_direct, paced_through, 0.99), "ms");
  return absl::OkStatus();
}

// Server-Sent Events clients of WatchTenders through the gateway, each on its own connection and
// thread as a browser or a partner's script would be. Each records, for every live event, the time
// from the notice's commit (its update_time, stamped by the node) to the event's arrival.
class SseWatchers {
 public:
  // `snapshot_events`: how many notices the snapshot of `target` holds.
  SseWatchers(int port, int count, const std::string& target, int64_t snapshot_events)
      : snapshot_events_(snapshot_events) {
    for (int i = 0; i < count; ++i) clients_.push_back(std::make_unique<testing::HttpClient>(port));
    for (auto& client : clients_) {
      threads_.emplace_back([this, client = client.get(), target] { Run(client, target); });
    }
  }
  ~SseWatchers() {
    for (auto& client : clients_) client->Shutdown();
    for (std::thread& t : threads_) t.join();
  }

  // Whether every client has received its whole snapshot within `timeout`.
  bool AwaitSnapshots(absl::Duration timeout) {
    auto done = [&] {
      mu_.AssertReaderHeld();
      return snapshot_clients_ >= static_cast<int>(clients_.size());
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  // Whether `live` live events in all have arrived within `timeout`.
  bool AwaitLive(int64_t live, absl::Duration timeout) {
    auto done = [&] {
      mu_.AssertReaderHeld();
      return static_cast<int64_t>(latencies_.size()) >= live;
    };
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }
  std::vector<absl::Duration> Latencies() {
    absl::MutexLock lock(&mu_);
    std::vector<absl::Duration> out = latencies_;
    std::sort(out.begin(), out.end());
    return out;
  }
  int ended_early() {
    absl::MutexLock lock(&mu_);
    return ended_early_;
  }

 private:
  void Run(testing::HttpClient* client, const std::string& target) {
    client->SendRaw(absl::StrCat("GET ", target,
                                 " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer ", kToken,
                                 "\r\nAccept: text/event-stream\r\n\r\n"));
    std::string pending;
    int64_t snapshots = 0;
    for (std::string read; !(read = client->ReadSome()).empty();) {
      const absl::Time arrived = absl::Now();
      pending += read;
      size_t start = 0;
      for (size_t end; (end = pending.find('\n', start)) != std::string::npos; start = end + 1) {
        const absl::string_view line(pending.data() + start, end - start);
        if (!absl::StartsWith(line, "data: ")) continue;
        if (absl::StrContains(line, "\"snapshot\":true")) {
          if (++snapshots == snapshot_events_) {
            absl::MutexLock lock(&mu_);
            ++snapshot_clients_;
          }
          continue;
        }
        absl::StatusOr<absl::Time> committed = UpdateTime(line);
        absl::MutexLock lock(&mu_);
        if (committed.ok()) latencies_.push_back(arrived - *committed);
      }
      pending.erase(0, start);
    }
    absl::MutexLock lock(&mu_);
    ++ended_early_;  // read before the destructor shuts the rest
  }

  // The notice's update_time in an event's JSON: the first "updateTime" of the line, the tender's
  // (a new notice carries no other).
  static absl::StatusOr<absl::Time> UpdateTime(absl::string_view line) {
    constexpr absl::string_view kField = "\"updateTime\":\"";
    const size_t at = line.find(kField);
    if (at == absl::string_view::npos) return absl::NotFoundError("no updateTime");
    const size_t from = at + kField.size();
    const size_t to = line.find('"', from);
    google::protobuf::Timestamp stamp;
    if (to == absl::string_view::npos || !google::protobuf::util::TimeUtil::FromString(
                                             std::string(line.substr(from, to - from)), &stamp)) {
      return absl::InvalidArgumentError("bad updateTime");
    }
    return absl::FromUnixNanos(google::protobuf::util::TimeUtil::TimestampToNanoseconds(stamp));
  }

  std::vector<std::unique_ptr<testing::HttpClient>> clients_;
  std::vector<std::thread> threads_;
  const int64_t snapshot_events_;
  absl::Mutex mu_;
  int snapshot_clients_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_early_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Duration> latencies_ ABSL_GUARDED_BY(mu_);
};

// --sse_clients watch one buyer through the gateway while its notices are written over gRPC at
// --sse_notices_per_s: every notice goes to every client.
absl::Status MeasureSseFanOut(const ServerProcess& node, int port) {
  auto channel = grpc::CreateChannel(node.address(), grpc::InsecureChannelCredentials());
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  if (absl::Status s = CreateBuyer(*registry, "bench-watch"); !s.ok()) return s;
  const double rate = absl::GetFlag(FLAGS_sse_notices_per_s);
  const absl::Duration duration = absl::GetFlag(FLAGS_sse_duration);
  std::vector<v1::Tender> notices = GenerateTenders(
      1 + static_cast<int>(rate * absl::ToDoubleSeconds(duration)) + 1, 2025, "bench-watch", "sse");
  // One notice before the clients come: each gets it as its snapshot, which says its stream is
  // live before the timed notices start.
  if (grpc::Status s = CreateTender(*tenders, notices[0]); !s.ok())
    return absl::InternalError(s.error_message());
  const int clients = absl::GetFlag(FLAGS_sse_clients);
  SseWatchers watchers(port, clients, "/v1/tenders:watch?buyer=buyers/bench-watch", 1);
  if (!watchers.AwaitSnapshots(absl::Seconds(60)))
    return absl::DeadlineExceededError("the SSE clients did not all receive their snapshot");

  LoadPlan plan;
  plan.concurrency = 4;
  plan.first_index = 1;
  plan.max_calls = static_cast<int64_t>(notices.size()) - 1;
  plan.max_duration = duration;
  plan.calls_per_second = rate;
  LoadResult written = RunLoad(plan, [&](int64_t i) { return CreateTender(*tenders, notices[i]); });
  if (absl::Status s = written.FailureStatus("sse writers"); !s.ok()) return s;
  const int64_t expected = written.calls * clients;
  watchers.AwaitLive(expected, absl::Seconds(30));
  std::vector<absl::Duration> latencies = watchers.Latencies();
  const int ended = watchers.ended_early();
  PrintNote(
      absl::StrFormat("sse: %d notices at %.0f/s to %d clients: %d of %d events arrived, "
                      "%d streams ended early",
                      written.calls, rate, clients, latencies.size(), expected, ended));
  if (latencies.empty()) return absl::InternalError("no SSE client received a live event");
  PrintBench("gateway_sse_deliveries_per_s",
             static_cast<double>(latencies.size()) / absl::ToDoubleSeconds(written.elapsed),
             "events/s");
  PrintBench("gateway_sse_delivery_p50_ms",
             absl::ToDoubleMilliseconds(latencies[latencies.size() / 2]), "ms");
  PrintBench("gateway_sse_delivery_p99_ms",
             absl::ToDoubleMilliseconds(latencies[latencies.size() * 99 / 100]), "ms");
  PrintBench("gateway_sse_lost_events",
             static_cast<double>(expected - static_cast<int64_t>(latencies.size())), "events");
  PrintNote("goal: gateway_sse_delivery_p99_ms < 100 with no event lost");
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
  config.set_threads(absl::GetFlag(FLAGS_gateway_threads));
  config.mutable_limits()->set_read_timeout_ms(
      600'000);  // idle connections must stay for the memory figure
  v1::GatewayToken* token = config.add_tokens();
  token->set_sha256(gateway::TokenHash(kToken));
  token->mutable_principal()->set_partner_id("bench");
  token->mutable_principal()->set_role("partner_admin");
  absl::StatusOr<std::unique_ptr<ServerProcess>> gateway =
      ServerProcess::StartGateway(absl::GetFlag(FLAGS_gateway_binary), config);
  if (!gateway.ok()) return gateway.status();
  const int port = PortOf(**gateway);

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
  if (absl::Status s = Compare("get", **node, **gateway, grpc_get, gateway_get, &index); !s.ok())
    return s;

  if (absl::GetFlag(FLAGS_https)) {
    // The same GETs through a second gateway serving HTTPS: what TLS adds per call (each window's
    // client threads open fresh connections, so their handshakes count). It serves partner
    // "bench"'s node certificate from deploy/pki (SAN 127.0.0.1), checked against ca.pem.
    testing::TestPki pki;
    if (absl::Status made = pki.TryRun("OUT bench"); !made.ok()) return made;
    v1::GatewayConfig https_config = config;
    https_config.mutable_https()->set_cert_file(pki.Path("bench/node.pem"));
    https_config.mutable_https()->set_key_file(pki.Path("bench/node.key"));
    absl::StatusOr<std::unique_ptr<ServerProcess>> https_gateway =
        ServerProcess::StartGateway(absl::GetFlag(FLAGS_gateway_binary), https_config);
    if (!https_gateway.ok()) return https_gateway.status();
    const int https_port = PortOf(**https_gateway);
    const std::string ca = pki.Path("ca.pem");
    auto https_get = [&](int64_t i) {
      return FromHttp(
          ThreadConnection(https_port, ca)
              .CallAs(kToken, "GET", "/v1/structures/" + structures[i % count].siret()));
    };
    if (absl::Status s = Compare("https_get", **node, **https_gateway, grpc_get, https_get, &index);
        !s.ok())
      return s;
  }

  // Creates draw fresh structures past the preloaded ones.
  auto fresh = [&](int64_t i) -> const v1::Structure& {
    return FreshStructure(structures, static_cast<size_t>(count), i);
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
  if (absl::Status s =
          Compare("create", **node, **gateway, grpc_create, gateway_create, &create_index);
      !s.ok())
    return s;
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
  idle.clear();
  if (absl::GetFlag(FLAGS_sse_clients) == 0) return absl::OkStatus();
  return MeasureSseFanOut(**node, port);
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-gateway-bench",
                                       passerelle::bench::Run);
}
