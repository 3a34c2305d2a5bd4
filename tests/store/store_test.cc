#include "store/store.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "store/change_chain.h"
#include "tests/support/test_node.h"

namespace passerelle::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::string_view kPartner = "les-canaux";
constexpr absl::string_view kStructure = "structure";
constexpr absl::string_view kBuyer = "buyer";

using Ids = std::vector<std::string>;

Ids Drain(PostingCursor& cursor) {
  Ids out;
  for (; cursor.Valid(); cursor.Next()) out.emplace_back(cursor.id());
  return out;
}

Ids PostingsOf(const Store& store, absl::string_view kind, absl::string_view term) {
  return Drain(*store.Read()->Postings(kind, term));
}

std::optional<std::string> RecordOf(const Store& store, absl::string_view kind,
                                    absl::string_view id) {
  auto record = store.Read()->Get(kind, id);
  EXPECT_TRUE(record.ok()) << record.status();
  return record.ok() ? *record : std::nullopt;
}

std::vector<v1::Change> ChangesOf(const Store& store, absl::string_view origin = kPartner,
                                  uint64_t after = 0, size_t limit = 1000) {
  auto changes = store.Read()->Changes(origin, after, limit);
  EXPECT_TRUE(changes.ok()) << changes.status();
  return changes.ok() ? *changes : std::vector<v1::Change>{};
}

std::vector<uint64_t> SequencesOf(const std::vector<v1::Change>& changes) {
  std::vector<uint64_t> out;
  for (const v1::Change& c : changes) out.push_back(c.version().origin_sequence());
  return out;
}

// Writes `value` (nullopt deletes) with the given term changes, whatever the record held before.
absl::StatusOr<v1::Version> Put(Store& store, absl::string_view kind, absl::string_view id,
                                std::optional<std::string> value, Ids add_terms = {},
                                Ids remove_terms = {}) {
  return store.Write(kind, id, [&](const std::optional<std::string>&, const v1::Version&) {
    return absl::StatusOr<RecordWrite>(RecordWrite{value, remove_terms, add_terms});
  });
}

// A change as another node would have committed it: hashed and chained after `previous_chain_hash`.
v1::Change RemoteChange(absl::string_view origin, uint64_t sequence, uint64_t hlc_time,
                        const std::string& previous_chain_hash, absl::string_view id,
                        absl::string_view record) {
  v1::Change change;
  change.set_kind(std::string(kStructure));
  change.set_record_id(std::string(id));
  change.mutable_version()->set_origin_partner(std::string(origin));
  change.mutable_version()->set_origin_sequence(sequence);
  change.mutable_version()->set_hlc_time(hlc_time);
  change.set_record(std::string(record));
  change.set_content_hash(ContentHash(change));
  change.set_chain_hash(ChainHash(previous_chain_hash, change.content_hash()));
  return change;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  // Closes the store (if open) and opens it again on the same directory, as after a restart.
  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_.path() + "/db";
    options.partner_id = std::string(kPartner);
    options.kinds = {std::string(kStructure), std::string(kBuyer)};
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    auto opened = Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
  }

  Store& store() { return *store_; }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, WriteCommitsRecordPostingsAndChangeTogether) {
  auto version = Put(store(), kStructure, "73282932000074", "bytes-1", {"dept:93", "theme:1"});
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(version->origin_partner(), kPartner);
  EXPECT_EQ(version->origin_sequence(), 1u);
  EXPECT_GT(version->hlc_time(), 0u);

  EXPECT_EQ(RecordOf(store(), kStructure, "73282932000074"), "bytes-1");
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("73282932000074"));
  EXPECT_THAT(PostingsOf(store(), kStructure, "theme:1"), ElementsAre("73282932000074"));
  EXPECT_THAT(store().Read()->TermsWithPrefix(kStructure, "", 10),
              ElementsAre("dept:93", "theme:1"));

  std::vector<v1::Change> changes = ChangesOf(store());
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].kind(), kStructure);
  EXPECT_EQ(changes[0].record_id(), "73282932000074");
  EXPECT_EQ(changes[0].record(), "bytes-1");
  EXPECT_FALSE(changes[0].deleted());
  EXPECT_EQ(changes[0].version().SerializeAsString(), version->SerializeAsString());
  EXPECT_EQ(store().last_sequence(), 1u);
  EXPECT_EQ(store().vector().sequences().at(std::string(kPartner)), 1u);
}

TEST_F(StoreTest, RecordsOfOneKindAreInvisibleToAnother) {
  ASSERT_TRUE(Put(store(), kStructure, "same-id", "structure", {"dept:93"}).ok());
  EXPECT_EQ(RecordOf(store(), kBuyer, "same-id"), std::nullopt);
  EXPECT_THAT(PostingsOf(store(), kBuyer, "dept:93"), IsEmpty());
}

TEST_F(StoreTest, DecisionSeesTheCurrentBytesAndTheVersionItWillGet) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "old").ok());
  std::optional<std::string> seen;
  uint64_t offered_sequence = 0;
  auto version = store().Write(kStructure, "a",
                               [&](const std::optional<std::string>& current,
                                   const v1::Version& v) -> absl::StatusOr<RecordWrite> {
                                 seen = current;
                                 offered_sequence = v.origin_sequence();
                                 return RecordWrite{"new", {}, {}};
                               });
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(seen, "old");
  EXPECT_EQ(offered_sequence, 2u);
  EXPECT_EQ(version->origin_sequence(), 2u);
}

TEST_F(StoreTest, ADecisionReturningAnErrorWritesNothing) {
  ASSERT_TRUE(Put(store(), kStructure, "first", "kept", {"dept:93"}).ok());
  const uint64_t commits = store().commit_count();

  auto refused = store().Write(
      kStructure, "second",
      [](const std::optional<std::string>&, const v1::Version&) -> absl::StatusOr<RecordWrite> {
        return absl::FailedPreconditionError("refused");
      });
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);

  EXPECT_EQ(RecordOf(store(), kStructure, "second"), std::nullopt);
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("first"));
  EXPECT_THAT(SequencesOf(ChangesOf(store())), ElementsAre(1u));
  EXPECT_EQ(store().last_sequence(), 1u);
  EXPECT_EQ(store().commit_count(), commits);
  // The refused write did not use up a sequence number.
  auto next = Put(store(), kStructure, "third", "x");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->origin_sequence(), 2u);
}

TEST_F(StoreTest, WriteToAnUnknownKindOrAnEmptyIdIsRefused) {
  EXPECT_EQ(Put(store(), "tender", "t1", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Put(store(), kStructure, "", "x").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().last_sequence(), 0u);
  EXPECT_THAT(ChangesOf(store()), IsEmpty());
}

TEST_F(StoreTest, WriteEachCommitsTheItemsThatSucceedAndNothingOfTheOthers) {
  const Ids ids = {"a", "b", "c"};
  auto results = store().WriteEach(kStructure, ids,
                                   [&](size_t item, const std::optional<std::string>&,
                                       const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                     if (ids[item] == "b")
                                       return absl::InvalidArgumentError("b is bad");
                                     return RecordWrite{absl::StrCat("value-", ids[item]),
                                                        {},
                                                        {"all", absl::StrCat("own:", ids[item])}};
                                   });
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 3u);
  ASSERT_TRUE((*results)[0].ok());
  EXPECT_EQ((*results)[0]->origin_sequence(), 1u);
  EXPECT_EQ((*results)[1].status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE((*results)[2].ok());
  EXPECT_EQ((*results)[2]->origin_sequence(), 2u);

  EXPECT_EQ(RecordOf(store(), kStructure, "a"), "value-a");
  EXPECT_EQ(RecordOf(store(), kStructure, "b"), std::nullopt);
  EXPECT_EQ(RecordOf(store(), kStructure, "c"), "value-c");
  EXPECT_THAT(PostingsOf(store(), kStructure, "all"), ElementsAre("a", "c"));
  EXPECT_THAT(PostingsOf(store(), kStructure, "own:b"), IsEmpty());
  EXPECT_THAT(store().Read()->TermsWithPrefix(kStructure, "own:", 10),
              ElementsAre("own:a", "own:c"));

  std::vector<v1::Change> changes = ChangesOf(store());
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].record_id(), "a");
  EXPECT_EQ(changes[1].record_id(), "c");
  EXPECT_THAT(SequencesOf(changes), ElementsAre(1u, 2u));
  EXPECT_EQ(store().last_sequence(), 2u);
}

TEST_F(StoreTest, WriteEachWhereEveryItemFailsCommitsNothing) {
  const uint64_t commits = store().commit_count();
  auto results = store().WriteEach(kStructure, {"a", "b"},
                                   [](size_t, const std::optional<std::string>&,
                                      const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                     return absl::AlreadyExistsError("no");
                                   });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ((*results)[0].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*results)[1].status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store().commit_count(), commits);
  EXPECT_EQ(store().last_sequence(), 0u);
}

TEST_F(StoreTest, WriteEachRepeatedIdSeesTheEarlierItemsBytes) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "stored").ok());
  std::vector<std::optional<std::string>> seen;
  auto results = store().WriteEach(
      kStructure, {"a", "a", "a"},
      [&](size_t item, const std::optional<std::string>& current,
          const v1::Version&) -> absl::StatusOr<RecordWrite> {
        seen.push_back(current);
        if (item == 1) return RecordWrite{std::nullopt, {}, {}};  // delete in the middle
        return RecordWrite{absl::StrCat(current.value_or("none"), "+", item), {}, {}};
      });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_THAT(seen, ElementsAre(std::optional<std::string>("stored"),
                                std::optional<std::string>("stored+0"), std::nullopt));
  EXPECT_EQ(RecordOf(store(), kStructure, "a"), "none+2");
  std::vector<v1::Change> changes = ChangesOf(store());
  EXPECT_THAT(SequencesOf(changes), ElementsAre(1u, 2u, 3u, 4u));
  EXPECT_TRUE(changes[2].deleted());
}

TEST_F(StoreTest, UpdateThatRemovesATermRemovesItsPosting) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "v1", {"dept:93", "theme:1"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "v1", {"dept:93"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "a", "v2", {"dept:75"}, {"dept:93"}).ok());

  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("b"));
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:75"), ElementsAre("a"));
  EXPECT_THAT(PostingsOf(store(), kStructure, "theme:1"), ElementsAre("a"));
  EXPECT_EQ(RecordOf(store(), kStructure, "a"), "v2");
}

TEST_F(StoreTest, DeleteRemovesRecordAndPostingsAndLogsADeletedChange) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "v1", {"dept:93", "theme:1"}).ok());
  auto deleted = Put(store(), kStructure, "a", std::nullopt, {}, {"dept:93", "theme:1"});
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->origin_sequence(), 2u);

  EXPECT_EQ(RecordOf(store(), kStructure, "a"), std::nullopt);
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), IsEmpty());
  EXPECT_THAT(PostingsOf(store(), kStructure, "theme:1"), IsEmpty());
  auto scanned = store().Read()->Scan(kStructure, "", 10);
  ASSERT_TRUE(scanned.ok());
  EXPECT_THAT(*scanned, IsEmpty());

  std::vector<v1::Change> changes = ChangesOf(store());
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[1].deleted());
  EXPECT_EQ(changes[1].record_id(), "a");
  EXPECT_TRUE(changes[1].record().empty());
}

TEST_F(StoreTest, ReadViewIsASnapshotThatLaterWritesDoNotReach) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "v1", {"dept:93"}).ok());
  std::unique_ptr<ReadView> before = store().Read();

  ASSERT_TRUE(Put(store(), kStructure, "a", "v2", {"dept:75"}, {"dept:93"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "v1", {"dept:93"}).ok());

  auto a = before->Get(kStructure, "a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "v1");
  auto b = before->Get(kStructure, "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, std::nullopt);
  EXPECT_THAT(Drain(*before->Postings(kStructure, "dept:93")), ElementsAre("a"));
  EXPECT_THAT(Drain(*before->Postings(kStructure, "dept:75")), IsEmpty());
  EXPECT_THAT(before->TermsWithPrefix(kStructure, "dept:", 10), ElementsAre("dept:93"));
  auto scanned = before->Scan(kStructure, "", 10);
  ASSERT_TRUE(scanned.ok());
  EXPECT_EQ(scanned->size(), 1u);
  auto changes = before->Changes(kPartner, 0, 10);
  ASSERT_TRUE(changes.ok());
  EXPECT_THAT(SequencesOf(*changes), ElementsAre(1u));

  // A view taken now sees everything.
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("b"));
  EXPECT_THAT(SequencesOf(ChangesOf(store())), ElementsAre(1u, 2u, 3u));
}

TEST_F(StoreTest, LastSequenceIsTheNewestChangeOfAnOriginAsTheViewSawIt) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "v1").ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "v1").ok());
  std::unique_ptr<ReadView> before = store().Read();
  ASSERT_TRUE(Put(store(), kStructure, "a", "v2").ok());

  EXPECT_EQ(before->LastSequence(kPartner).value_or(99), 2u);
  EXPECT_EQ(store().Read()->LastSequence(kPartner).value_or(99), 3u);
  // An origin this node never heard from, and one whose id is a prefix of another's.
  EXPECT_EQ(store().Read()->LastSequence("yunus-centre").value_or(99), 0u);
  EXPECT_EQ(store().Read()->LastSequence("les-canau").value_or(99), 0u);
}

TEST_F(StoreTest, GetEachVisitsTheRecordsThatExistInTheGivenOrderAsTheViewSawThem) {
  // More ids than one batch reads, some absent, in no particular order.
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    std::string id = absl::StrFormat("id-%03d", (i * 37) % 150);
    if (i % 3 != 0) {
      ASSERT_TRUE(Put(store(), kStructure, id, "old-" + id, {}).ok());
    }
    ids.push_back(std::move(id));
  }
  std::unique_ptr<ReadView> view = store().Read();
  ASSERT_TRUE(Put(store(), kStructure, ids[1], "new", {}).ok());   // after the view: unseen
  ASSERT_TRUE(Put(store(), kStructure, ids[0], "late", {}).ok());  // absent in the view

  std::vector<std::pair<size_t, std::string>> visited;
  absl::Status s = view->GetEach(kStructure, ids, [&](size_t index, absl::string_view record) {
    visited.emplace_back(index, std::string(record));
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  std::vector<std::pair<size_t, std::string>> expected;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i % 3 != 0) expected.emplace_back(i, "old-" + ids[i]);
  }
  EXPECT_EQ(visited, expected);

  // A visit's error stops the walk and is returned.
  int visits = 0;
  absl::Status stopped = view->GetEach(kStructure, ids, [&](size_t, absl::string_view) {
    return ++visits == 2 ? absl::DataLossError("unreadable") : absl::OkStatus();
  });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(
      view->GetEach("nope", ids, [](size_t, absl::string_view) { return absl::OkStatus(); }).code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ScanPagesInIdOrderAfterTheGivenId) {
  for (const char* id : {"03", "01", "05", "02", "04"}) {
    ASSERT_TRUE(Put(store(), kStructure, id, absl::StrCat("v", id)).ok());
  }
  ASSERT_TRUE(Put(store(), kBuyer, "00", "a buyer").ok());
  auto view = store().Read();
  auto ids = [&](absl::string_view after, size_t limit) {
    auto rows = view->Scan(kStructure, after, limit);
    EXPECT_TRUE(rows.ok()) << rows.status();
    Ids out;
    for (const auto& [id, value] : *rows) {
      EXPECT_EQ(value, absl::StrCat("v", id));
      out.push_back(id);
    }
    return out;
  };
  EXPECT_THAT(ids("", 2), ElementsAre("01", "02"));
  EXPECT_THAT(ids("02", 2), ElementsAre("03", "04"));
  EXPECT_THAT(ids("04", 2), ElementsAre("05"));
  EXPECT_THAT(ids("05", 2), IsEmpty());
  // `after` need not be a stored id.
  EXPECT_THAT(ids("025", 10), ElementsAre("03", "04", "05"));
  EXPECT_EQ(view->Scan("tender", "", 10).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, TermsWithPrefixListsTheKindsTermsInOrderUpToTheLimit) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "x", {"word:economie", "word:emploi", "dept:93"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "x", {"word:ecole", "word:eco"}).ok());
  ASSERT_TRUE(Put(store(), kBuyer, "c", "x", {"word:ecologie"}).ok());
  auto view = store().Read();

  EXPECT_THAT(view->TermsWithPrefix(kStructure, "word:eco", 10),
              ElementsAre("word:eco", "word:ecole", "word:economie"));
  EXPECT_THAT(view->TermsWithPrefix(kStructure, "word:eco", 2),
              ElementsAre("word:eco", "word:ecole"));
  EXPECT_THAT(view->TermsWithPrefix(kStructure, "word:", 10),
              ElementsAre("word:eco", "word:ecole", "word:economie", "word:emploi"));
  EXPECT_THAT(view->TermsWithPrefix(kStructure, "word:x", 10), IsEmpty());
  EXPECT_THAT(view->TermsWithPrefix(kBuyer, "word:eco", 10), ElementsAre("word:ecologie"));
}

TEST_F(StoreTest, TermsWithPrefixLeavesOutTermsWhoseEveryRecordLeft) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "x", {"word:eco", "word:ecole"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "x", {"word:ecole"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "a", std::nullopt, {}, {"word:eco", "word:ecole"}).ok());
  EXPECT_THAT(store().Read()->TermsWithPrefix(kStructure, "word:", 10), ElementsAre("word:ecole"));
}

TEST_F(StoreTest, WriteEachThatWritesAnIdTwiceLeavesTheTermsOfItsLastWrite) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "stored", {"dept:93"}).ok());
  auto results = store().WriteEach(kStructure, {"a", "b", "a"},
                                   [](size_t item, const std::optional<std::string>&,
                                      const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                     if (item == 0)
                                       return RecordWrite{"moved", {"dept:93"}, {"dept:75"}};
                                     if (item == 1) return RecordWrite{"b", {}, {"dept:75"}};
                                     return RecordWrite{"back", {"dept:75"}, {"dept:93"}};
                                   });
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("a"));
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:75"), ElementsAre("b"));
}

TEST_F(StoreTest, PostingListsEditedByManyCommitsSurviveReopening) {
  // Enough commits for the 1 MiB write buffer to flush several times, so lists are folded from
  // files, the memtable and the write-ahead log.
  Ids expected;
  for (int i = 0; i < 2000; ++i) {
    std::string id = absl::StrFormat("%05d", i);
    const bool stays = i % 4 != 0;
    ASSERT_TRUE(Put(store(), kStructure, id, std::string(600, 'x'), {"all", "dept:93"}).ok());
    if (stays) {
      expected.push_back(id);
    } else {
      ASSERT_TRUE(Put(store(), kStructure, id, std::nullopt, {}, {"all", "dept:93"}).ok());
    }
  }
  EXPECT_EQ(PostingsOf(store(), kStructure, "dept:93"), expected);
  Reopen();
  EXPECT_EQ(PostingsOf(store(), kStructure, "dept:93"), expected);
  EXPECT_EQ(PostingsOf(store(), kStructure, "all"), expected);
}

TEST_F(StoreTest, AStoreKeepingOnePostingPerKeyIsRefusedRatherThanMisread) {
  store_.reset();
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.path() + "/old", &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* index = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "index", &index).ok());
    db->DestroyColumnFamilyHandle(index);
  }
  StoreOptions options;
  options.path = dir_.path() + "/old";
  options.partner_id = std::string(kPartner);
  options.kinds = {std::string(kStructure)};
  auto opened = Store::Open(options);
  EXPECT_EQ(opened.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, PostingsCursorSeeksForwardAndNeverBack) {
  for (const char* id : {"10", "20", "30"})
    ASSERT_TRUE(Put(store(), kStructure, id, "x", {"all"}).ok());
  auto view = store().Read();
  auto c = view->Postings(kStructure, "all");
  c->Seek("15");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "20");
  c->Seek("10");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "20");
  c->Seek("31");
  EXPECT_FALSE(c->Valid());
  // Once past the end, it stays there.
  c->Seek("10");
  EXPECT_FALSE(c->Valid());

  auto drained = view->Postings(kStructure, "all");
  EXPECT_THAT(Drain(*drained), ElementsAre("10", "20", "30"));
  drained->Seek("20");
  EXPECT_FALSE(drained->Valid());
}

TEST_F(StoreTest, ChangesListsAnOriginsEntriesInSequenceOrderAfterAndUpToLimit) {
  // Enough writes for sequences to cross a byte boundary (255 -> 256).
  Ids ids;
  for (int i = 1; i <= 300; ++i) ids.push_back(absl::StrFormat("id%03d", i));
  auto results = store().WriteEach(kStructure, ids,
                                   [](size_t, const std::optional<std::string>&,
                                      const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                     return RecordWrite{"x", {}, {}};
                                   });
  ASSERT_TRUE(results.ok());

  EXPECT_THAT(SequencesOf(ChangesOf(store(), kPartner, 0, 3)), ElementsAre(1u, 2u, 3u));
  EXPECT_THAT(SequencesOf(ChangesOf(store(), kPartner, 253, 5)),
              ElementsAre(254u, 255u, 256u, 257u, 258u));
  EXPECT_THAT(SequencesOf(ChangesOf(store(), kPartner, 298, 10)), ElementsAre(299u, 300u));
  EXPECT_THAT(ChangesOf(store(), kPartner, 300, 10), IsEmpty());
  EXPECT_THAT(ChangesOf(store(), kPartner, UINT64_MAX, 10),
              IsEmpty());  // nothing is beyond the last sequence
  std::vector<v1::Change> all = ChangesOf(store());
  ASSERT_EQ(all.size(), 300u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version().origin_sequence(), i + 1);
    EXPECT_EQ(all[i].record_id(), ids[i]);
  }
  // Another origin's log (or one whose id merely starts the same) is separate.
  EXPECT_THAT(ChangesOf(store(), "paris-2024"), IsEmpty());
  EXPECT_THAT(ChangesOf(store(), "les-canau"), IsEmpty());
}

TEST_F(StoreTest, ChangesOfARemoteOriginAreLoggedUnderThatOrigin) {
  auto first = RemoteChange("paris-2024", 1, 1, GenesisChainHash(), "r1", "remote-1");
  auto second = RemoteChange("paris-2024", 2, 2, first.chain_hash(), "r2", "remote-2");
  auto applied = store().Apply(
      {first, second}, /*require_signatures=*/false,
      [](absl::string_view, absl::string_view, absl::string_view) { return absl::OkStatus(); },
      [](const v1::Change&, const std::optional<std::string>&) -> absl::StatusOr<RecordWrite> {
        return RecordWrite{};
      });
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_TRUE(Put(store(), kStructure, "local", "x").ok());

  EXPECT_THAT(SequencesOf(ChangesOf(store(), "paris-2024")), ElementsAre(1u, 2u));
  EXPECT_THAT(SequencesOf(ChangesOf(store(), "paris-2024", 1, 10)), ElementsAre(2u));
  EXPECT_THAT(SequencesOf(ChangesOf(store())), ElementsAre(1u));
  EXPECT_EQ(RecordOf(store(), kStructure, "r2"), "remote-2");
}

TEST_F(StoreTest, ReopeningKeepsRecordsAndResumesTheSequence) {
  ASSERT_TRUE(Put(store(), kStructure, "a", "v1", {"dept:93"}).ok());
  ASSERT_TRUE(Put(store(), kStructure, "b", "v1", {"dept:93"}).ok());
  auto last = Put(store(), kStructure, "a", "v2");
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->origin_sequence(), 3u);

  Reopen();
  EXPECT_EQ(store().last_sequence(), 3u);
  EXPECT_EQ(RecordOf(store(), kStructure, "a"), "v2");
  EXPECT_THAT(PostingsOf(store(), kStructure, "dept:93"), ElementsAre("a", "b"));

  auto next = Put(store(), kStructure, "c", "v1");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->origin_sequence(), 4u);
  EXPECT_GT(next->hlc_time(), last->hlc_time());
  std::vector<v1::Change> changes = ChangesOf(store());
  EXPECT_THAT(SequencesOf(changes), ElementsAre(1u, 2u, 3u, 4u));
  // The chain continues across the restart rather than starting again from the genesis hash.
  EXPECT_EQ(changes[3].chain_hash(), ChainHash(changes[2].chain_hash(), changes[3].content_hash()));
}

TEST_F(StoreTest, ReopeningNeverMovesTheClockBehindATimeAlreadyLogged) {
  // A peer whose clock runs an hour ahead: after a restart, local writes must still be ordered
  // after it.
  const uint64_t ahead = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()) + 3'600'000) << 16;
  auto change = RemoteChange("paris-2024", 1, ahead, GenesisChainHash(), "r1", "remote");
  auto applied = store().Apply(
      {change}, /*require_signatures=*/false,
      [](absl::string_view, absl::string_view, absl::string_view) { return absl::OkStatus(); },
      [](const v1::Change&, const std::optional<std::string>&) -> absl::StatusOr<RecordWrite> {
        return RecordWrite{};
      });
  ASSERT_TRUE(applied.ok()) << applied.status();

  Reopen();
  EXPECT_EQ(store().vector().sequences().at("paris-2024"), 1u);
  auto local = Put(store(), kStructure, "a", "v1");
  ASSERT_TRUE(local.ok()) << local.status();
  EXPECT_GT(local->hlc_time(), ahead);
}

TEST_F(StoreTest, ConcurrentWritersGetDistinctConsecutiveSequences) {
  constexpr int kThreads = 4;
  constexpr int kWritesEach = 50;
  std::vector<std::vector<uint64_t>> sequences(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &out = sequences[t]] {
      for (int i = 0; i < kWritesEach; ++i) {
        auto v = Put(store(), kStructure, absl::StrCat("t", t, "-", i), "x", {"all"});
        if (v.ok()) out.push_back(v->origin_sequence());
      }
    });
  }
  for (auto& thread : threads) thread.join();

  std::vector<uint64_t> all;
  for (const auto& s : sequences) {
    EXPECT_EQ(s.size(), size_t{kWritesEach});
    EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
    all.insert(all.end(), s.begin(), s.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<uint64_t> expected(kThreads * kWritesEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(all, expected);
  EXPECT_EQ(store().last_sequence(), expected.size());
  EXPECT_EQ(PostingsOf(store(), kStructure, "all").size(), expected.size());

  // The log holds every write once, in sequence order, its hash chain unbroken.
  std::vector<v1::Change> changes = ChangesOf(store());
  EXPECT_EQ(SequencesOf(changes), expected);
  std::string previous = GenesisChainHash();
  for (const v1::Change& c : changes) {
    EXPECT_EQ(c.chain_hash(), ChainHash(previous, c.content_hash()));
    previous = c.chain_hash();
  }
}

TEST_F(StoreTest, ConcurrentWritesWhoseDecisionFailsWriteNothingAndLeaveTheOthersCommitted) {
  constexpr int kThreads = 4;
  constexpr int kWritesEach = 50;
  std::vector<int> refused(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &refused = refused[t]] {
      for (int i = 0; i < kWritesEach; ++i) {
        const std::string id = absl::StrCat("t", t, "-", i);
        auto v = store().Write(kStructure, id,
                               [&](const std::optional<std::string>&,
                                   const v1::Version&) -> absl::StatusOr<RecordWrite> {
                                 if (i % 2 == 1) return absl::AlreadyExistsError(id);
                                 return RecordWrite{"x", {}, {"all", absl::StrCat("own:", id)}};
                               });
        if (v.status().code() == absl::StatusCode::kAlreadyExists) ++refused;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  Ids expected;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(refused[t], kWritesEach / 2);
    for (int i = 0; i < kWritesEach; i += 2) expected.push_back(absl::StrCat("t", t, "-", i));
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(PostingsOf(store(), kStructure, "all"), expected);
  EXPECT_THAT(PostingsOf(store(), kStructure, "own:t0-1"), IsEmpty());
  EXPECT_EQ(RecordOf(store(), kStructure, "t0-1"), std::nullopt);
  EXPECT_EQ(store().last_sequence(), expected.size());
  EXPECT_EQ(ChangesOf(store()).size(), expected.size());
}

}  // namespace
}  // namespace passerelle::store
