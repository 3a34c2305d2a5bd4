#ifndef PASSERELLE_STORE_HYBRID_CLOCK_H_
#define PASSERELLE_STORE_HYBRID_CLOCK_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace passerelle::store {

// A hybrid logical clock (Kulkarni et al.): wall-clock milliseconds in the high 48 bits and a logical counter
// in the low 16. Readings never go backwards, even when the wall clock does, and stay ahead of every time
// observed from elsewhere, so they order causally related writes across nodes. Thread-safe.
class HybridClock {
 public:
  using WallClockMs = std::function<uint64_t()>;
  explicit HybridClock(WallClockMs wall_clock_ms = nullptr);

  // A reading strictly greater than every earlier reading and every observed time.
  uint64_t Now();
  // Moves the clock past a time read from a change made elsewhere (or before a restart).
  void Observe(uint64_t time);

  static uint64_t Milliseconds(uint64_t hlc_time) { return hlc_time >> 16; }

 private:
  WallClockMs wall_clock_ms_;
  absl::Mutex mu_;
  uint64_t last_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_HYBRID_CLOCK_H_
