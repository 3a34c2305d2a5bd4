#ifndef PASSERELLE_BENCH_THROUGHPUT_H_
#define PASSERELLE_BENCH_THROUGHPUT_H_

// Calls/s of one kind of call to a server process, measured the same way for the raw baseline and
// for every node RPC, so that their ratios compare like with like.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/load.h"
#include "bench/server_process.h"
#include "raw_baseline.grpc.pb.h"

namespace passerelle::bench {

struct ThroughputOptions {
  int concurrency = 16;
  absl::Duration warmup = absl::Seconds(2);     // untimed load first, on the same kind of calls
  absl::Duration duration = absl::Seconds(10);  // timed load
};

// CPU time this process (the client side of every load) has used so far.
absl::Duration ClientCpuTime();

// Calls/s of `call` to `server`. Indices run from 0 across warm-up and timed load, never reaching
// `index_limit` (calls that must not repeat an index say so). Notes latency and where the CPU went,
// server and client, since both share the machine.
absl::StatusOr<double> MeasureThroughput(absl::string_view what, const ServerProcess& server,
                                         const ThroughputOptions& options, const Call& call,
                                         int64_t index_limit = INT64_MAX);

// One of the two kinds of call a paired measure compares.
struct ThroughputSide {
  std::string what;
  const ServerProcess* server;
  Call call;
  int64_t index_limit = INT64_MAX;  // as for MeasureThroughput
  int64_t first_index = 0;  // where its indices start, so that two sides may share one range
};

// Calls/s of `a` and of `b` (each to its own server, both running), after a warm-up of each, each
// timed for options.duration in all but in `rounds` alternating windows: a, b, a, b... The speed of
// this shared machine drifts by tens of percent over a minute, which two back-to-back runs turn
// into noise in their ratio; alternating lays the drift on both alike. Notes each side as
// MeasureThroughput does. Returns a's windows and b's, added up (LoadResult::Add).
absl::StatusOr<std::pair<LoadResult, LoadResult>> MeasurePaired(const ThroughputSide& a,
                                                                const ThroughputSide& b,
                                                                const ThroughputOptions& options,
                                                                int rounds);

// Prints a paired measure's figures: a's calls/s as `a_rate`, b's as `b_rate`, and b's over a's as
// `ratio`.
void PrintPairedRates(const std::pair<LoadResult, LoadResult>& paired, absl::string_view a_rate,
                      absl::string_view b_rate, absl::string_view ratio);

// The raw baseline: raw-baseline-server, whose one plain gRPC call does one RocksDB Put of
// values[i % n] under keys[i % n] (scattered keys, as a node's record keys are).
class RawPut {
 public:
  static absl::StatusOr<std::unique_ptr<RawPut>> Start(const std::string& binary,
                                                       std::vector<std::string> keys,
                                                       std::vector<std::string> values);
  const ServerProcess& server() const { return *server_; }
  // The side "raw_put" of a paired measure.
  ThroughputSide Side() const;

 private:
  RawPut() = default;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<RawBaseline::Stub> stub_;
  std::vector<std::string> keys_;
  std::vector<std::string> values_;
};

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_THROUGHPUT_H_
