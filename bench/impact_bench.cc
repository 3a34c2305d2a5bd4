// passerelle-impact-bench: ImpactService measured over gRPC on an in-process passerelle node (the
// node::Node that passerelle-node runs, with its store in a temporary directory). Prints BENCH
// lines:
//   (a) impact_ingest: SubmitDeclarations streams from --streams contractors' systems at once, each
//       declaration with 10 worker lines, against the notices they declare on;
//       impact_ingest_raw: the same stored records as bare RocksDB Puts, 256 to a WriteBatch, from
//       as many writers; impact_ingest_vs_raw, their ratio;
//   (b) impact_validate: ValidateDeclaration over the ingested declarations, --validate_concurrency
//       calls in flight (validation is what moves the aggregate tallies);
//   (c) impact_report_{p50,p99}_<scale> (the event grouped by month) and
//       impact_report_buyer_contractor_{p50,p99}_<scale> (one buyer grouped by contractor):
//       sequential GetImpactReport calls with --report_scales validated declarations stored, once
//       RocksDB has folded the merge operands the load left (the figures right after the load are a
//       "#" note), and the store's size on disk, impact_store_bytes_<scale>. The declarations are
//       written straight into the store (Store::WriteEach, tallies kept as in production) while no
//       node runs, then a node serves the reports from that data directory.
// Goals are printed as "#" notes; nothing is asserted.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "bench/load.h"
#include "bench/raw_baseline_service.h"
#include "bench/report.h"
#include "bench/server_process.h"
#include "bench/throughput.h"
#include "common/runtime.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "impact_svc/aggregates.h"
#include "impact_svc/declarations.h"
#include "impact_svc/report.h"
#include "impact_svc/rules.h"
#include "node/node.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/tender.pb.h"
#include "registry_svc/registry.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "store/record_kind.h"
#include "store/records.h"
#include "store/store.h"
#include "tender_svc/tenders.h"
#include "tests/support/registry_client.h"
#include "tests/support/test_node.h"

ABSL_FLAG(int64_t, ingest_declarations, 102400,
          "declarations sent through SubmitDeclarations (0: skip the ingest and validation)");
ABSL_FLAG(int, streams, 4, "SubmitDeclarations streams at once, each from its own contractors");
ABSL_FLAG(int, stream_items, 1024, "declarations per SubmitDeclarations stream");
ABSL_FLAG(int, validate_concurrency, 8, "ValidateDeclaration calls in flight");
ABSL_FLAG(absl::Duration, validate_duration, absl::Seconds(10), "timed ValidateDeclaration load");
ABSL_FLAG(
    std::vector<std::string>, report_scales, std::vector<std::string>({"50000", "500000"}),
    "validated declarations stored for each GetImpactReport measure, ascending (empty: skip); "
    "5000000 takes most of an hour to load on two cores");
ABSL_FLAG(int, report_calls, 300, "timed GetImpactReport calls per report kind and scale");
ABSL_FLAG(int, load_batch, 2000, "declarations per Store::WriteEach when loading the store");
ABSL_FLAG(bool, compact_tallies, false,
          "before each report measure, compact the tallies family fully (every merge operand "
          "folded): what reports cost once RocksDB has nothing left to merge on read");

namespace passerelle::bench {
namespace {

constexpr char kPartner[] = "bench";
constexpr int kMonths = 67;  // 2019-01 .. 2024-07
constexpr int kWorkerPool = 3500;
constexpr int kWorkersPerDeclaration = 10;
constexpr int kRawBatch = 256;  // ImpactServiceImpl::kStreamChunk: what the node commits at once
static_assert(kRawBatch == RawBaselineService::kStreamBatch);
constexpr absl::string_view kWorkerSecret = "bench-event-secret-of-at-least-32-bytes";
constexpr v1::Theme kThemes[] = {v1::THEME_INSERTION_EMPLOYMENT, v1::THEME_CONSTRUCTION_WASTE,
                                 v1::THEME_GREEN_MOBILITY,       v1::THEME_TEMPORARY_USE,
                                 v1::THEME_ENERGY_EFFICIENCY,    v1::THEME_SOLIDARITY_CATERING};
constexpr const char* kDepartments[] = {"75", "77", "78", "91", "92", "93", "94", "95"};

double Milliseconds(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

std::string Month(int m) { return absl::FormatCivilTime(absl::CivilMonth(2019, 1) + m); }

std::string Scale(int64_t n) {
  if (n % 1000000 == 0) return absl::StrCat(n / 1000000, "m");
  if (n % 1000 == 0) return absl::StrCat(n / 1000, "k");
  return absl::StrCat(n);
}

// The event declared on: buyers, their notices (every lot awarded), and contractors each holding
// some of its buyer's lots. Declaration i is the i-th (contractor, lot, month) slot, months first,
// so that any prefix of the declarations spreads over every month. Deterministic.
struct Programme {
  int buyers;
  int tenders;  // tender t is bought by buyer t % buyers; a multiple of buyers
  int lots_per_tender;
  int contractors;          // contractor c works for buyer c % buyers
  int lots_per_contractor;  // at most its buyer's lots

  int64_t capacity() const { return int64_t{contractors} * lots_per_contractor * kMonths; }
  static std::string Contractor(int c) { return testing::TestSiret(100000 + c); }
  static std::string TenderId(int t) { return absl::StrCat("bench-t", t); }
  std::string Buyer(int t) const { return absl::StrCat("buyers/bench-b", t % buyers); }
  int ContractorOf(int64_t i) const { return static_cast<int>(i / kMonths % contractors); }

  // The j-th lot contractor c holds: lot (g % lots_per_tender) + 1 of tender g / lots_per_tender.
  int LotOf(int c, int j) const {
    const int buyer_lots = tenders / buyers * lots_per_tender;
    const int k = (c / buyers * 7 + j) % buyer_lots;  // the k-th lot of c's buyer
    const int t = c % buyers + k / lots_per_tender * buyers;
    return t * lots_per_tender + k % lots_per_tender;
  }

  void NoticeCoordinates(int t, v1::HourDeclaration* d) const {
    d->add_themes(kThemes[t % std::size(kThemes)]);
    d->add_themes(kThemes[(t + 1) % std::size(kThemes)]);
    d->add_departments(kDepartments[t % std::size(kDepartments)]);
    d->add_departments(kDepartments[(t + 3) % std::size(kDepartments)]);
  }

  // Every notice, awarded as AwardLot would leave it: per lot, its first two holders as a
  // consortium (lead and member), the others as declared subcontractors.
  std::vector<v1::Tender> Notices() const {
    std::vector<std::vector<int>> holders(static_cast<size_t>(tenders) * lots_per_tender);
    for (int c = 0; c < contractors; ++c) {
      for (int j = 0; j < lots_per_contractor; ++j) holders[LotOf(c, j)].push_back(c);
    }
    std::vector<v1::Tender> out;
    for (int t = 0; t < tenders; ++t) {
      v1::Tender& tender = out.emplace_back();
      tender.set_tender_id(TenderId(t));
      tender.set_name("tenders/" + tender.tender_id());
      tender.set_buyer(Buyer(t));
      tender.set_title(absl::StrCat("Bench notice ", t));
      v1::HourDeclaration coordinates;
      NoticeCoordinates(t, &coordinates);
      tender.mutable_themes()->CopyFrom(coordinates.themes());
      tender.mutable_departments()->CopyFrom(coordinates.departments());
      tender.set_forecast_publish_date("2018-09-01");
      tender.set_status(v1::TENDER_STATUS_AWARDED);
      for (int n = 1; n <= lots_per_tender; ++n) {
        v1::Lot* lot = tender.add_lots();
        lot->set_lot_number(n);
        lot->set_title(absl::StrCat("Lot ", n));
        lot->set_estimated_amount_cents(100000000 + t * 1000000 + n * 10000);
        const std::vector<int>& held = holders[t * lots_per_tender + n - 1];
        if (held.empty()) continue;
        v1::Award* award = lot->mutable_award();
        award->set_tender(tender.name());
        award->set_lot_number(n);
        award->set_buyer(tender.buyer());
        award->set_amount_cents(lot->estimated_amount_cents());
        award->set_award_date(absl::StrCat(Month(t % 12), "-15"));
        const int members = std::min<int>(2, static_cast<int>(held.size()));
        for (int h = 0; h < static_cast<int>(held.size()); ++h) {
          if (h >= members) {
            award->add_subcontractor_sirets(Contractor(held[h]));
            continue;
          }
          v1::AwardShare* share = award->add_shares();
          share->set_siret(Contractor(held[h]));
          share->set_role(h == 0 ? v1::CONSORTIUM_ROLE_LEAD : v1::CONSORTIUM_ROLE_MEMBER);
          share->set_share_basis_points(members == 1 ? 10000 : h == 0 ? 6000 : 4000);
          share->set_amount_cents(award->amount_cents() * share->share_basis_points() / 10000);
          share->set_size_class(held[h] % 3 == 0 ? v1::SIZE_CLASS_LARGE : v1::SIZE_CLASS_PME);
          share->set_sse_status(held[h] % 5 == 0 ? v1::SSE_STATUS_SSE : v1::SSE_STATUS_NOT_SSE);
        }
      }
    }
    return out;
  }

  // Declaration i (< capacity()) as its contractor sends it, with worker references; with
  // `pseudonyms` (one per worker of the pool), as the node stores it once validated instead.
  v1::HourDeclaration Declaration(int64_t i,
                                  const std::vector<std::string>* pseudonyms = nullptr) const {
    const int m = static_cast<int>(i % kMonths);
    const int c = ContractorOf(i);
    const int j = static_cast<int>(i / kMonths / contractors);
    const int g = LotOf(c, j);
    const int t = g / lots_per_tender;
    v1::HourDeclaration d;
    d.set_contractor_siret(Contractor(c));
    d.set_buyer(Buyer(t));
    d.set_tender("tenders/" + TenderId(t));
    d.set_lot_number(g % lots_per_tender + 1);
    d.set_period(Month(m));
    int64_t channels[4] = {}, categories[7] = {}, insertion = 0;
    for (int k = 0; k < kWorkersPerDeclaration; ++k) {
      v1::WorkerLine* w = d.add_workers();
      const int worker = (c * 29 + g * 3 + m + k * 353) % kWorkerPool;  // distinct within one
      if (pseudonyms != nullptr) {
        w->set_worker_pseudonym((*pseudonyms)[worker]);
      } else {
        w->set_worker_reference(absl::StrCat("worker-", worker));
      }
      w->set_category(static_cast<v1::EligibilityCategory>(k % 7 + 1));
      w->set_channel(static_cast<v1::InsertionChannel>(k % 4 + 1));
      w->set_hundredths(700 + (k * 37 + m * 11 + c) % 500);
      channels[k % 4] += w->hundredths();
      categories[k % 7] += w->hundredths();
      insertion += w->hundredths();
    }
    d.set_insertion_hundredths(insertion);
    d.set_total_hundredths(insertion * 6 + (c % 100) * 100);
    for (int k = 0; k < 4; ++k) {
      v1::ChannelHours* h = d.add_by_channel();
      h->set_channel(static_cast<v1::InsertionChannel>(k + 1));
      h->set_hundredths(channels[k]);
    }
    for (int k = 0; k < 7; ++k) {
      v1::CategoryHours* h = d.add_by_category();
      h->set_category(static_cast<v1::EligibilityCategory>(k + 1));
      h->set_hundredths(categories[k]);
    }
    if (pseudonyms == nullptr) return d;
    NoticeCoordinates(t, &d);
    d.set_status(v1::DECLARATION_STATUS_VALIDATED);
    d.set_reviewer("bench/facilitator");
    d.set_declaration_version(1);
    d.set_declaration_id(absl::StrCat(d.contractor_siret(), "-", TenderId(t), "-", d.lot_number(),
                                      "-", d.period(), "-v1"));
    d.set_name("declarations/" + d.declaration_id());
    return d;
  }
};

// Ingest: 200 contractors × 10 lots × 67 months = 134,000 slots over 50 notices of 10 lots.
constexpr Programme kIngestProgramme{5, 50, 10, 200, 10};
// Reports: 2,000 contractors × 38 lots × 67 months = 5,092,000 slots over 96 notices of 4 lots.
constexpr Programme kReportProgramme{8, 96, 4, 2000, 38};

// The store of a node's data directory opened as passerelle-node opens it (its record kinds, the
// impact tallies), to write records straight in while no node runs on it.
class DirectStore {
 public:
  static absl::StatusOr<std::unique_ptr<DirectStore>> Open(const std::string& data_dir) {
    std::unique_ptr<DirectStore> direct(new DirectStore());
    registry::Registry::AddRecordKinds(&direct->kinds_);
    tender::Tenders::AddRecordKinds(&direct->kinds_);
    impact::Declarations::AddRecordKinds(&direct->kinds_);
    store::StoreOptions options;
    options.path = data_dir;
    options.partner_id = kPartner;
    options.kinds = direct->kinds_.Names();
    options.tallies = impact::TallySources();
    absl::StatusOr<std::unique_ptr<store::Store>> opened = store::Store::Open(options);
    if (!opened.ok()) return opened.status();
    direct->store_ = *std::move(opened);
    return direct;
  }

  // Commits `records` of `kind` (each named) in one WriteBatch, stamped and indexed as their
  // service writes them; the store adds their tallies.
  template <typename Record>
  absl::Status Write(absl::string_view kind, std::vector<Record>* records,
                     const std::vector<std::string>& ids) {
    const store::RecordKind* indexing = kinds_.Find(kind);
    auto written = store_->WriteEach(
        kind, ids,
        [&](size_t item, const std::optional<std::string>& current,
            const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
          Record& r = (*records)[item];
          if (current) return absl::AlreadyExistsError(absl::StrCat(r.name(), " already exists"));
          store::Stamp<Record>(&r, r.name(), version, nullptr);
          store::RecordWrite w;
          w.value = r.SerializeAsString();
          absl::StatusOr<std::vector<std::string>> terms = indexing->IndexTerms(*w.value);
          if (!terms.ok()) return terms.status();
          w.add_terms = *std::move(terms);
          return w;
        });
    if (!written.ok()) return written.status();
    for (const absl::StatusOr<v1::Version>& r : *written) {
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  }

  store::Store* store() { return store_.get(); }

  absl::Status WriteNotices(const Programme& programme) {
    std::vector<v1::Tender> notices = programme.Notices();
    std::vector<std::string> ids;
    for (const v1::Tender& t : notices) ids.push_back(t.tender_id());
    return Write(tender::kTenderKind, &notices, ids);
  }

 private:
  DirectStore() = default;
  store::RecordKinds kinds_;
  std::unique_ptr<store::Store> store_;
};

// A node on `dir`/data as a development passerelle-node runs it, with the event's worker secret.
absl::StatusOr<std::unique_ptr<node::Node>> StartNode(const testing::TempDir& dir) {
  const std::string secret_file = dir.path() + "/worker-secret";
  std::ofstream(secret_file) << kWorkerSecret << "\n";
  v1::NodeConfig config;
  config.set_partner_id(kPartner);
  config.set_listen_address("127.0.0.1:0");
  config.set_data_dir(dir.path() + "/data");
  config.mutable_impact()->set_worker_secret_file(secret_file);
  config.mutable_impact()->mutable_hours_target()->set_target_basis_points(1000);
  config.mutable_impact()->mutable_hours_target()->set_on_track_basis_points(800);
  config.mutable_impact()->mutable_amount_target()->set_target_basis_points(2500);
  config.mutable_impact()->mutable_amount_target()->set_on_track_basis_points(2000);
  return node::Node::Start(config);
}

std::unique_ptr<v1::ImpactService::Stub> ImpactStub(const node::Node& node, int channel_id = 0) {
  return v1::ImpactService::NewStub(DistinctChannel(node.address(), channel_id));
}

int64_t BytesUnder(const std::string& path) {
  int64_t total = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) total += static_cast<int64_t>(entry.file_size());
  }
  return total;
}

// One contractor's upload: `items` in one SubmitDeclarations stream, every one to be accepted.
grpc::Status Upload(v1::ImpactService::Stub& stub,
                    absl::Span<const v1::SubmitDeclarationRequest> items) {
  grpc::ClientContext context;
  v1::SubmitDeclarationsResponse response;
  std::unique_ptr<grpc::ClientWriter<v1::SubmitDeclarationRequest>> writer =
      stub.SubmitDeclarations(&context, &response);
  for (const v1::SubmitDeclarationRequest& item : items) {
    if (!writer->Write(item)) break;
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok() || response.accepted() == static_cast<int>(items.size())) return s;
  std::string first;
  for (const v1::SubmitResult& r : response.results()) {
    if (r.has_error()) {
      first = r.error().message();
      break;
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL,
                      absl::StrCat(response.rejected(), " of ", items.size(),
                                   " declarations rejected, first: ", first));
}

// The raw baseline: `records` (id, bytes) as plain Puts, kRawBatch to a WriteBatch, from `writers`
// threads at once, into a fresh RocksDB tuned like the store's families (write buffer, LZ4, two
// background jobs; WAL on, no sync).
absl::StatusOr<double> RawIngestRate(
    const std::vector<std::pair<std::string, std::string>>& records, int writers) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db =
      OpenRawDb(dir.path() + "/raw", store::kDefaultWriteBufferBytes);
  if (!db.ok()) return db.status();
  const size_t batches = (records.size() + kRawBatch - 1) / kRawBatch;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&] {
      for (size_t b; (b = next.fetch_add(1)) < batches;) {
        rocksdb::WriteBatch batch;
        for (size_t i = b * kRawBatch; i < std::min(records.size(), (b + 1) * kRawBatch); ++i) {
          batch.Put(records[i].first, records[i].second);
        }
        if (!(*db)->Write(rocksdb::WriteOptions(), &batch).ok()) failed = true;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (failed) return absl::InternalError("raw RocksDB write failed");
  return static_cast<double>(records.size()) / seconds;
}

// Uploads through `streams` connections at once, `uploads_per_stream` each (upload k on stream
// k % streams): one untimed round first (connections, first memtables), then the rest timed.
struct StreamRun {
  LoadResult timed;
  double cpu_us = 0;  // this process's CPU over the timed part
};
absl::StatusOr<StreamRun> RunStreams(int streams, int64_t uploads_per_stream, const Call& upload,
                                     absl::string_view what) {
  LoadPlan plan;
  plan.concurrency = streams;
  plan.max_calls = streams;
  LoadResult warmup = RunLoad(plan, upload);
  plan.first_index = warmup.end_index;
  plan.max_calls = uploads_per_stream * streams - warmup.end_index;
  StreamRun run;
  const absl::Duration cpu = ClientCpuTime();
  run.timed = RunLoad(plan, upload);
  run.cpu_us = absl::ToDoubleMicroseconds(ClientCpuTime() - cpu);
  for (const LoadResult* r : {&warmup, &run.timed}) {
    if (absl::Status s = r->FailureStatus(what); !s.ok()) return s;
  }
  return run;
}

// The floor of the ingest: the same requests' bytes through as many RawBaseline.PutStream streams
// of an in-process server (gRPC, then RocksDB Puts 256 to a WriteBatch), in declarations/s.
absl::StatusOr<double> RawStreamRate(
    const std::vector<std::vector<v1::SubmitDeclarationRequest>>& by_stream, int per_stream,
    int64_t uploads_per_stream) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db =
      OpenRawDb(dir.path() + "/raw", store::kDefaultWriteBufferBytes);
  if (!db.ok()) return db.status();
  RawBaselineService service(db->get());
  grpc::ServerBuilder builder;
  common::ConfigureSyncServer(&builder);
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0)
    return absl::UnavailableError("raw stream server did not start");
  const int streams = static_cast<int>(by_stream.size());
  std::vector<std::vector<PutRequest>> puts(streams);
  for (int s = 0; s < streams; ++s) {
    for (size_t i = 0; i < by_stream[s].size(); ++i) {
      PutRequest& put = puts[s].emplace_back();
      put.set_key(absl::StrCat(s, "/", i));
      put.set_value(by_stream[s][i].SerializeAsString());
    }
  }
  std::vector<std::unique_ptr<RawBaseline::Stub>> stubs;
  for (int s = 0; s < streams; ++s) {
    stubs.push_back(RawBaseline::NewStub(DistinctChannel(absl::StrCat("127.0.0.1:", port), s)));
  }
  const Call upload = [&](int64_t k) {
    const size_t from = static_cast<size_t>(k / streams) * per_stream;
    grpc::ClientContext context;
    PutResponse response;
    std::unique_ptr<grpc::ClientWriter<PutRequest>> writer =
        stubs[k % streams]->PutStream(&context, &response);
    for (size_t i = from; i < from + per_stream; ++i) {
      if (!writer->Write(puts[k % streams][i])) break;
    }
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    if (s.ok() && response.written() != per_stream) {
      return grpc::Status(grpc::StatusCode::INTERNAL, "raw stream lost messages");
    }
    return s;
  };
  absl::StatusOr<StreamRun> run = RunStreams(streams, uploads_per_stream, upload, "PutStream");
  server->Shutdown();
  if (!run.ok()) return run.status();
  return run->timed.CallsPerSecond() * per_stream;
}

// (a) and (b)
absl::Status MeasureIngest() {
  const int streams = absl::GetFlag(FLAGS_streams);
  const int per_stream = absl::GetFlag(FLAGS_stream_items);
  const Programme& programme = kIngestProgramme;
  const int64_t uploads_per_stream =
      absl::GetFlag(FLAGS_ingest_declarations) / (int64_t{streams} * per_stream);
  if (uploads_per_stream < 2) return absl::InvalidArgumentError("--ingest_declarations too small");
  // Each stream's declarations, its contractors' alone (contractor % streams).
  std::vector<std::vector<v1::SubmitDeclarationRequest>> by_stream(streams);
  for (int64_t i = 0; i < programme.capacity(); ++i) {
    auto& mine = by_stream[programme.ContractorOf(i) % streams];
    if (static_cast<int64_t>(mine.size()) < uploads_per_stream * per_stream) {
      *mine.emplace_back().mutable_declaration() = programme.Declaration(i);
    }
  }
  for (const auto& mine : by_stream) {
    if (static_cast<int64_t>(mine.size()) < uploads_per_stream * per_stream) {
      return absl::InvalidArgumentError("--ingest_declarations exceeds the programme's slots");
    }
  }

  testing::TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<DirectStore>> direct = DirectStore::Open(dir.path() + "/data");
    if (!direct.ok()) return direct.status();
    if (absl::Status s = (*direct)->WriteNotices(programme); !s.ok()) return s;
  }
  absl::StatusOr<std::unique_ptr<node::Node>> node = StartNode(dir);
  if (!node.ok()) return node.status();
  std::vector<std::unique_ptr<v1::ImpactService::Stub>> stubs;
  for (int s = 0; s < streams; ++s) stubs.push_back(ImpactStub(**node, s));
  // Upload k: stream k % streams sends its (k / streams)-th slice.
  const Call upload = [&](int64_t k) {
    const auto& mine = by_stream[k % streams];
    const size_t from = static_cast<size_t>(k / streams) * per_stream;
    return Upload(*stubs[k % streams], absl::MakeConstSpan(mine).subspan(from, per_stream));
  };
  absl::StatusOr<StreamRun> run =
      RunStreams(streams, uploads_per_stream, upload, "SubmitDeclarations");
  if (!run.ok()) return run.status();
  const LoadResult& timed = run->timed;
  const double cpu_us = run->cpu_us;
  const int64_t ingested = timed.calls * per_stream;
  const double ingest = timed.CallsPerSecond() * per_stream;
  PrintNote(absl::StrFormat(
      "impact_ingest: %d declarations (%d worker lines each) in %.2f s, %d streams of %d at once "
      "(the node commits %d at a time); stream p50 %.0f ms, p99 %.0f ms; CPU per declaration "
      "%.1f us (node and clients share this process)",
      ingested, kWorkersPerDeclaration, absl::ToDoubleSeconds(timed.elapsed), streams, per_stream,
      kRawBatch, Milliseconds(timed.Quantile(0.5)), Milliseconds(timed.Quantile(0.99)),
      cpu_us / static_cast<double>(ingested)));

  // The raw baseline writes exactly what the node stored: each declaration's record under its id.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> stored =
      (*node)->store().Read()->Scan(impact::kDeclarationKind, "", SIZE_MAX);
  if (!stored.ok()) return stored.status();
  size_t bytes = 0;
  for (const auto& [id, record] : *stored) bytes += record.size();

  // (b) Validation moves the tallies: one WriteBatch per call with its ~260 cell edits.
  std::vector<v1::ValidateDeclarationRequest> validations(stored->size());
  for (size_t i = 0; i < stored->size(); ++i) {
    validations[i].set_name(absl::StrCat("declarations/", (*stored)[i].first));
  }
  std::vector<std::unique_ptr<v1::ImpactService::Stub>> reviewers;
  const int concurrency = absl::GetFlag(FLAGS_validate_concurrency);
  for (int c = 0; c < concurrency; ++c) reviewers.push_back(ImpactStub(**node, c));
  const Call validate = [&](int64_t i) {
    grpc::ClientContext context;
    v1::HourDeclaration validated;
    return reviewers[i % concurrency]->ValidateDeclaration(&context, validations[i], &validated);
  };
  LoadPlan plan;
  plan.concurrency = concurrency;
  plan.max_calls = static_cast<int64_t>(validations.size());
  plan.max_duration = absl::GetFlag(FLAGS_validate_duration);
  const absl::Duration validate_cpu = ClientCpuTime();
  LoadResult validated = RunLoad(plan, validate);
  const double validate_cpu_us = absl::ToDoubleMicroseconds(ClientCpuTime() - validate_cpu);
  if (absl::Status s = validated.FailureStatus("ValidateDeclaration"); !s.ok()) return s;
  PrintNote(absl::StrFormat(
      "impact_validate: %d calls in %.2f s at concurrency %d; latency p50 %.2f ms, p99 %.2f ms; "
      "CPU per call %.0f us",
      validated.calls, absl::ToDoubleSeconds(validated.elapsed), concurrency,
      Milliseconds(validated.Quantile(0.5)), Milliseconds(validated.Quantile(0.99)),
      validate_cpu_us / std::max<double>(1, validated.calls)));
  (*node)->Shutdown(absl::Seconds(1));
  node->reset();

  // In id order they would fill memtables sequentially, a luxury the node's writes never had.
  std::shuffle(stored->begin(), stored->end(), std::mt19937(2024));
  absl::StatusOr<double> raw = RawIngestRate(*stored, streams);
  if (!raw.ok()) return raw.status();
  PrintNote(absl::StrFormat(
      "impact_ingest_raw: %d records of %.0f bytes on average, %d to a "
      "WriteBatch, %d writers",
      stored->size(), static_cast<double>(bytes) / stored->size(), kRawBatch, streams));
  absl::StatusOr<double> raw_stream = RawStreamRate(by_stream, per_stream, uploads_per_stream);
  if (!raw_stream.ok()) return raw_stream.status();
  PrintBench("impact_ingest", ingest, "decl/s");
  PrintBench("impact_ingest_raw", *raw, "decl/s");
  PrintBench("impact_ingest_vs_raw", ingest / *raw, "ratio");
  PrintBench("impact_ingest_raw_grpc_stream", *raw_stream, "decl/s");
  PrintBench("impact_ingest_vs_raw_grpc_stream", ingest / *raw_stream, "ratio");
  PrintNote("goal: impact_ingest >= 50000 decl/s");
  PrintBench("impact_validate", validated.CallsPerSecond(), "decl/s");
  return absl::OkStatus();
}

// The size of each column family of the store at `path` (closed), and the tallies' files in L0,
// where merge operands wait for a compaction to fold them.
absl::Status NoteFamilies(const std::string& path, int64_t scale) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (absl::Status s = store::StoredFamilies(path, &descriptors); !s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status opened =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw_db);
  if (!opened.ok()) return absl::InternalError(opened.ToString());
  std::unique_ptr<rocksdb::DB> db(raw_db);
  std::string sizes, tally_l0;
  for (size_t i = 0; i < handles.size(); ++i) {
    uint64_t bytes = 0;
    db->GetIntProperty(handles[i], rocksdb::DB::Properties::kTotalSstFilesSize, &bytes);
    if (bytes >= 1000000) {
      absl::StrAppend(&sizes, sizes.empty() ? "" : ", ", descriptors[i].name, " ", bytes / 1000000,
                      " MB");
    }
    if (descriptors[i].name == "tallies") {
      db->GetProperty(handles[i], absl::StrCat(rocksdb::DB::Properties::kNumFilesAtLevelPrefix, 0),
                      &tally_l0);
    }
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  PrintNote(
      absl::StrFormat("impact_store_%s: SST files by column family: %s; tallies in L0: %s "
                      "files",
                      Scale(scale), sizes, tally_l0));
  return absl::OkStatus();
}

v1::GetImpactReportRequest EventByMonth() {
  v1::GetImpactReportRequest r;
  r.set_scope(v1::REPORT_DIMENSION_EVENT);
  r.set_group_by(v1::REPORT_DIMENSION_MONTH);
  return r;
}

// What the event-by-month report reads from the store — its tally keys and their bytes — and how
// long building it takes in-process, without gRPC.
absl::Status NoteReportReads(const store::Store& store, int64_t scale) {
  std::vector<std::string> keys = {
      impact::CounterKey(v1::REPORT_DIMENSION_EVENT, "", v1::REPORT_DIMENSION_EVENT)};
  for (impact::MemberSet set :
       {impact::MemberSet::kInsertionWorkers, impact::MemberSet::kSseStructures}) {
    keys.push_back(impact::MemberKey(set, v1::REPORT_DIMENSION_EVENT, "", ""));
    for (int m = 0; m < kMonths; ++m) {
      keys.push_back(impact::MemberKey(set, v1::REPORT_DIMENSION_EVENT, "", Month(m)));
    }
  }
  std::unique_ptr<store::ReadView> view = store.Read();
  size_t bytes = 0, largest = 0;
  for (const std::string& key : keys) {
    absl::StatusOr<store::TallyCells> cells = view->Tally(key);
    if (!cells.ok()) return cells.status();
    const size_t size = store::EncodeTally(*cells).size();
    bytes += size;
    largest = std::max(largest, size);
  }
  // Medians of a few rounds: the keys' sizes alone (a Get each: merge operands folded, the value
  // copied), then the whole report.
  auto median = [](const std::function<absl::Status()>& what) -> absl::StatusOr<absl::Duration> {
    std::vector<absl::Duration> times;
    for (int k = 0; k < 11; ++k) {
      const absl::Time start = absl::Now();
      if (absl::Status s = what(); !s.ok()) return s;
      times.push_back(absl::Now() - start);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
  };
  absl::StatusOr<absl::Duration> sizes = median([&] {
    for (const std::string& key : keys) {
      if (absl::StatusOr<uint64_t> n = view->TallySize(key); !n.ok()) return n.status();
    }
    return absl::OkStatus();
  });
  if (!sizes.ok()) return sizes.status();
  absl::StatusOr<absl::Duration> built = median([&] {
    return impact::BuildReport(*store.Read(), EventByMonth(), v1::ImpactConfig()).status();
  });
  if (!built.ok()) return built.status();
  PrintNote(absl::StrFormat(
      "impact_report_%s: the event by month reads %d tally keys, %.1f MB once merged (largest %.0f "
      "kB); in-process, no gRPC: their sizes alone %.2f ms, the whole report %.2f ms (medians)",
      Scale(scale), keys.size(), bytes / 1e6, largest / 1e3, Milliseconds(*sizes),
      Milliseconds(*built)));
  return absl::OkStatus();
}

// Sequential calls of `request(k)`, the first tenth untimed; the latency quantiles and the last
// report.
struct ReportTimes {
  absl::Duration p50, p99;
  v1::ImpactReport last;
};

absl::StatusOr<ReportTimes> TimeReports(
    v1::ImpactService::Stub& stub, int calls,
    const std::function<v1::GetImpactReportRequest(int)>& request) {
  std::vector<absl::Duration> latencies;
  ReportTimes out;
  for (int k = -calls / 10; k < calls; ++k) {
    grpc::ClientContext context;
    const v1::GetImpactReportRequest r = request(k + calls);
    const absl::Time start = absl::Now();
    grpc::Status s = stub.GetImpactReport(&context, r, &out.last);
    if (k >= 0) latencies.push_back(absl::Now() - start);
    if (!s.ok()) return absl::InternalError(absl::StrCat("GetImpactReport: ", s.error_message()));
  }
  std::sort(latencies.begin(), latencies.end());
  out.p50 = latencies[latencies.size() / 2];
  out.p99 = latencies[latencies.size() * 99 / 100];
  return out;
}

// (c) at `scale` declarations, already stored under `dir`.
// Compacts the tallies family of the (closed) store at `path` to its last level, folding every
// merge operand into its value.
absl::Status CompactTallies(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (absl::Status s = store::StoredFamilies(path, &descriptors); !s.ok()) return s;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw_db);
  if (!s.ok()) return absl::InternalError(s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw_db);
  for (size_t i = 0; i < handles.size(); ++i) {
    if (descriptors[i].name == "tallies" && s.ok()) {
      rocksdb::CompactRangeOptions options;
      options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
      s = db->CompactRange(options, handles[i], nullptr, nullptr);
    }
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h);
  return s.ok() ? absl::OkStatus() : absl::InternalError(s.ToString());
}

// CPU time so far of this process's RocksDB background threads (flushes and compactions).
absl::Duration BackgroundCpu() {
  absl::Duration total;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    std::getline(in, line);
    const size_t open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos ||
        !absl::StartsWith(absl::string_view(line).substr(open + 1), "rocksdb:")) {
      continue;
    }
    // After "pid (comm) ": the state is field 3 of proc(5), utime and stime fields 14 and 15.
    std::vector<absl::string_view> fields =
        absl::StrSplit(absl::string_view(line).substr(close + 2), ' ');
    int64_t user = 0, system = 0;
    if (fields.size() > 12 && absl::SimpleAtoi(fields[11], &user) &&
        absl::SimpleAtoi(fields[12], &system)) {
      total += absl::Seconds(static_cast<double>(user + system) / sysconf(_SC_CLK_TCK));
    }
  }
  return total;
}

// Waits until RocksDB's background threads have been idle for a second — the loaded merge operands
// folded by compactions — or `limit` has passed; returns how long it waited.
absl::Duration AwaitCompactions(absl::Duration limit) {
  const absl::Time start = absl::Now();
  absl::Duration seen = BackgroundCpu();
  for (int idle = 0; idle < 2 && absl::Now() - start < limit;) {
    absl::SleepFor(absl::Milliseconds(500));  // a measurement's settling time, not a sync
    const absl::Duration now = BackgroundCpu();
    idle = now - seen < absl::Milliseconds(20) ? idle + 1 : 0;
    seen = now;
  }
  return absl::Now() - start;
}

// (c) at `scale` declarations, already stored under `dir`: the event by month as soon as the node
// serves (while RocksDB folds what the load left), then both reports once compactions are done.
absl::Status MeasureReports(const testing::TempDir& dir, int64_t scale) {
  absl::StatusOr<std::unique_ptr<node::Node>> node = StartNode(dir);
  if (!node.ok()) return node.status();
  std::unique_ptr<v1::ImpactService::Stub> stub = ImpactStub(**node);
  const int calls = absl::GetFlag(FLAGS_report_calls);
  const std::string name = Scale(scale);
  absl::StatusOr<ReportTimes> unsettled =
      TimeReports(*stub, calls, [](int) { return EventByMonth(); });
  if (!unsettled.ok()) return unsettled.status();
  if (unsettled->last.totals().declarations() != scale) {
    return absl::InternalError(absl::StrCat("the report counts ",
                                            unsettled->last.totals().declarations(),
                                            " declarations, not the ", scale, " stored"));
  }
  const absl::Duration settling = AwaitCompactions(absl::Minutes(5));
  PrintNote(absl::StrFormat(
      "impact_report_%s: the event by month right after the node opened the loaded store, while "
      "compactions folded the tallies' merge operands: p50 %.2f ms, p99 %.2f ms; compactions "
      "then went on for %.0f s more",
      name, Milliseconds(unsettled->p50), Milliseconds(unsettled->p99),
      absl::ToDoubleSeconds(settling)));

  absl::StatusOr<ReportTimes> by_month =
      TimeReports(*stub, calls, [](int) { return EventByMonth(); });
  if (!by_month.ok()) return by_month.status();
  absl::StatusOr<ReportTimes> by_contractor = TimeReports(*stub, calls, [](int k) {
    v1::GetImpactReportRequest r;
    r.set_scope(v1::REPORT_DIMENSION_BUYER);
    r.set_scope_value(kReportProgramme.Buyer(k));  // the buyer of notice k: each in turn
    r.set_group_by(v1::REPORT_DIMENSION_CONTRACTOR);
    return r;
  });
  if (!by_contractor.ok()) return by_contractor.status();
  if (absl::Status s = NoteReportReads((*node)->store(), scale); !s.ok()) return s;
  // A rebuild reads every declaration; writes no longer wait for it, but an operator waits this.
  v1::RebuildAggregatesResponse rebuilt;
  grpc::ClientContext rebuild_context;
  const absl::Time rebuild_start = absl::Now();
  grpc::Status rebuild = stub->RebuildAggregates(&rebuild_context, {}, &rebuilt);
  const absl::Duration rebuild_time = absl::Now() - rebuild_start;
  if (!rebuild.ok()) {
    return absl::InternalError(absl::StrCat("RebuildAggregates: ", rebuild.error_message()));
  }
  if (rebuilt.drifted() != 0) {
    return absl::InternalError(absl::StrCat("RebuildAggregates found ", rebuilt.drifted(),
                                            " of ", rebuilt.counters(), " tallies drifted"));
  }
  (*node)->Shutdown(absl::Seconds(1));
  node->reset();

  PrintNote(absl::StrFormat(
      "impact_report_%s: %d sequential calls each once compactions settled; the event by month: "
      "%d rows, %d distinct workers; a buyer by contractor: %d rows",
      name, calls, by_month->last.rows_size(), by_month->last.totals().distinct_insertion_workers(),
      by_contractor->last.rows_size()));
  PrintBench(absl::StrCat("impact_report_p50_", name), Milliseconds(by_month->p50), "ms");
  PrintBench(absl::StrCat("impact_report_p99_", name), Milliseconds(by_month->p99), "ms");
  PrintBench(absl::StrCat("impact_report_buyer_contractor_p50_", name),
             Milliseconds(by_contractor->p50), "ms");
  PrintBench(absl::StrCat("impact_report_buyer_contractor_p99_", name),
             Milliseconds(by_contractor->p99), "ms");
  PrintBench(absl::StrCat("impact_store_bytes_", name), BytesUnder(dir.path() + "/data"), "bytes");
  PrintBench(absl::StrCat("impact_rebuild_", name), absl::ToDoubleSeconds(rebuild_time), "s");
  // The node runs in this process: its peak, rebuild included.
  PrintBench(absl::StrCat("impact_peak_rss_mb_", name),
             static_cast<double>(ProcStatusBytes(getpid(), "VmHWM")) / (1 << 20), "MB");
  return absl::OkStatus();
}

absl::Status MeasureReportsAtScales() {
  const Programme& programme = kReportProgramme;
  std::vector<int64_t> scales;
  for (const std::string& s : absl::GetFlag(FLAGS_report_scales)) {
    int64_t n = 0;
    if (!absl::SimpleAtoi(s, &n) || n <= 0 || n > programme.capacity() ||
        (!scales.empty() && n <= scales.back())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--report_scales: '", s, "' is not ascending within 1..", programme.capacity()));
    }
    scales.push_back(n);
  }
  std::vector<std::string> pseudonyms;
  for (int w = 0; w < kWorkerPool; ++w) {
    pseudonyms.push_back(impact::WorkerPseudonym(kWorkerSecret, absl::StrCat("worker-", w)));
  }
  testing::TempDir dir;
  const int batch = absl::GetFlag(FLAGS_load_batch);
  int64_t loaded = 0;
  absl::Duration loading;
  for (int64_t scale : scales) {
    {
      absl::StatusOr<std::unique_ptr<DirectStore>> direct = DirectStore::Open(dir.path() + "/data");
      if (!direct.ok()) return direct.status();
      if (loaded == 0) {
        if (absl::Status s = (*direct)->WriteNotices(programme); !s.ok()) return s;
      }
      const absl::Time start = absl::Now();
      std::vector<v1::HourDeclaration> records;
      std::vector<std::string> ids;
      for (; loaded < scale; loaded += static_cast<int64_t>(records.size())) {
        records.clear();
        ids.clear();
        for (int64_t i = loaded; i < std::min(scale, loaded + batch); ++i) {
          records.push_back(programme.Declaration(i, &pseudonyms));
          ids.push_back(records.back().declaration_id());
        }
        if (absl::Status s = (*direct)->Write(impact::kDeclarationKind, &records, ids); !s.ok()) {
          return s;
        }
      }
      loading += absl::Now() - start;
      PrintNote(absl::StrFormat(
          "impact_report: %d validated declarations stored straight through Store::WriteEach (%d "
          "a batch, tallies included) in %.0f s so far, %.0f decl/s",
          loaded, batch, absl::ToDoubleSeconds(loading),
          static_cast<double>(loaded) / absl::ToDoubleSeconds(loading)));
    }  // closed: the node opens it next
    if (absl::GetFlag(FLAGS_compact_tallies)) {
      const absl::Time start = absl::Now();
      if (absl::Status s = CompactTallies(dir.path() + "/data"); !s.ok()) return s;
      PrintNote(
          absl::StrFormat("impact_store_%s: tallies compacted fully (--compact_tallies) in "
                          "%.0f s",
                          Scale(scale), absl::ToDoubleSeconds(absl::Now() - start)));
    }
    if (absl::Status s = NoteFamilies(dir.path() + "/data", scale); !s.ok()) return s;
    if (absl::Status s = MeasureReports(dir, scale); !s.ok()) return s;
  }
  PrintNote("goal: impact_report_p99_* < 5 ms and flat across scales");
  if (scales.back() < 5000000) {
    const double rate = static_cast<double>(loaded) / absl::ToDoubleSeconds(loading);
    PrintNote(absl::StrFormat(
        "impact_report_5m left out: loading runs at %.0f decl/s here (the tallies of each "
        "declaration, then RocksDB folding their merge operands) and slows as the store grows, so "
        "5M would take over %.0f min; add it with --report_scales=50000,500000,5000000",
        rate, 5e6 / rate / 60));
  }
  return absl::OkStatus();
}

// (d) Where a declaration's time goes, in-process on one thread (no gRPC), per declaration: its
// worker pseudonyms alone, its tally edits alone, SubmitMany (what the node does for a streamed
// chunk), a store commit of it already prepared, submitted (no tallies) and validated (tallies),
// and Validate.
absl::Status ApportionIngest() {
  const Programme& programme = kIngestProgramme;
  constexpr int kChunks = 40;
  constexpr int n = kChunks * kRawBatch;
  std::vector<std::string> pseudonyms;
  for (int w = 0; w < kWorkerPool; ++w) {
    pseudonyms.push_back(impact::WorkerPseudonym(kWorkerSecret, absl::StrCat("worker-", w)));
  }
  std::vector<v1::HourDeclaration> sent, validated;
  for (int i = 0; i < n; ++i) {
    sent.push_back(programme.Declaration(i));
    validated.push_back(programme.Declaration(i, &pseudonyms));
  }
  auto per_declaration = [](absl::Time start) {
    return absl::ToDoubleMicroseconds(absl::Now() - start) / n;
  };

  absl::Time start = absl::Now();
  size_t sink = 0;
  for (const v1::HourDeclaration& d : sent) {
    for (const v1::WorkerLine& w : d.workers()) {
      sink += impact::WorkerPseudonym(kWorkerSecret, w.worker_reference()).size();
    }
  }
  const double pseudonyms_us = per_declaration(start);

  std::vector<std::string> records;
  for (const v1::HourDeclaration& d : validated) records.push_back(d.SerializeAsString());
  start = absl::Now();
  for (int c = 0; c < kChunks; ++c) {
    store::TallyEdits edits;
    for (int i = c * kRawBatch; i < (c + 1) * kRawBatch; ++i) {
      if (absl::Status s = impact::TallyDeclaration(records[i], +1, &edits); !s.ok()) return s;
    }
    rocksdb::WriteBatch batch;
    edits.StageInto(nullptr, &batch);
    sink += batch.Count();
  }
  const double tally_us = per_declaration(start);
  // What one declaration validated alone (as ValidateDeclaration commits it) adds to its commit.
  store::TallyEdits alone;
  if (absl::Status s = impact::TallyDeclaration(records[0], +1, &alone); !s.ok()) return s;
  rocksdb::WriteBatch alone_batch;
  alone.StageInto(nullptr, &alone_batch);

  // A store commit of prepared records, `kRawBatch` to a commit, into a fresh store with the
  // notices.
  auto commit = [&](v1::DeclarationStatus status) -> absl::StatusOr<double> {
    testing::TempDir dir;
    absl::StatusOr<std::unique_ptr<DirectStore>> direct = DirectStore::Open(dir.path() + "/data");
    if (!direct.ok()) return direct.status();
    if (absl::Status s = (*direct)->WriteNotices(programme); !s.ok()) return s;
    std::vector<v1::HourDeclaration> chunk;
    std::vector<std::string> ids;
    const absl::Time start = absl::Now();
    for (int c = 0; c < kChunks; ++c) {
      chunk.assign(validated.begin() + c * kRawBatch, validated.begin() + (c + 1) * kRawBatch);
      ids.clear();
      for (v1::HourDeclaration& d : chunk) {
        d.set_status(status);
        ids.push_back(d.declaration_id());
      }
      if (absl::Status s = (*direct)->Write(impact::kDeclarationKind, &chunk, ids); !s.ok()) {
        return s;
      }
    }
    return per_declaration(start);
  };
  absl::StatusOr<double> submitted_commit_us = commit(v1::DECLARATION_STATUS_SUBMITTED);
  if (!submitted_commit_us.ok()) return submitted_commit_us.status();
  absl::StatusOr<double> validated_commit_us = commit(v1::DECLARATION_STATUS_VALIDATED);
  if (!validated_commit_us.ok()) return validated_commit_us.status();

  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<DirectStore>> direct = DirectStore::Open(dir.path() + "/data");
  if (!direct.ok()) return direct.status();
  if (absl::Status s = (*direct)->WriteNotices(programme); !s.ok()) return s;
  impact::Declarations declarations((*direct)->store(), v1::ImpactConfig(),
                                    std::string(kWorkerSecret));
  const impact::Caller caller{"", "bench/facilitator"};
  start = absl::Now();
  for (int c = 0; c < kChunks; ++c) {
    std::vector<v1::HourDeclaration> chunk(sent.begin() + c * kRawBatch,
                                           sent.begin() + (c + 1) * kRawBatch);
    auto results = declarations.SubmitMany(std::move(chunk), caller);
    if (!results.ok()) return results.status();
    for (const auto& r : *results) {
      if (!r.ok()) return r.status();
    }
  }
  const double submit_us = per_declaration(start);
  start = absl::Now();
  for (const v1::HourDeclaration& d : validated) {
    absl::StatusOr<v1::HourDeclaration> v = declarations.Validate(d.name(), "", caller);
    if (!v.ok()) return v.status();
  }
  const double validate_us = per_declaration(start);
  PrintNote(absl::StrFormat(
      "impact_ingest apportioned (in-process, one thread, us per declaration, %d declarations, "
      "%d a commit): %d worker pseudonyms %.1f; SubmitMany (rules, pseudonyms, reads, commit; no "
      "gRPC) %.1f; a store commit of the prepared record: submitted %.1f, validated %.1f; its "
      "tally edits alone %.1f; Validate %.1f (one commit each, whose tallies are %d merge "
      "operands, %d "
      "bytes, for a record of %d bytes)",
      n, kRawBatch, kWorkersPerDeclaration, pseudonyms_us, submit_us, *submitted_commit_us,
      *validated_commit_us, tally_us, validate_us, alone_batch.Count(), alone_batch.GetDataSize(),
      records[0].size()));
  return sink > 0 ? absl::OkStatus() : absl::InternalError("nothing computed");
}

absl::Status Run() {
  PrintNote(absl::StrFormat("impact bench: load average %s before the run", [] {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    in >> a >> b >> c;
    return absl::StrCat(a, " ", b, " ", c);
  }()));
  if (absl::GetFlag(FLAGS_ingest_declarations) > 0) {
    if (absl::Status s = MeasureIngest(); !s.ok()) return s;
    if (absl::Status s = ApportionIngest(); !s.ok()) return s;
  }
  if (absl::GetFlag(FLAGS_report_scales).empty()) return absl::OkStatus();
  return MeasureReportsAtScales();
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-impact-bench",
                                       passerelle::bench::Run);
}
