#include "store/tally.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/change_chain.h"
#include "store/store.h"
#include "tests/support/test_node.h"

namespace passerelle::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

constexpr absl::string_view kKind = "order";

// An order record is "colour:amount". It adds {amount, 1} to its colour's cell of "by-colour", and
// counts its colour once in "colours" (a set: one cell per colour with any order).
absl::Status OrderTally(absl::string_view record, int sign, TallyEdits* edits) {
  std::pair<std::string, std::string> parts = absl::StrSplit(record, ':');
  int64_t amount = 0;
  if (!absl::SimpleAtoi(parts.second, &amount)) return absl::DataLossError("bad order");
  const int64_t values[] = {amount, 1};
  edits->Add("by-colour", parts.first, values, sign);
  const int64_t member[] = {1};
  edits->Add("colours", parts.first, member, sign);
  return absl::OkStatus();
}

// An order adds {amount, 1} to cell "orders" of its own colour's tally "colour:<colour>": one key
// per colour.
absl::Status PerColourTally(absl::string_view record, int sign, TallyEdits* edits) {
  std::pair<std::string, std::string> parts = absl::StrSplit(record, ':');
  int64_t amount = 0;
  if (!absl::SimpleAtoi(parts.second, &amount)) return absl::DataLossError("bad order");
  const int64_t values[] = {amount, 1};
  edits->Add(absl::StrCat("colour:", parts.first), "orders", values, sign);
  return absl::OkStatus();
}

class TallyTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open("a", /*tallied=*/true); }

  std::unique_ptr<Store> Open(absl::string_view name, bool tallied,
                              absl::string_view partner = "les-canaux") {
    StoreOptions options;
    options.path = dir_.path() + "/" + std::string(name);
    options.partner_id = std::string(partner);
    options.kinds = {std::string(kKind)};
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    options.recompute_cells_per_pass = cells_per_pass_;
    if (tallied) options.tallies[std::string(kKind)] = tally_;
    auto opened = Store::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // Writes a record while the kind is not tallied (as an older node version did): the tallies
  // miss it.
  void WriteUntallied(absl::string_view id, std::string value) {
    store_.reset();
    std::unique_ptr<Store> untallied = Open("a", false);
    Put(*untallied, id, std::move(value));
    untallied.reset();
    store_ = Open("a", true);
  }

  TallyFn tally_ = OrderTally;
  int64_t cells_per_pass_ = StoreOptions().recompute_cells_per_pass;

  static void Put(Store& store, absl::string_view id, std::optional<std::string> value) {
    auto written =
        store.Write(kKind, id, [&](const std::optional<std::string>&, const v1::Version&) {
          return absl::StatusOr<RecordWrite>(RecordWrite{value, {}, {}});
        });
    ASSERT_TRUE(written.ok()) << written.status();
  }

  static TallyCells Cells(const Store& store, absl::string_view key) {
    auto cells = store.Read()->Tally(key);
    EXPECT_TRUE(cells.ok()) << cells.status();
    return cells.ok() ? *cells : TallyCells();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(TallyEncodingTest, RoundTripsNegativeAndLargeCounters) {
  TallyCells cells = {{"a", {-5, 0, int64_t{1} << 60}}, {"b", {7}}};
  auto decoded = DecodeTally(EncodeTally(cells));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, cells);
  EXPECT_EQ(*TallyCellCount(EncodeTally(cells)), 2u);
  EXPECT_FALSE(DecodeTally("\x05garbage").ok());
}

TEST(TallyEditsTest, NetZeroCellsAndKeysVanish) {
  TallyEdits edits;
  const int64_t v[] = {3, 1};
  edits.Add("k", "x", v, +1);
  edits.Add("k", "x", v, -1);
  edits.Add("k", "y", v, +1);
  edits.Add("gone", "z", v, +1);
  edits.Add("gone", "z", v, -1);
  auto totals = edits.Totals();
  EXPECT_THAT(totals, ElementsAre(Pair("k", ElementsAre(Pair("y", ElementsAre(3, 1))))));
}

TEST_F(TallyTest, WritesMoveTalliesByTheDifference) {
  Put(*store_, "1", "red:5");
  Put(*store_, "2", "red:7");
  Put(*store_, "3", "blue:2");
  EXPECT_THAT(Cells(*store_, "by-colour"),
              ElementsAre(Pair("blue", ElementsAre(2, 1)), Pair("red", ElementsAre(12, 2))));
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 2u);

  Put(*store_, "3", "red:1");  // blue's only order turns red
  Put(*store_, "1", std::nullopt);
  EXPECT_THAT(Cells(*store_, "by-colour"), ElementsAre(Pair("red", ElementsAre(8, 2))));
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 1u);
  EXPECT_THAT(Cells(*store_, "absent"), IsEmpty());
}

TEST_F(TallyTest, AGroupCommitTalliesEachWriteOverTheOneBeforeIt) {
  auto results = store_->WriteEach(kKind, {"1", "1", "2"},
                                   [](size_t item, const std::optional<std::string>&,
                                      const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                     const char* values[] = {"red:5", "red:9", "green:1"};
                                     return RecordWrite{values[item], {}, {}};
                                   });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_THAT(Cells(*store_, "by-colour"),
              ElementsAre(Pair("green", ElementsAre(1, 1)), Pair("red", ElementsAre(9, 1))));
}

TEST_F(TallyTest, TalliesSurviveReopenAndAgreeWithARecompute) {
  for (int i = 0; i < 200; ++i) {
    Put(*store_, std::to_string(i % 37), absl::StrCat("c", i % 5, ":", i));
  }
  store_.reset();
  store_ = Open("a", true);
  auto check = store_->RecomputeTallies(/*repair=*/false);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->differing, 0u);
  EXPECT_EQ(check->keys, 2u);
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 5u);
}

TEST_F(TallyTest, RecomputeFindsAndRepairsDrift) {
  Put(*store_, "1", "red:5");
  WriteUntallied("2", "blue:4");

  auto check = store_->RecomputeTallies(/*repair=*/false);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->differing, 2u);
  EXPECT_THAT(Cells(*store_, "by-colour"), ElementsAre(Pair("red", ElementsAre(5, 1))));

  auto repaired = store_->RecomputeTallies(/*repair=*/true);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->differing, 2u);
  EXPECT_THAT(Cells(*store_, "by-colour"),
              ElementsAre(Pair("blue", ElementsAre(4, 1)), Pair("red", ElementsAre(5, 1))));
  EXPECT_EQ(store_->RecomputeTallies(false)->differing, 0u);
  // Later writes keep adding to the repaired tallies.
  Put(*store_, "2", "red:1");
  EXPECT_THAT(Cells(*store_, "by-colour"), ElementsAre(Pair("red", ElementsAre(6, 2))));
}

// A rebuild on millions of records takes a while: writes made meanwhile neither wait for it nor
// get lost by its repair.
TEST_F(TallyTest, WritesGoOnDuringARepairAndCountAfterIt) {
  Put(*store_, "1", "red:5");
  Put(*store_, "2", "red:1");
  WriteUntallied("3", "blue:4");

  std::thread writer;
  bool written_meanwhile = false;
  auto repaired = store_->RecomputeTallies(/*repair=*/true, [&] {
    absl::Notification done;
    writer = std::thread([&] {
      Put(*store_, "4", "red:2");
      Put(*store_, "2", std::nullopt);
      done.Notify();
    });
    written_meanwhile = done.WaitForNotificationWithTimeout(absl::Seconds(30));
  });
  writer.join();
  EXPECT_TRUE(written_meanwhile) << "writes waited for the recompute";
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->differing, 2u);  // blue's orders and colours, as the snapshot saw them
  EXPECT_THAT(Cells(*store_, "by-colour"),
              ElementsAre(Pair("blue", ElementsAre(4, 1)), Pair("red", ElementsAre(7, 2))));
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 2u);
  EXPECT_EQ(store_->RecomputeTallies(false)->differing, 0u);
}

// A store whose tallies would not fit in memory at once is recomputed in parts, one pass over the
// records each: the same findings and the same repair as in one go.
TEST_F(TallyTest, ARecomputeInPartsFindsAndRepairsWhatOneInOneGoWould) {
  tally_ = PerColourTally;
  cells_per_pass_ = 3;  // ten colours held, one cell each: four parts
  store_.reset();
  store_ = Open("a", true);
  for (int i = 0; i < 40; ++i) Put(*store_, std::to_string(i), absl::StrCat("c", i % 10, ":", i));
  WriteUntallied("40", "c3:100");
  WriteUntallied("41", "c11:7");

  auto check = store_->RecomputeTallies(/*repair=*/false);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_EQ(check->keys, 11u);
  EXPECT_EQ(check->differing, 2u);
  auto repaired = store_->RecomputeTallies(/*repair=*/true);
  ASSERT_TRUE(repaired.ok()) << repaired.status();
  EXPECT_EQ(repaired->differing, 2u);
  EXPECT_EQ(store_->RecomputeTallies(false)->differing, 0u);
  EXPECT_THAT(Cells(*store_, "colour:c3"),
              ElementsAre(Pair("orders", ElementsAre(3 + 13 + 23 + 33 + 100, 5))));
  EXPECT_THAT(Cells(*store_, "colour:c11"), ElementsAre(Pair("orders", ElementsAre(7, 1))));
  EXPECT_THAT(Cells(*store_, "colour:c4"),
              ElementsAre(Pair("orders", ElementsAre(4 + 14 + 24 + 34, 4))));
}

// Reads go through the tally cache; each view still sees its own snapshot, whichever view filled
// the cache first.
TEST_F(TallyTest, EachViewSeesItsSnapshotsTalliesThroughTheCache) {
  Put(*store_, "1", "red:5");
  std::unique_ptr<ReadView> before = store_->Read();
  EXPECT_THAT(*before->Tally("by-colour"), ElementsAre(Pair("red", ElementsAre(5, 1))));
  Put(*store_, "2", "red:2");
  std::unique_ptr<ReadView> after = store_->Read();
  EXPECT_THAT(*after->Tally("by-colour"), ElementsAre(Pair("red", ElementsAre(7, 2))));
  EXPECT_THAT(*before->Tally("by-colour"), ElementsAre(Pair("red", ElementsAre(5, 1))));
  EXPECT_THAT(*after->Tally("by-colour"), ElementsAre(Pair("red", ElementsAre(7, 2))));
  // The set's size too, read from the cached value's header.
  Put(*store_, "3", "blue:1");
  EXPECT_EQ(*after->TallySize("colours"), 1u);
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 2u);
  EXPECT_EQ(*store_->Read()->TallySize("colours"), 2u);
  EXPECT_EQ(*after->TallySize("colours"), 1u);
}

TEST_F(TallyTest, ReplicatedChangesMoveTheReceiversTallies) {
  Put(*store_, "1", "red:5");
  Put(*store_, "1", "green:3");
  Put(*store_, "2", "red:2");
  auto changes = store_->Read()->Changes("les-canaux", 0, 100);
  ASSERT_TRUE(changes.ok());
  std::unique_ptr<Store> peer = Open("b", true, "solideo");
  auto applied = peer->Apply(
      *changes, /*require_signatures=*/false,
      [](absl::string_view, absl::string_view, absl::string_view) { return absl::OkStatus(); },
      [](const v1::Change&, const std::optional<std::string>&) -> absl::StatusOr<RecordWrite> {
        return RecordWrite{};
      });
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ(Cells(*peer, "by-colour"), Cells(*store_, "by-colour"));
  EXPECT_THAT(Cells(*peer, "by-colour"),
              ElementsAre(Pair("green", ElementsAre(3, 1)), Pair("red", ElementsAre(2, 1))));
}

TEST_F(TallyTest, AnUnreadableRecordFailsItsCommitAndWritesNothing) {
  Put(*store_, "1", "red:5");
  auto written =
      store_->Write(kKind, "2", [](const std::optional<std::string>&, const v1::Version&) {
        return absl::StatusOr<RecordWrite>(RecordWrite{"no-colon-here", {}, {}});
      });
  EXPECT_FALSE(written.ok());
  EXPECT_EQ(*store_->Read()->Get(kKind, "2"), std::nullopt);
  EXPECT_THAT(Cells(*store_, "by-colour"), ElementsAre(Pair("red", ElementsAre(5, 1))));
}

}  // namespace
}  // namespace passerelle::store
