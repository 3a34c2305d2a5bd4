#include "store/posting_list.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"
#include "store/keys.h"
#include "tests/support/test_node.h"

namespace passerelle::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Ids = std::vector<std::string>;

Ids Drain(PostingCursor& cursor) {
  Ids out;
  for (; cursor.Valid(); cursor.Next()) out.emplace_back(cursor.id());
  return out;
}

// A RocksDB database whose default family merges posting lists, as the store's index family does.
// Each commit is one WriteBatch; Flush and Compact move what commits wrote into files, where
// operands meet the lists they edit.
class PostingListTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    db_.reset();
    rocksdb::Options options;
    options.create_if_missing = true;
    options.merge_operator = NewPostingMergeOperator();
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir_.path() + "/db", &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }

  void Commit(PostingEdits& edits) {
    rocksdb::WriteBatch batch;
    edits.StageInto(db_->DefaultColumnFamily(), &batch);
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Add(absl::string_view term, const Ids& ids) {
    PostingEdits edits;
    for (const std::string& id : ids) edits.Add(kKind, term, id);
    Commit(edits);
  }
  void Remove(absl::string_view term, const Ids& ids) {
    PostingEdits edits;
    for (const std::string& id : ids) edits.Remove(kKind, term, id);
    Commit(edits);
  }
  void Flush() { ASSERT_TRUE(db_->Flush(rocksdb::FlushOptions()).ok()); }
  void Compact() {
    ASSERT_TRUE(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok());
  }

  std::unique_ptr<PostingCursor> Cursor(absl::string_view term,
                                        const rocksdb::Snapshot* snapshot = nullptr) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    return ReadPostingList(db_.get(), ro, db_->DefaultColumnFamily(),
                           keys::PostingList(kKind, term));
  }
  Ids Read(absl::string_view term) { return Drain(*Cursor(term)); }

  static constexpr absl::string_view kKind = "structure";
  static constexpr absl::string_view kTheme = "theme:1";
  static constexpr absl::string_view kDepartment = "dept:93";
  testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(PostingListTest, OneCommitsIdsReadBackSortedWhateverTheOrderTheyWereAdded) {
  Add(kTheme, {"c", "a", "b", "a"});
  EXPECT_THAT(Read(kTheme), ElementsAre("a", "b", "c"));
}

TEST_F(PostingListTest, AnAbsentListIsEmpty) { EXPECT_THAT(Read(kTheme), IsEmpty()); }

TEST_F(PostingListTest, CommitsInMemoryInFilesAndCompactedAllFoldIntoOneList) {
  Add(kTheme, {"b", "d"});
  Flush();
  Add(kTheme, {"a", "e"});
  Flush();
  Add(kTheme, {"c"});  // still in the memtable
  EXPECT_THAT(Read(kTheme), ElementsAre("a", "b", "c", "d", "e"));
  Compact();
  EXPECT_THAT(Read(kTheme), ElementsAre("a", "b", "c", "d", "e"));
}

TEST_F(PostingListTest, ARemovalTakesOutAnIdAddedByAnEarlierCommitWhereverThatIs) {
  Add(kTheme, {"a", "b", "c"});
  Flush();
  Remove(kTheme, {"b"});
  EXPECT_THAT(Read(kTheme), ElementsAre("a", "c"));
  Flush();
  Remove(kTheme, {"a"});
  Compact();
  EXPECT_THAT(Read(kTheme), ElementsAre("c"));
}

TEST_F(PostingListTest, RemovingAnAbsentIdChangesNothing) {
  Add(kTheme, {"a"});
  Remove(kTheme, {"zz", "0"});
  EXPECT_THAT(Read(kTheme), ElementsAre("a"));
}

TEST_F(PostingListTest, AnIdRemovedThenAddedAgainInLaterCommitsIsPresent) {
  Add(kTheme, {"a"});
  Flush();
  Remove(kTheme, {"a"});
  Flush();
  Add(kTheme, {"a"});
  EXPECT_THAT(Read(kTheme), ElementsAre("a"));
  Compact();
  EXPECT_THAT(Read(kTheme), ElementsAre("a"));
}

TEST_F(PostingListTest, WithinOneCommitTheLastEditOfAnIdWins) {
  PostingEdits edits;
  edits.Add(kKind, kTheme, "a");
  edits.Add(kKind, kTheme, "b");
  edits.Remove(kKind, kTheme, "a");
  edits.Remove(kKind, kTheme, "c");
  edits.Add(kKind, kTheme, "c");
  Commit(edits);
  EXPECT_THAT(Read(kTheme), ElementsAre("b", "c"));
}

TEST_F(PostingListTest, OneCommitEditsSeveralListsIndependently) {
  PostingEdits edits;
  edits.Add(kKind, kTheme, "a");
  edits.Add(kKind, kDepartment, "b");
  Commit(edits);
  Remove(kDepartment, {"b"});
  EXPECT_THAT(Read(kTheme), ElementsAre("a"));
  EXPECT_THAT(Read(kDepartment), IsEmpty());
}

TEST_F(PostingListTest, AListWhoseEveryIdWasRemovedReadsAsEmpty) {
  Add(kTheme, {"a", "b"});
  Flush();
  Remove(kTheme, {"a", "b"});
  Compact();
  rocksdb::PinnableSlice value;
  ASSERT_TRUE(db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                       keys::PostingList(kKind, kTheme), &value)
                  .ok());
  EXPECT_TRUE(IsEmptyPostingList(absl::string_view(value.data(), value.size())));
  EXPECT_THAT(Read(kTheme), IsEmpty());
}

TEST_F(PostingListTest, ASnapshotKeepsTheListAsItWasThroughLaterCommitsAndCompaction) {
  Add(kTheme, {"a", "b"});
  const rocksdb::Snapshot* before = db_->GetSnapshot();
  Remove(kTheme, {"a"});
  Add(kTheme, {"c"});
  Flush();
  Compact();
  EXPECT_THAT(Drain(*Cursor(kTheme, before)), ElementsAre("a", "b"));
  EXPECT_THAT(Read(kTheme), ElementsAre("b", "c"));
  db_->ReleaseSnapshot(before);
}

TEST_F(PostingListTest, ListsSurviveReopening) {
  Add(kTheme, {"a", "c"});
  Flush();
  Remove(kTheme, {"a"});
  Add(kTheme, {"b"});  // only in the write-ahead log
  Open();
  EXPECT_THAT(Read(kTheme), ElementsAre("b", "c"));
}

TEST_F(PostingListTest, IdsOfAnyLengthAndByteRoundTrip) {
  const std::string long_id(300, 'x');  // a length that takes two bytes to encode
  const std::string high_bytes = "\xc3\xa9t\xc3\xa9";
  Add(kTheme, {long_id, high_bytes, "1"});
  EXPECT_THAT(Read(kTheme), ElementsAre("1", long_id, high_bytes));
}

TEST_F(PostingListTest, SeekMovesToTheFirstIdAtOrAfterTheTargetAndNeverBack) {
  Add(kTheme, {"10", "20", "30"});
  Flush();
  Add(kTheme, {"25"});
  auto c = Cursor(kTheme);
  c->Seek("15");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "20");
  c->Seek("25");
  EXPECT_EQ(c->id(), "25");
  c->Seek("00");
  EXPECT_EQ(c->id(), "25");
  c->Seek("31");
  EXPECT_FALSE(c->Valid());
}

TEST_F(PostingListTest, SeekLandsPastIdsThatANewerCommitRemovedEvenWhenAnOlderOneAddedThemAgain) {
  Add(kTheme, {"10", "20", "30", "40"});
  Flush();
  Remove(kTheme, {"20", "30"});
  Add(kTheme, {"30"});
  Remove(kTheme, {"30"});
  auto c = Cursor(kTheme);
  c->Seek("15");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "40");
}

TEST_F(PostingListTest, IntersectionsFindCommonIdsOfListsBuiltByManyCommits) {
  // Every id 000..299 is in the theme list, every third in the department's, spread over commits of
  // different sizes, some flushed to files, some removed again.
  Ids expected;
  for (int start = 0; start < 300; start += 37) {
    PostingEdits edits;
    for (int i = start; i < std::min(start + 37, 300); ++i) {
      char id[4];
      std::snprintf(id, sizeof id, "%03d", i);
      edits.Add(kKind, kTheme, id);
      if (i % 3 == 0) edits.Add(kKind, kDepartment, id);
      if (i % 3 == 0 && i % 2 == 0) expected.push_back(id);
    }
    Commit(edits);
    if (start % 2 == 0) Flush();
  }
  PostingEdits removals;
  for (int i = 0; i < 300; i += 2) {
    char id[4];
    std::snprintf(id, sizeof id, "%03d", i + 1);
    removals.Remove(kKind, kTheme, id);  // the odd ids leave the theme
  }
  Commit(removals);

  std::vector<std::unique_ptr<PostingCursor>> both;
  both.push_back(Cursor(kTheme));
  both.push_back(Cursor(kDepartment));
  EXPECT_EQ(Drain(*NewIntersectionCursor(std::move(both))), expected);
}

}  // namespace
TEST_F(PostingListTest, AListEditedByManyCommitsWalksAndSeeksAsTheSetItDescribes) {
  // Sixty commits of random additions and removals, none compacted: the cursor folds them all.
  std::mt19937 random(7);
  std::set<std::string> model;
  auto id = [](int n) { return absl::StrFormat("%03d", n); };
  for (int commit = 0; commit < 60; ++commit) {
    PostingEdits edits;
    for (int k = 0; k < 12; ++k) {
      const std::string chosen = id(static_cast<int>(random() % 200));
      if (random() % 3 == 0) {
        edits.Remove(kKind, kTheme, chosen);
        model.erase(chosen);
      } else {
        edits.Add(kKind, kTheme, chosen);
        model.insert(chosen);
      }
    }
    Commit(edits);
  }
  EXPECT_EQ(Read(kTheme), Ids(model.begin(), model.end()));

  auto c = Cursor(kTheme);
  for (int target = 0; target < 200; target += 1 + static_cast<int>(random() % 9)) {
    c->Seek(id(target));
    auto expected = model.lower_bound(id(target));
    if (expected == model.end()) {
      EXPECT_FALSE(c->Valid()) << "seek " << target;
      break;
    }
    ASSERT_TRUE(c->Valid()) << "seek " << target;
    EXPECT_EQ(c->id(), *expected) << "seek " << target;
    c->Next();
    if (++expected == model.end()) {
      EXPECT_FALSE(c->Valid());
      break;
    }
    ASSERT_TRUE(c->Valid());
    EXPECT_EQ(c->id(), *expected);
    target = std::max(target, std::stoi(std::string(c->id())));
  }
}

}  // namespace passerelle::store
