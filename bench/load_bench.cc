// passerelle-load-bench: passerelle-node measured from outside, as a partner's tools meet it — a
// separate process on loopback gRPC, fed with the demo generator's structures. Prints BENCH lines
// (see report.h):
//   (a) raw_put_*: the bare gRPC + RocksDB baseline (raw-baseline-server), calls/s at
//   --concurrency; (b) create_structure_*: CreateStructure on a node at the same concurrency, and
//   its ratio to (a), both timed in --rounds alternating windows (MeasurePaired); (c) import_*: one
//   ImportStructures stream of --structures rows into a fresh node; (d) search_*: sequential
//   SearchStructures latency (theme + department) over what (c) loaded; (e) node_*_mb: that node's
//   memory once loaded and searched.
// Goals are printed as "#" notes next to the figures; nothing is asserted.

#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/import.h"
#include "bench/load.h"
#include "bench/report.h"
#include "bench/server_process.h"
#include "bench/throughput.h"
#include "cli/demo_data.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passerelle/v1/registry.grpc.pb.h"

ABSL_FLAG(std::string, node_binary, PASSERELLE_NODE_BINARY, "passerelle-node to measure");
ABSL_FLAG(std::string, raw_server_binary, RAW_BASELINE_SERVER_BINARY, "raw-baseline-server");
ABSL_FLAG(int, concurrency, 16, "calls in flight (one client thread each) for raw_put and create");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "untimed load before each throughput figure");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "timed load for each throughput figure");
ABSL_FLAG(int, rounds, 5, "alternating windows that share the timed load of raw_put and create");
ABSL_FLAG(int, structures, 100000,
          "structures generated: all are imported, and CreateStructure uses each at most once");
ABSL_FLAG(int, search_warmup_calls, 500, "untimed searches before the timed ones");
ABSL_FLAG(int, search_calls, 5000, "timed sequential searches");
ABSL_FLAG(int, search_page_size, 50, "results per search page, as a results screen would ask");
ABSL_FLAG(uint64_t, seed, 2024, "demo generator seed");

namespace passerelle::bench {
namespace {

constexpr double kMebibyte = 1024.0 * 1024.0;

// The structures every measurement draws from, generated before any clock starts.
struct Dataset {
  std::vector<v1::Structure> structures;
  // The raw baseline's values: the same bytes a client sends the node.
  std::vector<std::string> serialized;
};

Dataset Generate(int count, uint64_t seed) {
  Dataset data;
  data.structures = cli::GenerateStructures(count, seed);
  data.serialized.reserve(data.structures.size());
  for (const v1::Structure& s : data.structures) data.serialized.push_back(s.SerializeAsString());
  return data;
}

std::shared_ptr<grpc::Channel> Connect(const ServerProcess& server) {
  return grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
}

double Milliseconds(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

ThroughputOptions Options() {
  return {absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_warmup),
          absl::GetFlag(FLAGS_duration)};
}

// (a) and (b): the raw baseline on the dataset's own keys and bytes, and CreateStructure of
// structures never created before, timed in alternating windows.
absl::StatusOr<std::pair<LoadResult, LoadResult>> MeasureCreateVsRaw(const Dataset& data) {
  std::vector<std::string> keys;
  for (const v1::Structure& s : data.structures) keys.push_back(s.siret());
  absl::StatusOr<std::unique_ptr<RawPut>> raw =
      RawPut::Start(absl::GetFlag(FLAGS_raw_server_binary), std::move(keys), data.serialized);
  if (!raw.ok()) return raw.status();
  absl::StatusOr<std::unique_ptr<ServerProcess>> node =
      ServerProcess::StartNode(absl::GetFlag(FLAGS_node_binary));
  if (!node.ok()) return node.status();
  std::unique_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(Connect(**node));
  const ThroughputSide create{"create_structure", node->get(), [&](int64_t i) {
                                v1::CreateStructureRequest request;
                                *request.mutable_structure() =
                                    FreshStructure(data.structures, 0, i);
                                v1::Structure response;
                                grpc::ClientContext context;
                                return stub->CreateStructure(&context, request, &response);
                              }};
  return MeasurePaired((*raw)->Side(), create, Options(), absl::GetFlag(FLAGS_rounds));
}

// (c) Every structure in one client stream, written the way the CLI's import writes them;
// structures/s from opening the stream to the server's summary.
absl::StatusOr<double> MeasureImport(const Dataset& data, const ServerProcess& node,
                                     v1::RegistryService::Stub& stub) {
  const absl::Duration server_cpu = node.CpuTime();
  const absl::Duration client_cpu = ClientCpuTime();
  absl::StatusOr<absl::Duration> elapsed = ImportAll(stub, data.structures);
  if (!elapsed.ok()) return elapsed.status();
  const double server_us =
      absl::ToDoubleMicroseconds(node.CpuTime() - server_cpu) / data.structures.size();
  const double client_us =
      absl::ToDoubleMicroseconds(ClientCpuTime() - client_cpu) / data.structures.size();
  PrintNote(absl::StrFormat(
      "import: %d structures in %.2f s; CPU per structure: server %.0f us, client %.0f us",
      data.structures.size(), absl::ToDoubleSeconds(*elapsed), server_us, client_us));
  return static_cast<double>(data.structures.size()) / absl::ToDoubleSeconds(*elapsed);
}

// A two-filter search and how many structures of the dataset it matches.
struct SearchQuery {
  v1::Theme theme;
  std::string department;
  int64_t matches = 0;
};

// Every theme × department pair the dataset holds, each with its exact match count (counted here,
// from the generated structures, so the node's answers can be checked). Ordered so that consecutive
// queries differ in both filters.
std::vector<SearchQuery> SearchQueries(const Dataset& data) {
  std::map<std::pair<int, std::string>, int64_t> matches;
  for (const v1::Structure& s : data.structures) {
    for (int theme : s.themes()) {
      for (const std::string& department : s.departments()) ++matches[{theme, department}];
    }
  }
  std::vector<SearchQuery> queries;
  for (const auto& [key, count] : matches) {
    queries.push_back({static_cast<v1::Theme>(key.first), key.second, count});
  }
  // A fixed shuffle (stride coprime with the count) rather than the map's theme-major order.
  std::vector<SearchQuery> mixed;
  const size_t n = queries.size();
  size_t stride = 7;
  while (n % stride == 0) ++stride;
  for (size_t i = 0; i < n; ++i) mixed.push_back(queries[(i * stride) % n]);
  return mixed;
}

// (d) Sequential searches, after a warm-up; each answer must be the full first page the dataset
// implies.
absl::Status MeasureSearch(const Dataset& data, v1::RegistryService::Stub& stub) {
  const std::vector<SearchQuery> queries = SearchQueries(data);
  const int page_size = absl::GetFlag(FLAGS_search_page_size);
  const Call search = [&](int64_t i) {
    const SearchQuery& q = queries[static_cast<size_t>(i) % queries.size()];
    v1::SearchStructuresRequest request;
    request.add_themes(q.theme);
    request.add_departments(q.department);
    request.set_page_size(page_size);
    v1::SearchStructuresResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub.SearchStructures(&context, request, &response);
    const int64_t expected = std::min<int64_t>(page_size, q.matches);
    if (status.ok() && response.structures_size() != expected) {
      return grpc::Status(
          grpc::StatusCode::INTERNAL,
          absl::StrCat("theme ", q.theme, " department ", q.department, ": ",
                       response.structures_size(), " results, expected ", expected));
    }
    return status;
  };
  LoadPlan plan;
  plan.max_calls = absl::GetFlag(FLAGS_search_warmup_calls);
  LoadResult warmup = RunLoad(plan, search);
  plan.first_index = warmup.end_index;
  plan.max_calls = absl::GetFlag(FLAGS_search_calls);
  LoadResult timed = RunLoad(plan, search);
  for (const LoadResult* r : {&warmup, &timed}) {
    if (absl::Status s = r->FailureStatus("search"); !s.ok()) return s;
  }

  std::vector<int64_t> counts;
  for (int64_t i = plan.first_index; i < timed.end_index; ++i) {
    counts.push_back(queries[static_cast<size_t>(i) % queries.size()].matches);
  }
  std::sort(counts.begin(), counts.end());
  PrintNote(absl::StrFormat(
      "search: %d sequential calls over %d theme x department queries, page_size %d; matches per "
      "query "
      "min %d, median %d, max %d; latency max %.3f ms",
      timed.calls, queries.size(), page_size, counts.front(), counts[counts.size() / 2],
      counts.back(), Milliseconds(timed.latencies.back())));
  PrintBench("search_p50_ms", Milliseconds(timed.Quantile(0.5)), "ms");
  PrintBench("search_p99_ms", Milliseconds(timed.Quantile(0.99)), "ms");
  PrintNote("goal: search_p99_ms < 5");
  PrintBench("search_typical_matches", static_cast<double>(counts[counts.size() / 2]),
             "structures");
  return absl::OkStatus();
}

absl::Status Run() {
  const absl::Time generating = absl::Now();
  const Dataset data = Generate(absl::GetFlag(FLAGS_structures), absl::GetFlag(FLAGS_seed));
  PrintNote(absl::StrFormat("generated %d structures in %.2f s", data.structures.size(),
                            absl::ToDoubleSeconds(absl::Now() - generating)));

  absl::StatusOr<std::pair<LoadResult, LoadResult>> paired = MeasureCreateVsRaw(data);
  if (!paired.ok()) return paired.status();
  PrintPairedRates(*paired, "raw_put_calls_per_s", "create_structure_calls_per_s",
                   "create_vs_raw_ratio");
  PrintNote("goal: create_vs_raw_ratio >= 0.60");

  // (c)-(e) share one fresh node: loaded by the import, then searched, then weighed.
  absl::StatusOr<std::unique_ptr<ServerProcess>> node =
      ServerProcess::StartNode(absl::GetFlag(FLAGS_node_binary));
  if (!node.ok()) return node.status();
  std::unique_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(Connect(**node));
  absl::StatusOr<double> import = MeasureImport(data, **node, *stub);
  if (!import.ok()) return import.status();
  PrintBench("import_structures_per_s", *import, "structures/s");
  PrintNote("goal: import_structures_per_s >= 50000");

  if (absl::Status searched = MeasureSearch(data, *stub); !searched.ok()) return searched;

  PrintBench("node_rss_mb", static_cast<double>((*node)->StatusBytes("VmRSS")) / kMebibyte, "MB");
  PrintBench("node_peak_rss_mb", static_cast<double>((*node)->StatusBytes("VmHWM")) / kMebibyte,
             "MB");
  PrintNote(absl::StrFormat("goal: node_rss_mb < 300 (with %d structures loaded)",
                            data.structures.size()));
  if (int code = (*node)->Stop(); code != 0) {
    return absl::InternalError(absl::StrCat("the node exited with code ", code, " on SIGTERM"));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-load-bench", passerelle::bench::Run);
}
