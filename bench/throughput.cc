#include "bench/throughput.h"

#include <sys/resource.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/report.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "raw_baseline.grpc.pb.h"

namespace passerelle::bench {

absl::Duration ClientCpuTime() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

absl::StatusOr<double> MeasureThroughput(absl::string_view what, const ServerProcess& server,
                                         const ThroughputOptions& options, const Call& call,
                                         int64_t index_limit) {
  LoadPlan plan;
  plan.concurrency = options.concurrency;
  plan.max_calls = index_limit;
  plan.max_duration = options.warmup;
  LoadResult warmup = RunLoad(plan, call);

  plan.first_index = warmup.end_index;
  plan.max_calls = index_limit - warmup.end_index;
  plan.max_duration = options.duration;
  const absl::Duration server_cpu = server.CpuTime();
  const absl::Duration client_cpu = ClientCpuTime();
  LoadResult timed = RunLoad(plan, call);
  const double server_us = absl::ToDoubleMicroseconds(server.CpuTime() - server_cpu) / timed.calls;
  const double client_us = absl::ToDoubleMicroseconds(ClientCpuTime() - client_cpu) / timed.calls;
  for (const LoadResult* r : {&warmup, &timed}) {
    if (r->failures > 0) {
      return absl::InternalError(absl::StrCat(what, ": ", r->failures, " of ", r->calls,
                                              " calls failed, first: ", r->first_failure));
    }
  }
  PrintNote(absl::StrFormat(
      "%s: %d calls in %.2f s at concurrency %d; latency p50 %.3f ms, p99 %.3f ms; CPU per call: "
      "server %.0f us, client %.0f us",
      what, timed.calls, absl::ToDoubleSeconds(timed.elapsed), plan.concurrency,
      absl::ToDoubleMilliseconds(timed.Quantile(0.5)),
      absl::ToDoubleMilliseconds(timed.Quantile(0.99)), server_us, client_us));
  return timed.CallsPerSecond();
}

absl::StatusOr<double> MeasureRawPut(const std::string& binary, const ThroughputOptions& options,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& values) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::StartRawBaseline(binary);
  if (!server.ok()) return server.status();
  std::unique_ptr<RawBaseline::Stub> stub = RawBaseline::NewStub(
      grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()));
  const int64_t n = static_cast<int64_t>(keys.size());
  return MeasureThroughput("raw_put", **server, options, [&](int64_t i) {
    PutRequest request;
    request.set_key(keys[i % n]);
    request.set_value(values[i % n]);
    PutResponse response;
    grpc::ClientContext context;
    return stub->Put(&context, request, &response);
  });
}

}  // namespace passerelle::bench
