#ifndef PASSERELLE_BENCH_THROUGHPUT_H_
#define PASSERELLE_BENCH_THROUGHPUT_H_

// Calls/s of one kind of call to a server process, measured the same way for the raw baseline and
// for every node RPC, so that their ratios compare like with like.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/load.h"
#include "bench/server_process.h"

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

// The raw baseline: raw-baseline-server at `binary`, one plain gRPC call doing one RocksDB Put of
// values[i % n] under keys[i % n] per call (scattered keys, as a node's record keys are).
absl::StatusOr<double> MeasureRawPut(const std::string& binary, const ThroughputOptions& options,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& values);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_THROUGHPUT_H_
