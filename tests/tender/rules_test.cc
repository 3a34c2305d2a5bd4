// The pure rules of tenders: CPV codes, notice validation, the lifecycle, award splitting,
// eligibility and scoring, ISO weeks and the digest's grouping.

#include "tender_svc/rules.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "cli/demo_data.h"
#include "cli/demo_tenders.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tender_svc/calendar.h"
#include "tender_svc/digest.h"
#include "tender_svc/lifecycle.h"
#include "tender_svc/matching.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle::tender {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MatchingStructure;
using testing::SampleTender;
using testing::TestSiret;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Fields(const common::FieldViolations& v) {
  std::vector<std::string> out;
  for (const auto& violation : v.violations()) out.push_back(violation.field);
  return out;
}

std::vector<std::string> Violations(const v1::Tender& t) {
  common::FieldViolations v;
  ValidateTender(t, "tender.", &v);
  return Fields(v);
}

TEST(CpvCode, PublishedCodesCarryTheCheckDigitWeComputeAndAWrongOneIsRefused) {
  for (const char* code :
       {"45000000-7", "45210000-2", "90910000-9", "79710000-4", "55520000-1", "03000000-1"}) {
    EXPECT_TRUE(IsValidCpvCode(code)) << code;
  }
  EXPECT_FALSE(IsValidCpvCode("45000000-8"));
  EXPECT_FALSE(IsValidCpvCode("45000000"));
  EXPECT_FALSE(IsValidCpvCode("4500000A-7"));
  EXPECT_FALSE(IsValidCpvCode("45000000 7"));
}

TEST(ValidateTender, TheSampleIsValid) { EXPECT_THAT(Violations(SampleTender("t-1")), IsEmpty()); }

TEST(ValidateTender, EveryBadFieldIsNamed) {
  v1::Tender t = SampleTender("T 1");
  t.set_buyer("solideo");
  t.clear_title();
  t.set_cpv_codes(0, "45210000-3");
  t.add_departments("20");
  t.set_procedure(v1::PROCEDURE_UNSPECIFIED);
  t.mutable_lots(1)->set_lot_number(1);
  t.mutable_lots(0)->set_estimated_amount_cents(-1);
  t.mutable_lots(0)->mutable_award_criteria()->set_price(50);
  t.set_forecast_publish_date("2029-02-30");
  EXPECT_THAT(
      Violations(t),
      UnorderedElementsAre("tender.tender_id", "tender.buyer", "tender.title",
                           "tender.cpv_codes[0]", "tender.departments[1]", "tender.procedure",
                           "tender.lots[1].lot_number", "tender.lots[0].estimated_amount_cents",
                           "tender.lots[0].award_criteria", "tender.forecast_publish_date"));
}

TEST(ValidateTender, ADeadlineNotAfterThePublicationDateIsRefused) {
  v1::Tender t = SampleTender("t-1");
  t.set_forecast_publish_date("2030-12-31");
  EXPECT_THAT(Violations(t), ElementsAre("tender.answer_deadline"));
}

TEST(ValidateTender, ANoticeNeedsALot) {
  v1::Tender t = SampleTender("t-1");
  t.clear_lots();
  EXPECT_THAT(Violations(t), ElementsAre("tender.lots"));
}

TEST(Lifecycle, TheAllowedMovesFollowForecastPublishedClosedAwarded) {
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_UNSPECIFIED, v1::TENDER_ACTION_CREATED),
            v1::TENDER_STATUS_FORECAST);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_FORECAST, v1::TENDER_ACTION_PUBLISHED),
            v1::TENDER_STATUS_PUBLISHED);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_PUBLISHED, v1::TENDER_ACTION_CLOSED),
            v1::TENDER_STATUS_CLOSED);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_CLOSED, v1::TENDER_ACTION_LOT_AWARDED),
            v1::TENDER_STATUS_CLOSED);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_FORECAST, v1::TENDER_ACTION_CANCELLED),
            v1::TENDER_STATUS_CANCELLED);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_PUBLISHED, v1::TENDER_ACTION_CANCELLED),
            v1::TENDER_STATUS_CANCELLED);
  EXPECT_EQ(*Transition(v1::TENDER_STATUS_PUBLISHED, v1::TENDER_ACTION_UPDATED),
            v1::TENDER_STATUS_PUBLISHED);
}

TEST(Lifecycle, EveryOtherMoveIsAFailedPreconditionNamingTheState) {
  struct Move {
    v1::TenderStatus from;
    v1::TenderAction action;
    const char* state;
  };
  for (const Move& m : std::vector<Move>{
           {v1::TENDER_STATUS_FORECAST, v1::TENDER_ACTION_CLOSED, "forecast"},
           {v1::TENDER_STATUS_CLOSED, v1::TENDER_ACTION_PUBLISHED, "closed"},
           {v1::TENDER_STATUS_CLOSED, v1::TENDER_ACTION_CANCELLED, "closed"},
           {v1::TENDER_STATUS_CANCELLED, v1::TENDER_ACTION_LOT_AWARDED, "cancelled"},
           {v1::TENDER_STATUS_PUBLISHED, v1::TENDER_ACTION_LOT_AWARDED, "published"},
           {v1::TENDER_STATUS_AWARDED, v1::TENDER_ACTION_UPDATED, "awarded"},
           {v1::TENDER_STATUS_FORECAST, v1::TENDER_ACTION_CREATED, "forecast"},
       }) {
    absl::StatusOr<v1::TenderStatus> to = Transition(m.from, m.action);
    ASSERT_FALSE(to.ok()) << m.state << " " << m.action;
    EXPECT_EQ(to.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(to.status().message()), ::testing::HasSubstr(m.state));
  }
}

TEST(Lifecycle, ANoticeIsAwardedWhenEveryLotIs) {
  v1::Tender t = SampleTender("t-1");
  t.set_status(v1::TENDER_STATUS_CLOSED);
  t.mutable_lots(0)->mutable_award()->set_amount_cents(1);
  EXPECT_EQ(AwardedWhenComplete(t), v1::TENDER_STATUS_CLOSED);
  t.mutable_lots(1)->mutable_award()->set_amount_cents(1);
  EXPECT_EQ(AwardedWhenComplete(t), v1::TENDER_STATUS_AWARDED);
}

TEST(SplitAmount, SharesAddUpToTheAmountWithTheLeadTakingTheRoundingRemainder) {
  std::vector<v1::AwardShare> holders(3);
  holders[0].set_role(v1::CONSORTIUM_ROLE_MEMBER);
  holders[0].set_share_basis_points(3333);
  holders[1].set_role(v1::CONSORTIUM_ROLE_LEAD);
  holders[1].set_share_basis_points(3334);
  holders[2].set_role(v1::CONSORTIUM_ROLE_MEMBER);
  holders[2].set_share_basis_points(3333);
  SplitAmount(100'001, &holders);
  EXPECT_EQ(holders[0].amount_cents(), 33'330);  // 100,001 × 0.3333, rounded down
  EXPECT_EQ(holders[2].amount_cents(), 33'330);
  EXPECT_EQ(holders[1].amount_cents(), 100'001 - 2 * 33'330);
}

TEST(ValidateConsortium, SharesMustSumTo10000WithExactlyOneLead) {
  v1::Consortium c;
  c.set_tender("tenders/t-1");
  c.set_lot_number(1);
  for (int i = 0; i < 2; ++i) {
    v1::ConsortiumMember* m = c.add_members();
    m->set_structure("structures/" + TestSiret(i + 1));
    m->set_role(v1::CONSORTIUM_ROLE_MEMBER);
    m->set_share_basis_points(4000);
  }
  common::FieldViolations v;
  ValidateConsortium(c, "consortium.", &v);
  EXPECT_THAT(Fields(v), ElementsAre("consortium.members", "consortium.members"));
  c.mutable_members(0)->set_role(v1::CONSORTIUM_ROLE_LEAD);
  c.mutable_members(0)->set_share_basis_points(6000);
  common::FieldViolations ok;
  ValidateConsortium(c, "consortium.", &ok);
  EXPECT_THAT(Fields(ok), IsEmpty());
}

TEST(Eligibility, ReservedLotsAdmitOnlyTheirKinds) {
  v1::Structure aci = MatchingStructure(TestSiret(1), v1::INCLUSION_KIND_ACI);
  v1::Structure esat = MatchingStructure(TestSiret(2), v1::INCLUSION_KIND_ESAT);
  v1::Structure geiq = MatchingStructure(TestSiret(3), v1::INCLUSION_KIND_GEIQ);
  geiq.set_sse_status(v1::SSE_STATUS_NOT_SSE);
  EXPECT_TRUE(IsEligible(aci, v1::RESERVATION_SIAE));
  EXPECT_FALSE(IsEligible(esat, v1::RESERVATION_SIAE));
  EXPECT_FALSE(IsEligible(geiq, v1::RESERVATION_SIAE));
  EXPECT_TRUE(IsEligible(esat, v1::RESERVATION_EA_ESAT));
  EXPECT_FALSE(IsEligible(aci, v1::RESERVATION_EA_ESAT));
  EXPECT_TRUE(IsEligible(aci, v1::RESERVATION_SSE));
  EXPECT_FALSE(IsEligible(geiq, v1::RESERVATION_SSE));
  EXPECT_TRUE(IsEligible(geiq, v1::RESERVATION_NONE));
}

TEST(FitLot, AMatchingStructureScoresWithEveryReason) {
  v1::Tender t = SampleTender("t-1");
  std::optional<LotFit> fit = FitLot(MatchingStructure(TestSiret(1)), t, t.lots(1));
  ASSERT_TRUE(fit.has_value());
  std::vector<std::string> codes;
  int sum = 0;
  for (const auto& r : fit->reasons) {
    codes.push_back(r.code());
    sum += r.points();
  }
  EXPECT_THAT(codes,
              ElementsAre("cpv", "theme", "department", "capacity", "reservation", "size", "sse"));
  EXPECT_EQ(fit->score, sum);
}

TEST(FitLot, AnIneligibleOrUnrelatedOrDistantStructureDoesNotMatch) {
  v1::Tender t = SampleTender("t-1");
  EXPECT_FALSE(
      FitLot(MatchingStructure(TestSiret(1), v1::INCLUSION_KIND_EA), t, t.lots(1)).has_value());
  v1::Structure unrelated = MatchingStructure(TestSiret(2));
  unrelated.set_cpv_prefixes(0, "7971");
  unrelated.clear_themes();
  EXPECT_FALSE(FitLot(unrelated, t, t.lots(0)).has_value());
  v1::Structure distant = MatchingStructure(TestSiret(3));
  distant.set_departments(0, "13");
  EXPECT_FALSE(FitLot(distant, t, t.lots(0)).has_value());
}

TEST(FitLot, ALotBeyondCapacityScoresLowerThanOneWithin) {
  v1::Tender t = SampleTender("t-1");
  v1::Structure s = MatchingStructure(TestSiret(1));
  s.set_inclusion_kind(v1::INCLUSION_KIND_NONE);
  std::optional<LotFit> big = FitLot(s, t, t.lots(0));    // 800,000 € > 300,000 € capacity
  std::optional<LotFit> small = FitLot(s, t, t.lots(1));  // reserved SIAE: not eligible
  ASSERT_TRUE(big.has_value());
  EXPECT_FALSE(small.has_value());
  v1::Tender cheaper = t;
  cheaper.mutable_lots(0)->set_estimated_amount_cents(10'000'000);
  EXPECT_GT(FitLot(s, cheaper, cheaper.lots(0))->score, big->score);
}

TEST(FitLot, TheScoreAloneAgreesWithTheExplainedFitAndItsReasonsAddUpToIt) {
  // Matching ranks every candidate by LotScore and explains only the page it returns: the two
  // must agree on every structure and lot, including which ones do not match at all.
  cli::StructureGenerator structures(11);
  cli::TenderGenerator tenders(12, {"buyers/solideo", "buyers/paris-2024"});
  std::vector<v1::Structure> pool;
  for (int i = 0; i < 300; ++i) pool.push_back(structures.Next());
  int matched = 0;
  int unmatched = 0;
  for (int n = 0; n < 60; ++n) {
    const v1::Tender t = tenders.Next();
    for (const v1::Lot& lot : t.lots()) {
      for (const v1::Structure& s : pool) {
        std::optional<int> score = LotScore(s, t, lot);
        std::optional<LotFit> fit = FitLot(s, t, lot);
        ASSERT_EQ(score.has_value(), fit.has_value()) << s.siret() << " " << t.tender_id();
        if (!fit) {
          ++unmatched;
          continue;
        }
        ++matched;
        EXPECT_EQ(*score, fit->score) << s.siret() << " " << t.tender_id();
        int sum = 0;
        for (const v1::MatchReason& r : fit->reasons) sum += r.points();
        EXPECT_EQ(sum, fit->score) << s.siret() << " " << t.tender_id();
      }
    }
  }
  // Both outcomes occur, or the comparison proves little.
  EXPECT_GT(matched, 100);
  EXPECT_GT(unmatched, 100);
}

TEST(EnumLabel, ReadsAsPeopleWriteIt) {
  EXPECT_EQ(EnumLabel(v1::THEME_SOLIDARITY_CATERING), "solidarity catering");
  EXPECT_EQ(EnumLabel(v1::SIZE_CLASS_PME), "PME");
  EXPECT_EQ(EnumLabel(v1::RESERVATION_EA_ESAT), "ea esat");
  EXPECT_EQ(EnumLabel(v1::SSE_STATUS_ESUS_APPROVED), "esus approved");
  EXPECT_EQ(EnumLabel(v1::RESERVATION_SIAE), "SIAE");
}

TEST(IsoWeek, WeeksFollowIso8601AcrossYearEnds) {
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2024, 2, 14)), "2024-W07");
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2021, 1, 3)), "2020-W53");
  EXPECT_EQ(IsoWeekOf(absl::CivilDay(2024, 12, 30)), "2025-W01");
  EXPECT_EQ(*IsoWeekStart("2024-W07", "week"), absl::CivilDay(2024, 2, 12));
  EXPECT_EQ(*IsoWeekStart("2025-W01", "week"), absl::CivilDay(2024, 12, 30));
  EXPECT_FALSE(IsoWeekStart("2024-W53", "week").ok());  // 2024 has 52 weeks
  EXPECT_FALSE(IsoWeekStart("2024-07", "week").ok());
}

TEST(Digest, GroupsMatchingOpenNoticesByThemeEarliestDeadlineFirst) {
  v1::Structure s = MatchingStructure(TestSiret(1));
  s.set_name("structures/" + s.siret());
  v1::Tender late = SampleTender("late");
  late.set_name("tenders/late");
  late.set_status(v1::TENDER_STATUS_FORECAST);
  v1::Tender early = late;
  early.set_tender_id("early");
  early.set_name("tenders/early");
  early.mutable_answer_deadline()->set_seconds(late.answer_deadline().seconds() - 86400);
  v1::Tender cancelled = late;
  cancelled.set_name("tenders/cancelled");
  cancelled.set_status(v1::TENDER_STATUS_CANCELLED);
  v1::Tender elsewhere = late;
  elsewhere.set_name("tenders/elsewhere");
  elsewhere.set_departments(0, "13");

  v1::Digest d = BuildDigest(s, "2029-W10", {late, cancelled, early, elsewhere});
  ASSERT_EQ(d.sections_size(), 2);  // construction waste and insertion: the notice's two themes
  EXPECT_EQ(d.sections(0).theme(), v1::THEME_INSERTION_EMPLOYMENT);
  EXPECT_EQ(d.sections(1).theme(), v1::THEME_CONSTRUCTION_WASTE);
  for (const v1::DigestSection& section : d.sections()) {
    ASSERT_EQ(section.entries_size(), 2);
    EXPECT_EQ(section.entries(0).tender(), "tenders/early");
    EXPECT_EQ(section.entries(1).tender(), "tenders/late");
    EXPECT_EQ(section.entries(0).lots_size(),
              2);  // an ACI fits both lots, the reserved one included
  }
  EXPECT_THAT(DigestMarkdown(d, "Chantier"),
              ::testing::HasSubstr("### Déconstruction du village des médias"));
}

}  // namespace
}  // namespace passerelle::tender
