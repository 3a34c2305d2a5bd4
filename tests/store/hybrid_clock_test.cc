#include "store/hybrid_clock.h"

#include <atomic>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace passerelle::store {
namespace {

// A wall clock the test sets by hand.
struct ManualWallClock {
  std::atomic<uint64_t> ms{1'700'000'000'000};
  HybridClock::WallClockMs fn() {
    return [this] { return ms.load(); };
  }
};

TEST(HybridClock, FollowsTheWallClockWhenItAdvances) {
  ManualWallClock wall;
  HybridClock clock(wall.fn());
  EXPECT_EQ(clock.Now(), wall.ms.load() << 16);
  wall.ms += 5;
  uint64_t t = clock.Now();
  EXPECT_EQ(t, wall.ms.load() << 16);
  EXPECT_EQ(HybridClock::Milliseconds(t), wall.ms.load());
}

TEST(HybridClock, CountsLogicallyWhileTheWallClockStandsStill) {
  ManualWallClock wall;
  HybridClock clock(wall.fn());
  uint64_t first = clock.Now();
  uint64_t second = clock.Now();
  uint64_t third = clock.Now();
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(third, first + 2);
  EXPECT_EQ(HybridClock::Milliseconds(third), wall.ms.load());
}

TEST(HybridClock, NeverGoesBackwardsWhenTheWallClockDoes) {
  ManualWallClock wall;
  HybridClock clock(wall.fn());
  uint64_t before = clock.Now();
  wall.ms -= 60'000;
  uint64_t after = clock.Now();
  EXPECT_GT(after, before);
}

TEST(HybridClock, ReadingsStayAheadOfAnObservedFutureTime) {
  ManualWallClock wall;
  HybridClock clock(wall.fn());
  const uint64_t remote = ((wall.ms.load() + 3'600'000) << 16) | 7;
  clock.Observe(remote);
  uint64_t t = clock.Now();
  EXPECT_GT(t, remote);
  EXPECT_GT(clock.Now(), t);
}

TEST(HybridClock, ObservingAPastTimeDoesNotMoveTheClockBack) {
  ManualWallClock wall;
  HybridClock clock(wall.fn());
  wall.ms += 1000;
  uint64_t t = clock.Now();
  clock.Observe(t - (500 << 16));
  EXPECT_EQ(clock.Now(), t + 1);
}

TEST(HybridClock, ReadingsFromManyThreadsAreAllDistinct) {
  ManualWallClock wall;  // standing still: only the logical counter separates readings
  HybridClock clock(wall.fn());
  constexpr int kThreads = 4;
  constexpr int kReadings = 2000;
  std::vector<std::vector<uint64_t>> readings(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&clock, &out = readings[i]] {
      for (int n = 0; n < kReadings; ++n) out.push_back(clock.Now());
    });
  }
  for (auto& t : threads) t.join();
  std::set<uint64_t> all;
  for (const auto& r : readings) {
    for (size_t n = 1; n < r.size(); ++n) EXPECT_GT(r[n], r[n - 1]);
    all.insert(r.begin(), r.end());
  }
  EXPECT_EQ(all.size(), size_t{kThreads * kReadings});
}

TEST(HybridClock, DefaultsToTheSystemWallClock) {
  HybridClock clock;
  uint64_t ms = HybridClock::Milliseconds(clock.Now());
  // 2020-01-01 in Unix milliseconds: any real wall clock is past it.
  EXPECT_GT(ms, uint64_t{1'577'836'800'000});
}

}  // namespace
}  // namespace passerelle::store
