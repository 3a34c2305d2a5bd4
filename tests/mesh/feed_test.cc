// The change feed over a real store: what a node relays of changes that reached it redacted, and of
// origins the peer hears directly; the link board that tells a puller which those are; and the lag
// a puller reports, which leaves those origins out.

#include "mesh/feed.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mesh/link_board.h"
#include "mesh/puller.h"
#include "store/change_chain.h"
#include "tests/support/test_node.h"

namespace passerelle::mesh {
namespace {

// Change `sequence` of origin solideo, chained after `previous`.
v1::Change FromSolideo(uint64_t sequence, const std::string& previous, const std::string& kind,
                       bool redacted) {
  v1::Change c;
  c.set_kind(kind);
  c.set_record_id("r" + std::to_string(sequence));
  c.mutable_version()->set_origin_partner("solideo");
  c.mutable_version()->set_origin_sequence(sequence);
  c.mutable_version()->set_hlc_time(sequence);
  c.set_record("whole");
  c.set_content_hash(store::ContentHash(c));
  c.set_chain_hash(store::ChainHash(previous, c.content_hash()));
  if (redacted) {  // as the origin's feed sends it to a REDACTED peer
    c.set_record("redacted");
    c.set_redacted(true);
  }
  return c;
}

// A policy under which yunus-centre receives declarations redacted, as the fixture's first change
// is.
v1::AccessPolicy DeclarationsRedactedForYunus() {
  v1::AccessPolicy rules;
  v1::SharingRule* rule = rules.add_sharing();
  rule->set_kind("declaration");
  rule->set_peer("yunus-centre");
  rule->set_sharing(v1::SHARING_REDACTED);
  return rules;
}

class FeedTest : public ::testing::Test {
 protected:
  FeedTest() {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.partner_id = "les-canaux";
    options.kinds = {"declaration", "structure"};
    store_ = *store::Store::Open(options);
    v1::Change first = FromSolideo(1, store::GenesisChainHash(), "declaration", true);
    v1::Change second = FromSolideo(2, first.chain_hash(), "structure", false);
    auto applied = store_->Apply(
        {first, second}, /*require_signatures=*/false,
        [](absl::string_view, absl::string_view, absl::string_view) { return absl::OkStatus(); },
        [](const v1::Change&, const std::optional<std::string>&)
            -> absl::StatusOr<store::RecordWrite> { return store::RecordWrite{}; });
    EXPECT_TRUE(applied.ok()) << applied.status();
  }

  std::vector<v1::Change> FeedFor(const v1::AccessPolicy& rules,
                                  absl::flat_hash_set<std::string> skip = {}) {
    Policy policy(rules);
    ChangeFeed feed(&kinds_, &policy, "yunus-centre", v1::VersionVector(), std::move(skip));
    auto next = feed.Next(*store_->Read(), store_->vector(), 100, kPullMessageBytes);
    EXPECT_TRUE(next.ok()) << next.status();
    return next.ok() ? *next : std::vector<v1::Change>{};
  }

  passerelle::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  store::RecordKinds kinds_;
};

TEST_F(FeedTest, ARedactedCopyIsNotRelayedToAPeerEntitledToTheWholeChange) {
  // Nor what follows it from that origin: the peer takes those from a node holding them whole.
  EXPECT_TRUE(FeedFor(v1::AccessPolicy()).empty());
}

TEST_F(FeedTest, ARedactedCopyIsRelayedToAPeerUnderTheSameRedaction) {
  const v1::AccessPolicy rules = DeclarationsRedactedForYunus();
  std::vector<v1::Change> sent = FeedFor(rules);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[0].redacted());
  EXPECT_EQ(sent[1].record(), "whole");
}

TEST_F(FeedTest, ABatchEndsOnceItHoldsTheByteBudgetYetAlwaysCarriesAChange) {
  const v1::AccessPolicy rules = DeclarationsRedactedForYunus();
  Policy policy(rules);
  ChangeFeed feed(&kinds_, &policy, "yunus-centre", v1::VersionVector());
  std::vector<uint64_t> batches;  // the sequences each batch starts with, one batch per call
  for (int call = 0; call < 3; ++call) {
    auto next = feed.Next(*store_->Read(), store_->vector(), 100, /*max_bytes=*/1);
    ASSERT_TRUE(next.ok()) << next.status();
    if (next->empty()) break;
    EXPECT_EQ(next->size(), 1u);
    batches.push_back(next->front().version().origin_sequence());
  }
  EXPECT_THAT(batches, ::testing::ElementsAre(1, 2));
}

TEST_F(FeedTest, AnOriginThePeerHearsDirectlyIsNotRelayed) {
  const v1::AccessPolicy rules = DeclarationsRedactedForYunus();
  EXPECT_THAT(FeedFor(rules, {"solideo"}), ::testing::IsEmpty());
  EXPECT_THAT(FeedFor(rules, {"paris-2024"}), ::testing::SizeIs(2));
}

TEST(LinkBoardTest, AStreamSkipsTheOtherLinksUpAndIsToldWhenTheyChange) {
  LinkBoard links;
  int solideo_told = 0, paris_told = 0;
  links.Listen("solideo", [&] { ++solideo_told; });
  links.Listen("paris-2024", [&] { ++paris_told; });
  links.SetUp("paris-2024", true);
  links.SetUp("yunus-centre", true);
  EXPECT_THAT(links.SkippableFor("solideo"), ::testing::ElementsAre("paris-2024", "yunus-centre"));
  EXPECT_THAT(links.SkippableFor("paris-2024"), ::testing::ElementsAre("yunus-centre"));
  // Its own link changing leaves a stream as it is; a link up again, or down again, tells no one.
  EXPECT_EQ(paris_told, 1);
  EXPECT_EQ(solideo_told, 2);
  links.SetUp("yunus-centre", true);
  links.SetUp("yunus-centre", false);
  EXPECT_EQ(solideo_told, 3);
  EXPECT_THAT(links.SkippableFor("solideo"), ::testing::ElementsAre("paris-2024"));
  links.Unlisten("solideo");
  links.SetUp("paris-2024", false);
  EXPECT_EQ(solideo_told, 3);
  EXPECT_THAT(links.SkippableFor("solideo"), ::testing::IsEmpty());
}

TEST(ChangesBehindTest, AnOriginTheStreamSkipsIsNotLag) {
  // This peer holds 880 changes of les-canaux that the node lacks, but the node takes les-canaux
  // from les-canaux itself: the stream to this peer will never bring them, nor tell when they
  // arrived, and mesh status showed the link 880 changes and minutes behind on an idle, converged
  // mesh.
  v1::VersionVector server, local;
  (*server.mutable_sequences())["les-canaux"] = 12000;
  (*server.mutable_sequences())["paris-2024"] = 4314;
  (*local.mutable_sequences())["les-canaux"] = 11120;
  (*local.mutable_sequences())["paris-2024"] = 4300;
  google::protobuf::RepeatedPtrField<std::string> skipped;
  EXPECT_EQ(ChangesBehind(server, local, skipped), 894u);
  *skipped.Add() = "les-canaux";
  EXPECT_EQ(ChangesBehind(server, local, skipped), 14u);
  (*local.mutable_sequences())["paris-2024"] = 4314;
  EXPECT_EQ(ChangesBehind(server, local, skipped), 0u);
}

}  // namespace
}  // namespace passerelle::mesh
