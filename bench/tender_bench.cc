// passerelle-tender-bench: TenderService measured from outside, on a passerelle-node process loaded
// with --structures demo structures and --tenders demo notices (three lots each). Prints BENCH
// lines:
//   (a) match_structures_p50_ms / _p99_ms: sequential MatchStructures over every (notice, lot);
//   (b) raw_put_calls_per_s, create_tender_calls_per_s and create_tender_vs_raw_ratio: CreateTender
//       against the bare gRPC + RocksDB baseline at the same concurrency, timed in --rounds
//       alternating windows (MeasurePaired);
//   (c) watch_*: --subscribers WatchTenders streams of one buyer while its notices are written at
//       full speed (every notice to every subscriber): delivery latency from commit to receipt,
//       and the writers' throughput as a ratio of the same load with no subscriber;
//       watch_selective_*: the same with each subscriber watching one department and one theme,
//       as a structure would.
// Goals are printed as "#" notes; nothing is asserted.

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
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
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"

ABSL_FLAG(std::string, node_binary, PASSERELLE_NODE_BINARY, "passerelle-node to measure");
ABSL_FLAG(std::string, raw_server_binary, RAW_BASELINE_SERVER_BINARY, "raw-baseline-server");
ABSL_FLAG(int, structures, 6000, "demo structures loaded before matching");
ABSL_FLAG(int, tenders, 1000, "demo notices loaded before matching");
ABSL_FLAG(int, concurrency, 16, "calls in flight for raw_put, create_tender and the watch writers");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2), "untimed load before each throughput figure");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(8), "timed load for each throughput figure");
ABSL_FLAG(int, rounds, 4,
          "alternating windows that share the timed load of raw_put and create_tender");
ABSL_FLAG(int, subscribers, 200, "WatchTenders streams during the fan-out measure");
ABSL_FLAG(uint64_t, seed, 2024, "demo generator seed");

namespace passerelle::bench {
namespace {

using google::protobuf::util::TimeUtil;

double Milliseconds(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

ThroughputOptions Options() {
  return {absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_warmup),
          absl::GetFlag(FLAGS_duration)};
}

// (a)
absl::Status MeasureMatching(v1::TenderService::Stub& stub,
                             const std::vector<v1::Tender>& tenders) {
  std::vector<absl::Duration> latencies;
  int64_t matches = 0;
  int64_t candidates = 0;
  for (int round = 0; round < 2; ++round) {  // the first round warms the caches and is not kept
    latencies.clear();
    for (const v1::Tender& t : tenders) {
      for (const v1::Lot& lot : t.lots()) {
        v1::MatchStructuresRequest request;
        request.set_tender("tenders/" + t.tender_id());
        request.set_lot_number(lot.lot_number());
        v1::MatchStructuresResponse response;
        grpc::ClientContext context;
        const absl::Time start = absl::Now();
        grpc::Status s = stub.MatchStructures(&context, request, &response);
        latencies.push_back(absl::Now() - start);
        if (!s.ok())
          return absl::InternalError(absl::StrCat("MatchStructures: ", s.error_message()));
        matches += response.matches_size();
        candidates += response.candidates();
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  PrintNote(
      absl::StrFormat("match_structures: %d sequential calls; per lot on average %.1f matches "
                      "out of %.1f candidates read",
                      latencies.size(), static_cast<double>(matches) / (2 * latencies.size()),
                      static_cast<double>(candidates) / (2 * latencies.size())));
  PrintBench("match_structures_p50_ms", Milliseconds(latencies[latencies.size() / 2]), "ms");
  PrintBench("match_structures_p99_ms", Milliseconds(latencies[latencies.size() * 99 / 100]), "ms");
  PrintNote("goal: match_structures_p99_ms < 10");
  return absl::OkStatus();
}

// (c) Subscribers that record, for every event, the time from the notice's commit to its receipt.
// Each stream is a callback reactor rather than a thread blocked in Read: 200 threads waking for
// every event would make the driver, not the node, the measure of the fan-out.
class Subscribers {
 public:
  // The streams open here; the server registers each once its call starts, well within the writers'
  // untimed warm-up, which is when their events start to count.
  // One stream per request.
  Subscribers(const std::string& address, const std::vector<v1::WatchTendersRequest>& requests) {
    const int count = static_cast<int>(requests.size());
    // A few channels shared by many streams, as a gateway fanning out to browsers would hold.
    for (int i = 0; i < std::min(count, 8); ++i) channels_.push_back(DistinctChannel(address, i));
    for (int i = 0; i < count; ++i) {
      streams_.push_back(
          std::make_unique<Stream>(this, channels_[i % channels_.size()], requests[i]));
    }
  }

  ~Subscribers() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    for (auto& s : streams_) s->context.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Subscribers* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
          return self->ended_ == static_cast<int>(self->streams_.size());
        },
        this));
  }

  std::vector<absl::Duration> Latencies() {
    std::vector<absl::Duration> out;
    for (auto& s : streams_) {
      absl::MutexLock lock(&s->mu);
      out.insert(out.end(), s->latencies.begin(), s->latencies.end());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  int64_t events() {
    int64_t total = 0;
    for (auto& s : streams_) total += s->received.load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct Stream : grpc::ClientReadReactor<v1::TenderEvent> {
    Stream(Subscribers* owner, const std::shared_ptr<grpc::Channel>& channel,
           const v1::WatchTendersRequest& request)
        : owner(owner), stub(v1::TenderService::NewStub(channel)), request(request) {
      stub->async()->WatchTenders(&context, &request, this);
      StartRead(&event);
      StartCall();
    }
    void OnReadDone(bool ok) override {
      if (!ok) return;  // OnDone follows
      const absl::Duration latency =
          absl::Now() -
          absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(event.tender().update_time()));
      {
        absl::MutexLock lock(&mu);
        latencies.push_back(latency);
      }
      received.fetch_add(1, std::memory_order_relaxed);
      StartRead(&event);
    }
    void OnDone(const grpc::Status& status) override { owner->Ended(status); }

    Subscribers* const owner;
    std::unique_ptr<v1::TenderService::Stub> stub;
    grpc::ClientContext context;
    v1::WatchTendersRequest request;
    v1::TenderEvent event;
    std::atomic<int64_t> received{0};
    absl::Mutex mu;
    std::vector<absl::Duration> latencies ABSL_GUARDED_BY(mu);
  };

  void Ended(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    if (!status.ok() && !stopping_) ++failed_;  // e.g. fell behind
    ++ended_;
  }

  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<Stream>> streams_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  int ended_ ABSL_GUARDED_BY(mu_) = 0;
};

// The writers' load again while `requests` watch: delivery latency from commit to receipt, and the
// writers' throughput as a ratio of `alone` (the same load with nobody watching).
absl::Status MeasureFanOut(const std::string& name, const ServerProcess& node,
                           const std::vector<v1::WatchTendersRequest>& requests, const Call& write,
                           double alone) {
  absl::StatusOr<double> rate;
  std::vector<absl::Duration> latencies;
  {
    Subscribers subscribers(node.address(), requests);
    rate =
        MeasureThroughput(absl::StrCat(name, "_writers_with_subscribers"), node, Options(), write);
    // Let the last events arrive before closing the streams: wait until the count stops growing.
    for (int64_t seen = -1; seen != subscribers.events();) {
      seen = subscribers.events();
      absl::SleepFor(
          absl::Milliseconds(200));  // a measurement's settling time, not a test's synchronisation
    }
    latencies = subscribers.Latencies();
    PrintNote(absl::StrFormat("%s: %d subscriber streams ended early (fell behind)", name,
                              subscribers.failed()));
  }
  if (!rate.ok()) return rate.status();
  if (latencies.empty()) return absl::InternalError("no subscriber received an event");
  PrintNote(absl::StrFormat("%s: %d events delivered to %d subscribers", name, latencies.size(),
                            requests.size()));
  PrintBench(absl::StrCat(name, "_delivery_p50_ms"), Milliseconds(latencies[latencies.size() / 2]),
             "ms");
  PrintBench(absl::StrCat(name, "_delivery_p99_ms"),
             Milliseconds(latencies[latencies.size() * 99 / 100]), "ms");
  PrintBench(absl::StrCat(name, "_writer_ratio"), *rate / alone, "ratio");
  return absl::OkStatus();
}

absl::Status Run() {
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  std::vector<v1::Structure> structures =
      cli::GenerateStructures(absl::GetFlag(FLAGS_structures), seed);
  std::vector<v1::Tender> loaded =
      GenerateTenders(absl::GetFlag(FLAGS_tenders), seed, "solideo", "t");

  absl::StatusOr<std::unique_ptr<ServerProcess>> node =
      ServerProcess::StartNode(absl::GetFlag(FLAGS_node_binary));
  if (!node.ok()) return node.status();
  auto channel = grpc::CreateChannel((*node)->address(), grpc::InsecureChannelCredentials());
  auto registry = v1::RegistryService::NewStub(channel);
  auto tenders = v1::TenderService::NewStub(channel);
  if (absl::StatusOr<absl::Duration> imported = ImportAll(*registry, structures); !imported.ok()) {
    return imported.status();
  }
  for (const char* buyer :
       {"solideo", "bench-create", "bench-alone", "bench-watch", "bench-select"}) {
    if (absl::Status s = CreateBuyer(*registry, buyer); !s.ok()) return s;
  }
  for (const v1::Tender& t : loaded) {
    if (grpc::Status s = CreateTender(*tenders, t); !s.ok())
      return absl::InternalError(s.error_message());
  }
  PrintNote(absl::StrFormat("%d structures and %d notices (%d lots) loaded", structures.size(),
                            loaded.size(), loaded.size() * 3));
  if (absl::Status s = MeasureMatching(*tenders, loaded); !s.ok()) return s;

  // (b)
  std::vector<std::string> keys, values;
  std::vector<v1::Tender> fresh = GenerateTenders(80000, seed + 1, "bench-create", "c");
  for (size_t i = 0; i < 20000; ++i) {
    keys.push_back(fresh[i].tender_id());
    values.push_back(fresh[i].SerializeAsString());
  }
  absl::StatusOr<std::unique_ptr<RawPut>> raw =
      RawPut::Start(absl::GetFlag(FLAGS_raw_server_binary), std::move(keys), std::move(values));
  if (!raw.ok()) return raw.status();
  const ThroughputSide create_tender{"create_tender", node->get(), [&](int64_t i) {
                                       return CreateTender(*tenders, FreshNotice(fresh, i));
                                     }};
  absl::StatusOr<std::pair<LoadResult, LoadResult>> paired =
      MeasurePaired((*raw)->Side(), create_tender, Options(), absl::GetFlag(FLAGS_rounds));
  if (!paired.ok()) return paired.status();
  PrintPairedRates(*paired, "raw_put_calls_per_s", "create_tender_calls_per_s",
                   "create_tender_vs_raw_ratio");
  PrintNote("goal: create_tender_vs_raw_ratio >= 0.60");

  // (c) The same writers' load without, then with, the subscribers. Two buyers: the subscribers
  // watch the second, so that their snapshot (the notices already there) is empty and what they
  // cost is the live fan-out alone.
  std::vector<v1::Tender> unwatched = GenerateTenders(60000, seed + 2, "bench-alone", "a");
  std::vector<v1::Tender> watched = GenerateTenders(60000, seed + 3, "bench-watch", "w");
  auto writer = [&tenders](const std::vector<v1::Tender>& notices, std::atomic<int64_t>* next) {
    return [&notices, next, &tenders](int64_t) {
      return CreateTender(*tenders, FreshNotice(notices, next->fetch_add(1)));
    };
  };
  std::atomic<int64_t> next_unwatched{0}, next_watched{0};
  absl::StatusOr<double> alone = MeasureThroughput("watch_writers_alone", **node, Options(),
                                                   writer(unwatched, &next_unwatched));
  if (!alone.ok()) return alone.status();

  // Every subscriber watches the buyer: each notice goes to all of them.
  const int count = absl::GetFlag(FLAGS_subscribers);
  v1::WatchTendersRequest everything;
  everything.set_buyer("buyers/bench-watch");
  if (absl::Status s =
          MeasureFanOut("watch", **node, std::vector<v1::WatchTendersRequest>(count, everything),
                        writer(watched, &next_watched), *alone);
      !s.ok()) {
    return s;
  }
  PrintNote("goals: watch_delivery_p99_ms < 50, watch_writer_ratio >= 0.80");

  // Each subscriber watches as a structure would: one department and one theme, taken from the
  // notices written (so they follow the same spread); each notice goes to a few of them.
  std::vector<v1::Tender> selective = GenerateTenders(60000, seed + 4, "bench-select", "s");
  std::vector<v1::WatchTendersRequest> profiles;
  for (int i = 0; i < count; ++i) {
    v1::WatchTendersRequest& r = profiles.emplace_back();
    r.set_buyer("buyers/bench-select");
    r.add_departments(selective[i].departments(0));
    r.add_themes(selective[i].themes(0));
  }
  std::atomic<int64_t> next_selective{0};
  return MeasureFanOut("watch_selective", **node, profiles, writer(selective, &next_selective),
                       *alone);
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-tender-bench",
                                       passerelle::bench::Run);
}
