// How a node decides to start (ready, or taking its own changes back), and how a recovery ends.

#include "mesh/recovery.h"

#include <memory>
#include <optional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store.h"
#include "tests/support/test_node.h"

namespace passerelle::mesh {
namespace {

using store::OwnOrigin;
using ::testing::HasSubstr;

StartFacts Facts(OwnOrigin marker, uint64_t own_head, bool has_peers = true) {
  StartFacts facts;
  facts.marker = marker;
  facts.own_head = own_head;
  facts.has_peers = has_peers;
  return facts;
}

bool Recovering(const StartFacts& facts) {
  absl::StatusOr<StartState> state = DecideStart(facts);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() && state->recovering;
}

TEST(DecideStartTest, AStoreWithItsOwnChangesOpenedCleanlyIsReady) {
  EXPECT_FALSE(Recovering(Facts(OwnOrigin::kReady, 743)));
  // A store from before the marker: its own changes have been its own all along.
  EXPECT_FALSE(Recovering(Facts(OwnOrigin::kUnknown, 743)));
}

TEST(DecideStartTest, AnEmptyStoreWithPeersRecoversUnlessItIsANewPartner) {
  EXPECT_TRUE(Recovering(Facts(OwnOrigin::kUnknown, 0)));
  StartFacts fresh = Facts(OwnOrigin::kUnknown, 0);
  fresh.new_partner = true;
  EXPECT_FALSE(Recovering(fresh));
}

TEST(DecideStartTest, ANewPartnerWhoWroteNothingYetStaysReadyOnRestart) {
  EXPECT_FALSE(Recovering(Facts(OwnOrigin::kReady, 0)));
}

TEST(DecideStartTest, NewPartnerIsRefusedOnAStoreWithAPast) {
  for (const StartFacts& facts : {Facts(OwnOrigin::kReady, 0), Facts(OwnOrigin::kUnknown, 12),
                                  Facts(OwnOrigin::kRecovering, 3)}) {
    StartFacts with_flag = facts;
    with_flag.new_partner = true;
    absl::StatusOr<StartState> state = DecideStart(with_flag);
    EXPECT_EQ(state.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(state.status().message(), HasSubstr("--new_partner"));
  }
}

TEST(DecideStartTest, ALogOpenedPastItsDamageRecoversAndSoDoesAnInterruptedRecovery) {
  StartFacts damaged = Facts(OwnOrigin::kReady, 593);
  damaged.opened_damaged_wal = true;
  EXPECT_TRUE(Recovering(damaged));
  EXPECT_TRUE(Recovering(Facts(OwnOrigin::kRecovering, 600)));
}

TEST(DecideStartTest, ANodeWithoutPeersIsReadyWhateverItsStore) {
  EXPECT_FALSE(Recovering(Facts(OwnOrigin::kUnknown, 0, /*has_peers=*/false)));
  StartFacts damaged = Facts(OwnOrigin::kReady, 5, /*has_peers=*/false);
  damaged.opened_damaged_wal = true;
  absl::StatusOr<StartState> state = DecideStart(damaged);
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->recovering);
  EXPECT_THAT(state->why, HasSubstr("gone"));
}

TEST(RecoveryProgressTest, CompleteOnlyOnceEveryPeerAnsweredAndTheStoreHoldsTheHighest) {
  RecoveryProgress progress{3, {{"solideo", 743}, {"paris-2024", 740}}, 743};
  EXPECT_FALSE(progress.complete());
  EXPECT_EQ(progress.ToString(), "(2 of 3 peers answered, holding 743 of 743)");
  progress.held["yunus-centre"] = 0;
  EXPECT_TRUE(progress.complete());
  progress.holding = 742;
  EXPECT_FALSE(progress.complete());
}

class OwnOriginRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.path() + "/store";
    options.partner_id = "les-canaux";
    options.kinds = {"structure"};
    auto opened = store::Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(Write().ok());
  }

  absl::StatusOr<v1::Version> Write() {
    return store_->Write(
        "structure", absl::StrCat("s", ++written_),
        [](const std::optional<std::string>&, const v1::Version&) {
          return absl::StatusOr<store::RecordWrite>(store::RecordWrite{std::string("x"), {}, {}});
        });
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  int written_ = 0;
};

TEST_F(OwnOriginRecoveryTest, WritesAreRefusedSayingHowFarUntilEveryPeerAnswered) {
  OwnOriginRecovery recovery(store_.get(), {"paris-2024", "solideo"});
  int changes = 0;
  recovery.OnStateChange([&] { ++changes; });
  ASSERT_TRUE(recovery.Begin("test").ok());
  EXPECT_TRUE(recovery.recovering());
  EXPECT_EQ(store_->own_origin(), OwnOrigin::kRecovering);
  recovery.Report("paris-2024", 3);
  absl::StatusOr<v1::Version> refused = Write();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("taking its own changes back from its peers (1 of 2 peers answered, "
                        "holding 3 of 3)"));
  EXPECT_THAT(store_->OwnOriginStatus(), HasSubstr("recovering: "));
  recovery.Report("solideo", 2);
  EXPECT_FALSE(recovery.recovering());
  EXPECT_EQ(store_->own_origin(), OwnOrigin::kReady);
  EXPECT_EQ(changes, 2);  // began, ended: the pullers reopen their streams each time
  absl::StatusOr<v1::Version> next = Write();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->origin_sequence(), 4u);
}

TEST_F(OwnOriginRecoveryTest, ItDoesNotEndWhileAPeerHoldsMoreThanTheStore) {
  OwnOriginRecovery recovery(store_.get(), {"paris-2024", "solideo"});
  ASSERT_TRUE(recovery.Begin("test").ok());
  recovery.Report("paris-2024", 5);
  recovery.Report("solideo", 3);
  recovery.Check();
  EXPECT_TRUE(recovery.recovering());
  EXPECT_THAT(store_->OwnOriginStatus(), HasSubstr("holding 3 of 5"));
  // A partner not configured as a peer does not count.
  recovery.Report("yunus-centre", 3);
  EXPECT_TRUE(recovery.recovering());
}

TEST_F(OwnOriginRecoveryTest, AReadyNodeWhosePeerHoldsMoreOfItsOwnChangesStartsRecovering) {
  ASSERT_TRUE(store_->SetOwnOrigin(OwnOrigin::kReady).ok());
  OwnOriginRecovery recovery(store_.get(), {"paris-2024"});
  recovery.Report("paris-2024", 3);
  EXPECT_FALSE(recovery.recovering());
  recovery.Report("paris-2024", 9);
  EXPECT_TRUE(recovery.recovering());
  EXPECT_EQ(Write().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace passerelle::mesh
