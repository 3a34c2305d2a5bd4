#ifndef PASSERELLE_CLI_DEMO_DRAW_H_
#define PASSERELLE_CLI_DEMO_DRAW_H_

// The random draws of the demo data generators, built on the engine's raw output only: <random>'s
// distributions differ between standard libraries, and the same seed must give the same data
// everywhere.

#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"

namespace passerelle::cli {

// A value and how often it is drawn relative to the others of its list.
template <typename T>
struct Weighted {
  T value;
  int weight;
};

// Draws from an engine the caller owns (and which must outlive the Draw). Not thread-safe.
class Draw {
 public:
  explicit Draw(std::mt19937_64& rng) : rng_(rng) {}

  // Uniform in [0, n); the modulo bias is negligible for the small n used here.
  uint64_t Below(uint64_t n) { return rng_() % n; }
  int Between(int min, int max) { return min + static_cast<int>(Below(max - min + 1)); }
  bool Percent(int p) { return static_cast<int>(Below(100)) < p; }

  // Skewed toward min, as sizes of organisations are.
  int SkewedBetween(int min, int max) {
    int64_t r = static_cast<int64_t>(Below(1000));
    return min + static_cast<int>((max - min) * r * r / (999 * 999));
  }

  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

  template <typename T>
  T Pick(absl::Span<const Weighted<T>> choices) {
    int total = 0;
    for (const auto& c : choices) total += c.weight;
    int r = static_cast<int>(Below(total));
    for (const auto& c : choices) {
      if (r < c.weight) return c.value;
      r -= c.weight;
    }
    return choices.back().value;
  }

 private:
  std::mt19937_64& rng_;
};

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DEMO_DRAW_H_
