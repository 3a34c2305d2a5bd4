#include "bench/load.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace passerelle::bench {

void LoadResult::Add(const LoadResult& next) {
  calls += next.calls;
  end_index = next.end_index;
  if (failures == 0) first_failure = next.first_failure;
  failures += next.failures;
  elapsed += next.elapsed;
  late_calls += next.late_calls;
  const auto middle =
      latencies.insert(latencies.end(), next.latencies.begin(), next.latencies.end());
  std::inplace_merge(latencies.begin(), middle, latencies.end());
}

absl::Status LoadResult::FailureStatus(absl::string_view what) const {
  if (failures == 0) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat(what, ": ", failures, " of ", calls, " calls failed, first: ", first_failure));
}

double LoadResult::CallsPerSecond() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(calls) / seconds : 0;
}

absl::Duration LoadResult::Quantile(double q) const {
  if (latencies.empty()) return absl::ZeroDuration();
  // Nearest rank: the smallest latency with at least q of all calls at or below it.
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(latencies.size())));
  return latencies[std::clamp<size_t>(rank, 1, latencies.size()) - 1];
}

LoadResult RunLoad(const LoadPlan& plan, const Call& call) {
  std::atomic<int64_t> next{0};
  absl::Mutex mu;
  LoadResult result;
  const absl::Time start = absl::Now();
  const absl::Time deadline = start + plan.max_duration;

  auto client = [&] {
    // Each thread keeps its own tallies and merges them once, so the driver adds no contention of
    // its own.
    std::vector<std::pair<int64_t, absl::Duration>> latencies;
    int64_t failures = 0;
    int64_t late = 0;
    std::string first_failure;
    for (int64_t i; (i = next.fetch_add(1)) < plan.max_calls;) {
      absl::Time issued = absl::Now();
      if (plan.calls_per_second > 0) {
        const absl::Time due =
            start + absl::Seconds(static_cast<double>(i) / plan.calls_per_second);
        if (due >= deadline) break;
        if (due > issued) {
          absl::SleepFor(due - issued);  // the pacing itself
          issued = absl::Now();
        } else {
          ++late;
        }
      } else if (issued >= deadline) {
        break;
      }
      grpc::Status status = call(plan.first_index + i);
      latencies.emplace_back(i, absl::Now() - issued);
      if (!status.ok() && failures++ == 0) first_failure = status.error_message();
    }
    absl::MutexLock lock(&mu);
    for (const auto& [i, latency] : latencies) {
      result.latencies.push_back(latency);
      if (result.latencies_in_call_order.size() <= static_cast<size_t>(i))
        result.latencies_in_call_order.resize(i + 1);
      result.latencies_in_call_order[i] = latency;
    }
    result.failures += failures;
    result.late_calls += late;
    if (result.first_failure.empty()) result.first_failure = std::move(first_failure);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < plan.concurrency; ++t) threads.emplace_back(client);
  for (std::thread& t : threads) t.join();

  result.elapsed = absl::Now() - start;
  result.end_index = plan.first_index + std::min(next.load(), plan.max_calls);
  result.calls = static_cast<int64_t>(result.latencies.size());
  std::sort(result.latencies.begin(), result.latencies.end());
  return result;
}

std::shared_ptr<grpc::Channel> DistinctChannel(const std::string& address, int id) {
  grpc::ChannelArguments args;
  args.SetInt("grpc.channel_id", id);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

}  // namespace passerelle::bench
