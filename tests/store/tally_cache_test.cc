#include "store/tally_cache.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace passerelle::store {
namespace {

SharedTally Value(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

// The bytes Find returns for `key` at `snapshot`; "miss" when it returns nothing, "absent" for a
// cached empty key.
std::string Found(TallyCache& cache, absl::string_view key, uint64_t snapshot) {
  std::optional<SharedTally> found = cache.Find(key, snapshot);
  if (!found) return "miss";
  return *found ? **found : "absent";
}

TEST(TallyCacheTest, AnOfferedValueServesItsSnapshotAndLaterOnesAndAnAbsentKeyIsCachedToo) {
  TallyCache cache(1 << 20);
  EXPECT_EQ(Found(cache, "k", 10), "miss");
  cache.Offer("k", 10, Value("v10"));
  cache.Offer("empty", 10, nullptr);
  EXPECT_EQ(Found(cache, "k", 10), "v10");
  EXPECT_EQ(Found(cache, "k", 99), "v10");
  EXPECT_EQ(Found(cache, "empty", 12), "absent");
}

TEST(TallyCacheTest, AWriteHidesTheKeyUntilWrittenAndOlderSnapshotsNeverSeeTheNewValue) {
  TallyCache cache(1 << 20);
  cache.Offer("k", 10, Value("old"));
  const absl::string_view keys[] = {"k"};
  cache.Writing(keys);
  EXPECT_EQ(Found(cache, "k", 10), "miss");
  // A reader that read the old value at its snapshot while the write was in flight: refused.
  cache.Offer("k", 10, Value("old"));
  EXPECT_EQ(Found(cache, "k", 11), "miss");
  cache.Written(keys, 20);
  // A reader whose snapshot predates the write: its value is not the latest, so not kept.
  cache.Offer("k", 15, Value("old"));
  EXPECT_EQ(Found(cache, "k", 25), "miss");
  cache.Offer("k", 20, Value("new"));
  EXPECT_EQ(Found(cache, "k", 15), "miss");  // older snapshots read RocksDB
  EXPECT_EQ(Found(cache, "k", 20), "new");
  // Other keys are untouched by that write.
  cache.Offer("other", 5, Value("o"));
  EXPECT_EQ(Found(cache, "other", 6), "o");
}

TEST(TallyCacheTest, TheLeastRecentlyUsedGoOutFirstToStayWithinItsBytes) {
  const std::string big(1000, 'x');
  TallyCache cache(3 * (big.size() + 64 + 2));
  cache.Offer("a", 1, Value(big));
  cache.Offer("b", 1, Value(big));
  cache.Offer("c", 1, Value(big));
  EXPECT_EQ(Found(cache, "a", 1), big);  // a is now the most recently used
  cache.Offer("d", 1, Value(big));       // b goes
  EXPECT_EQ(Found(cache, "b", 1), "miss");
  EXPECT_EQ(Found(cache, "a", 1), big);
  EXPECT_EQ(Found(cache, "c", 1), big);
  EXPECT_EQ(Found(cache, "d", 1), big);
  EXPECT_LE(cache.bytes(), 3 * (big.size() + 64 + 2));
  // A value larger than the whole cache is not kept.
  cache.Offer("huge", 1, Value(std::string(10000, 'y')));
  EXPECT_EQ(Found(cache, "huge", 1), "miss");
}

}  // namespace
}  // namespace passerelle::store
