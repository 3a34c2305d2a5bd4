#ifndef PASSERELLE_BENCH_LOAD_H_
#define PASSERELLE_BENCH_LOAD_H_

// A load driver: `concurrency` client threads, each issuing one blocking call at a time. Closed
// loop by default (exactly that many calls in flight, as fast as they complete); or paced at a
// fixed offered rate, for latency below saturation. Every throughput and latency figure of the
// load benchmark comes from here, whatever the call, so that the baseline and the node are measured
// the same way.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"

namespace passerelle::bench {

// Issues call number `index` and returns its status once it has completed. Called from several
// threads at once; distinct calls get distinct indices.
using Call = std::function<grpc::Status(int64_t index)>;

struct LoadPlan {
  int concurrency = 1;
  int64_t first_index = 0;  // calls are numbered first_index, first_index + 1, ...
  // The load stops issuing calls at whichever comes first; calls already in flight complete.
  int64_t max_calls = INT64_MAX;
  absl::Duration max_duration = absl::InfiniteDuration();
  // Calls offered per second; 0 for a closed loop. Paced, call i is due at start + i / rate and
  // its latency counts from when it is issued: on a small machine the driver's own threads wake
  // late, which is not the system's latency. Give enough threads that none is busy when its next
  // call falls due (late_calls says whether that held), or the figures omit that wait.
  double calls_per_second = 0;
};

struct LoadResult {
  int64_t calls = 0;      // completed, whether OK or not
  int64_t end_index = 0;  // every call issued had an index below this; the next load can start here
  int64_t failures = 0;   // completed with a non-OK status
  std::string first_failure;
  absl::Duration elapsed;                 // from the first call issued to the last one completed
  std::vector<absl::Duration> latencies;  // one per completed call, sorted ascending
  // The same latencies by call number: [i] is call first_index + i's (zero if it never ran).
  std::vector<absl::Duration> latencies_in_call_order;
  // Paced: calls issued after the previous call of their thread was still running when they fell
  // due.
  int64_t late_calls = 0;

  // Adds the calls of a later load (`next` continues where this one ended): counts and elapsed
  // time summed, latencies merged in order, end_index and the first failure carried on. Call order
  // is not kept across loads: latencies_in_call_order is left as it was.
  void Add(const LoadResult& next);

  // OK when no call failed; else INTERNAL naming `what`, how many of the calls failed, and the
  // first failure.
  absl::Status FailureStatus(absl::string_view what) const;

  double CallsPerSecond() const;
  // The latency below which a fraction `q` (0..1) of calls completed; zero without calls.
  absl::Duration Quantile(double q) const;
};

LoadResult RunLoad(const LoadPlan& plan, const Call& call);

// An insecure channel to `address` on a connection of its own: channels built with distinct `id`s
// do not share one, as distinct clients would not.
std::shared_ptr<grpc::Channel> DistinctChannel(const std::string& address, int id);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_LOAD_H_
