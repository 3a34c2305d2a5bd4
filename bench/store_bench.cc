// passerelle-store-bench: the layers under passerelle-node timed in-process, without gRPC, so that
// the load benchmark's figures can be apportioned: a bare RocksDB Put (the baseline server's whole
// work), then the registry over the store (validation, read-before-write, index terms, change log,
// one WriteBatch) for one CreateStructure and for ImportStructures batches. One thread; structures
// from the demo generator. Prints one BENCH line per benchmark (ops/s) through its own reporter;
// takes Google Benchmark's flags.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/raw_baseline_service.h"
#include "bench/report.h"
#include "benchmark/benchmark.h"
#include "cli/demo_data.h"
#include "registry_svc/registry.h"
#include "registry_svc/rules.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "store/store.h"
#include "tests/support/test_node.h"

namespace passerelle::bench {
namespace {

constexpr int kStructures = 100000;
constexpr uint64_t kSeed = 2024;
// The node's import handler commits this many rows per store batch (registry_svc/service.cc).
constexpr int kImportBatchRows = 512;
// Half of what the load benchmark imports through the node: enough for memtables to fill and flush.
constexpr int kImportedStructures = kStructures / 2;

const std::vector<v1::Structure>& Structures() {
  static const auto* structures =
      new std::vector<v1::Structure>(cli::GenerateStructures(kStructures, kSeed));
  return *structures;
}

// A store opened as passerelle-node opens its own (node/node.cc), in a fresh directory.
struct NodeStore {
  NodeStore() {
    store::StoreOptions options;
    options.path = dir.path() + "/data";
    options.partner_id = "bench";
    options.kinds = registry::Registry::RecordKinds();
    store = *store::Store::Open(options);
    registry = std::make_unique<registry::Registry>(store.get());
  }
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<registry::Registry> registry;
};

// The raw baseline server's work per call: one Put of a structure's bytes under its SIRET, with its
// options.
void BM_RocksDbPut(benchmark::State& state) {
  std::vector<std::pair<std::string, std::string>> records;
  for (const v1::Structure& s : Structures())
    records.emplace_back(s.siret(), s.SerializeAsString());
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db = OpenRawDb(dir.path() + "/data", store::kDefaultWriteBufferBytes);
  if (!db.ok()) {
    state.SkipWithError("cannot open RocksDB");
    return;
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [key, value] = records[i++ % records.size()];
    rocksdb::Status s = (*db)->Put(rocksdb::WriteOptions(), key, value);
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RocksDbPut)->Name("inproc_rocksdb_put")->Iterations(200000);

// Registry::CreateStructure: everything the node does for the call but gRPC.
void BM_RegistryCreateStructure(benchmark::State& state) {
  NodeStore node;
  size_t i = 0;
  for (auto _ : state) {
    absl::StatusOr<v1::Structure> created = node.registry->CreateStructure(Structures()[i++]);
    if (!created.ok()) state.SkipWithError(std::string(created.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegistryCreateStructure)->Name("inproc_registry_create")->Iterations(20000);

// Registry::ImportStructures in the node's batch size: the import's work but the stream.
void BM_RegistryImportBatch(benchmark::State& state) {
  NodeStore node;
  std::vector<std::vector<v1::ImportStructuresRequest>> batches(kImportedStructures /
                                                                kImportBatchRows);
  for (size_t b = 0; b < batches.size(); ++b) {
    for (int r = 0; r < kImportBatchRows; ++r) {
      v1::ImportStructuresRequest& row = batches[b].emplace_back();
      *row.mutable_structure() = Structures()[b * kImportBatchRows + r];
      row.set_row(r + 1);
    }
  }
  size_t b = 0;
  for (auto _ : state) {
    auto summary = node.registry->ImportStructures(std::move(batches[b++]));
    if (!summary.ok() || summary->created() != kImportBatchRows)
      state.SkipWithError("import failed");
  }
  state.SetItemsProcessed(state.iterations() * kImportBatchRows);
}
BENCHMARK(BM_RegistryImportBatch)
    ->Name("inproc_registry_import")
    ->Iterations(kImportedStructures / kImportBatchRows);

// registry::IndexTerms alone, which every structure write and every replicated apply computes for
// the new record and, on an update, for the one it replaces.
void BM_StructureIndexTerms(benchmark::State& state) {
  size_t i = 0;
  size_t terms = 0;
  for (auto _ : state)
    terms += registry::IndexTerms(Structures()[i++ % Structures().size()]).size();
  benchmark::DoNotOptimize(terms);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StructureIndexTerms)->Name("inproc_structure_index_terms")->Iterations(kStructures);

// What a structure write puts in the store besides the record: an edit of the posting list of each
// of its terms (one merge operand per term per commit, shared by every record of the commit).
void NoteIndexTerms() {
  size_t terms = 0;
  for (const v1::Structure& s : Structures()) terms += registry::IndexTerms(s).size();
  PrintNote(absl::StrFormat("structures carry %.1f index terms on average (%d structures)",
                            static_cast<double>(terms) / Structures().size(), Structures().size()));
}

// Reports each benchmark as a BENCH line: its rate, and its time per operation as a note.
class BenchLineReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.error_occurred) {
        PrintNote(absl::StrFormat("%s failed: %s", run.benchmark_name(), run.error_message));
        continue;
      }
      auto rate = run.counters.find("items_per_second");
      if (rate == run.counters.end()) continue;
      const double per_second = rate->second.value;
      PrintBench(absl::StrCat(run.run_name.function_name, "_per_s"), per_second, "ops/s");
      PrintNote(absl::StrFormat("%s: %d iterations, %.2f us per op", run.run_name.function_name,
                                run.iterations, 1e6 / per_second));
    }
  }
};

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  passerelle::bench::NoteIndexTerms();  // also generates the structures, before any benchmark's
                                        // clock
  passerelle::bench::BenchLineReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
