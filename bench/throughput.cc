#include "bench/throughput.h"

#include <sys/resource.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace passerelle::bench {

absl::Duration ClientCpuTime() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

namespace {

// What the timed windows of one side added up to.
struct Timed {
  LoadResult load;  // calls, elapsed and latencies summed over the windows
  absl::Duration server_cpu;
  absl::Duration client_cpu;
};

// The untimed load before a side's first window; returns the index its timed calls start from.
absl::StatusOr<int64_t> WarmUp(const ThroughputSide& side, const ThroughputOptions& options) {
  LoadPlan plan;
  plan.concurrency = options.concurrency;
  plan.first_index = side.first_index;
  plan.max_calls = side.index_limit - side.first_index;
  plan.max_duration = options.warmup;
  LoadResult warmup = RunLoad(plan, side.call);
  if (absl::Status s = warmup.FailureStatus(side.what); !s.ok()) return s;
  return warmup.end_index;
}

// One timed window of `side` from call `*next` on, added to `*timed`.
absl::Status Window(const ThroughputSide& side, const ThroughputOptions& options,
                    absl::Duration duration, int64_t* next, Timed* timed) {
  LoadPlan plan;
  plan.concurrency = options.concurrency;
  plan.first_index = *next;
  plan.max_calls = side.index_limit - *next;
  plan.max_duration = duration;
  const absl::Duration server_cpu = side.server->CpuTime();
  const absl::Duration client_cpu = ClientCpuTime();
  LoadResult r = RunLoad(plan, side.call);
  timed->server_cpu += side.server->CpuTime() - server_cpu;
  timed->client_cpu += ClientCpuTime() - client_cpu;
  if (absl::Status s = r.FailureStatus(side.what); !s.ok()) return s;
  *next = r.end_index;
  timed->load.Add(r);
  return absl::OkStatus();
}

// Notes what a side's windows gave.
void Report(const ThroughputSide& side, const ThroughputOptions& options, const Timed& timed) {
  const LoadResult& r = timed.load;
  const double calls = static_cast<double>(std::max<int64_t>(r.calls, 1));
  PrintNote(absl::StrFormat(
      "%s: %d calls in %.2f s at concurrency %d; latency p50 %.3f ms, p99 %.3f ms; CPU per call: "
      "server %.0f us, client %.0f us",
      side.what, r.calls, absl::ToDoubleSeconds(r.elapsed), options.concurrency,
      absl::ToDoubleMilliseconds(r.Quantile(0.5)), absl::ToDoubleMilliseconds(r.Quantile(0.99)),
      absl::ToDoubleMicroseconds(timed.server_cpu) / calls,
      absl::ToDoubleMicroseconds(timed.client_cpu) / calls));
}

}  // namespace

absl::StatusOr<double> MeasureThroughput(absl::string_view what, const ServerProcess& server,
                                         const ThroughputOptions& options, const Call& call,
                                         int64_t index_limit) {
  const ThroughputSide side{std::string(what), &server, call, index_limit};
  absl::StatusOr<int64_t> next = WarmUp(side, options);
  if (!next.ok()) return next.status();
  Timed timed;
  if (absl::Status s = Window(side, options, options.duration, &*next, &timed); !s.ok()) return s;
  Report(side, options, timed);
  return timed.load.CallsPerSecond();
}

absl::StatusOr<std::pair<LoadResult, LoadResult>> MeasurePaired(const ThroughputSide& a,
                                                                const ThroughputSide& b,
                                                                const ThroughputOptions& options,
                                                                int rounds) {
  absl::StatusOr<int64_t> next_a = WarmUp(a, options);
  if (!next_a.ok()) return next_a.status();
  absl::StatusOr<int64_t> next_b = WarmUp(b, options);
  if (!next_b.ok()) return next_b.status();
  const absl::Duration window = options.duration / std::max(rounds, 1);
  Timed timed_a, timed_b;
  for (int round = 0; round < std::max(rounds, 1); ++round) {
    if (absl::Status s = Window(a, options, window, &*next_a, &timed_a); !s.ok()) return s;
    if (absl::Status s = Window(b, options, window, &*next_b, &timed_b); !s.ok()) return s;
  }
  Report(a, options, timed_a);
  Report(b, options, timed_b);
  return std::make_pair(std::move(timed_a.load), std::move(timed_b.load));
}

void PrintPairedRates(const std::pair<LoadResult, LoadResult>& paired, absl::string_view a_rate,
                      absl::string_view b_rate, absl::string_view ratio) {
  const double a = paired.first.CallsPerSecond();
  const double b = paired.second.CallsPerSecond();
  PrintBench(a_rate, a, "calls/s");
  PrintBench(b_rate, b, "calls/s");
  PrintBench(ratio, b / a, "ratio");
}

absl::StatusOr<std::unique_ptr<RawPut>> RawPut::Start(const std::string& binary,
                                                      std::vector<std::string> keys,
                                                      std::vector<std::string> values) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::StartRawBaseline(binary);
  if (!server.ok()) return server.status();
  std::unique_ptr<RawPut> raw(new RawPut());
  raw->stub_ = RawBaseline::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  raw->server_ = std::move(*server);
  raw->keys_ = std::move(keys);
  raw->values_ = std::move(values);
  return raw;
}

ThroughputSide RawPut::Side() const {
  return {"raw_put", server_.get(), [this](int64_t i) {
            const size_t n = keys_.size();
            PutRequest request;
            request.set_key(keys_[i % n]);
            request.set_value(values_[i % n]);
            PutResponse response;
            grpc::ClientContext context;
            return stub_->Put(&context, request, &response);
          }};
}

}  // namespace passerelle::bench
