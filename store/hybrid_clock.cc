#include "store/hybrid_clock.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace passerelle::store {

HybridClock::HybridClock(WallClockMs wall_clock_ms) : wall_clock_ms_(std::move(wall_clock_ms)) {
  if (!wall_clock_ms_) {
    wall_clock_ms_ = [] {
      return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    };
  }
}

uint64_t HybridClock::Now() {
  uint64_t physical = wall_clock_ms_() << 16;
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_ + 1, physical);
  return last_;
}

void HybridClock::Observe(uint64_t time) {
  absl::MutexLock lock(&mu_);
  last_ = std::max(last_, time);
}

}  // namespace passerelle::store
