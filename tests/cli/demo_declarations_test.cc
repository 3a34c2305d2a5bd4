// The demo's awards and declarations: every declaration passes ImpactService's own rules, its
// breakdowns add up, each contractor declares only on a lot it holds a part of, the same seed gives
// the same data, and the figures land near the programme's (about a tenth of the hours in
// insertion, people recurring across months, nobody over full time).

#include "cli/demo_declarations.h"

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "cli/demo_data.h"
#include "cli/demo_tenders.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "impact_svc/rules.h"
#include "tender_svc/matching.h"

namespace passerelle::cli {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr int kValidatePercent = 80;

struct Demo {
  std::map<std::string, v1::Structure> registry;  // by SIRET
  std::vector<v1::Tender> notices;                // with the awards DemoAwarder made
  std::vector<DemoDeclaration> declarations;
};

// What AwardLot records: the award with its one holder's share, as the structure stands.
void Record(const v1::Award& award, const v1::Structure& holder, v1::Lot* lot) {
  *lot->mutable_award() = award;
  v1::AwardShare* share = lot->mutable_award()->add_shares();
  share->set_siret(holder.siret());
  share->set_role(v1::CONSORTIUM_ROLE_LEAD);
  share->set_share_basis_points(10000);
  share->set_amount_cents(award.amount_cents());
  share->set_size_class(holder.size_class());
  share->set_sse_status(holder.sse_status());
  share->set_inclusion_kind(holder.inclusion_kind());
}

Demo MakeDemo(uint64_t seed, int declarations) {
  Demo demo;
  std::vector<v1::Structure> structures = GenerateStructures(1500, seed);
  for (const v1::Structure& s : structures) demo.registry[s.siret()] = s;
  DemoAwarder awarder(seed, structures);
  TenderGenerator notices(seed, {"solideo"}, "t");
  for (int i = 0; i < 120; ++i) {
    v1::Tender t = notices.Next();
    t.set_name("tenders/" + t.tender_id());
    for (v1::Lot& lot : *t.mutable_lots()) {
      std::optional<v1::Award> award = awarder.AwardFor(t, lot);
      if (!award) continue;
      Record(*award, demo.registry.at(award->structure().substr(sizeof("structures/") - 1)), &lot);
    }
    demo.notices.push_back(std::move(t));
  }
  demo.declarations = GenerateDeclarations(seed, demo.notices, declarations, kValidatePercent);
  return demo;
}

// Made once: the properties below are about the same data.
const Demo& TheDemo() {
  static const auto* const kDemo = new Demo(MakeDemo(7, 3000));
  return *kDemo;
}

const v1::Lot& LotOf(const Demo& demo, const v1::HourDeclaration& d) {
  for (const v1::Tender& t : demo.notices) {
    if (t.name() != d.tender()) continue;
    for (const v1::Lot& lot : t.lots()) {
      if (lot.lot_number() == d.lot_number()) return lot;
    }
  }
  ADD_FAILURE() << "no lot " << d.lot_number() << " of " << d.tender();
  static const v1::Lot kNone;
  return kNone;
}

TEST(DemoDeclarations, TheCountAskedForIsMadeWhenTheAwardsHoldEnoughSlots) {
  EXPECT_EQ(TheDemo().declarations.size(), 3000u);
}

TEST(DemoDeclarations, EveryDeclarationPassesTheServiceRules) {
  for (const DemoDeclaration& demo : TheDemo().declarations) {
    common::FieldViolations violations;
    impact::ValidateDeclaration(demo.declaration, "", absl::CivilMonth(2024, 7), &violations);
    EXPECT_TRUE(violations.empty()) << violations.ToStatus() << "\n"
                                    << demo.declaration.DebugString();
  }
}

TEST(DemoDeclarations, BreakdownsAddUpToTheInsertionHoursWhichStayWithinTheTotal) {
  for (const DemoDeclaration& demo : TheDemo().declarations) {
    const v1::HourDeclaration& d = demo.declaration;
    EXPECT_LE(d.insertion_hundredths(), d.total_hundredths());
    std::map<int, int64_t> channels, categories;
    int64_t workers = 0;
    for (const v1::WorkerLine& w : d.workers()) {
      workers += w.hundredths();
      channels[w.channel()] += w.hundredths();
      categories[w.category()] += w.hundredths();
    }
    EXPECT_EQ(workers, d.insertion_hundredths());
    std::map<int, int64_t> by_channel, by_category;
    for (const v1::ChannelHours& h : d.by_channel()) by_channel[h.channel()] += h.hundredths();
    for (const v1::CategoryHours& h : d.by_category()) by_category[h.category()] += h.hundredths();
    EXPECT_EQ(by_channel, channels);  // each channel's hours are its people's
    EXPECT_EQ(by_category, categories);
  }
}

TEST(DemoDeclarations, EachContractorDeclaresOnceAMonthOnALotItHoldsAPartOfAfterItsAward) {
  std::set<std::tuple<std::string, std::string, int, std::string>> slots;
  for (const DemoDeclaration& demo : TheDemo().declarations) {
    const v1::HourDeclaration& d = demo.declaration;
    EXPECT_TRUE(slots.emplace(d.contractor_siret(), d.tender(), d.lot_number(), d.period()).second)
        << "twice: " << d.ShortDebugString();
    const v1::Award& award = LotOf(TheDemo(), d).award();
    bool holds = std::count(award.subcontractor_sirets().begin(),
                            award.subcontractor_sirets().end(), d.contractor_siret()) > 0;
    for (const v1::AwardShare& s : award.shares()) holds |= s.siret() == d.contractor_siret();
    EXPECT_TRUE(holds) << d.contractor_siret() << " on " << d.tender() << " lot " << d.lot_number();
    EXPECT_EQ(d.buyer(), "buyers/solideo");
    EXPECT_GE(d.period(), kDemoFirstPeriod);
    EXPECT_LE(d.period(), kDemoLastPeriod);
    EXPECT_GT(d.period(), award.award_date().substr(0, 7));
  }
}

TEST(DemoDeclarations, TheSameSeedGivesTheSameDeclarationsAndAnotherSeedOthers) {
  const Demo again = MakeDemo(7, 3000);
  ASSERT_EQ(again.declarations.size(), TheDemo().declarations.size());
  for (size_t i = 0; i < again.declarations.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(again.declarations[i].declaration,
                                           TheDemo().declarations[i].declaration));
    EXPECT_EQ(again.declarations[i].review, TheDemo().declarations[i].review);
    EXPECT_EQ(again.declarations[i].reject_reason, TheDemo().declarations[i].reject_reason);
  }
  const Demo other = MakeDemo(8, 3000);
  EXPECT_FALSE(MessageDifferencer::Equals(other.declarations[0].declaration,
                                          TheDemo().declarations[0].declaration));
}

TEST(DemoDeclarations, ALargerCountAddsDeclarationsWithoutChangingTheOthers) {
  const std::vector<DemoDeclaration> fewer =
      GenerateDeclarations(7, TheDemo().notices, 500, kValidatePercent);
  ASSERT_EQ(fewer.size(), 500u);
  std::map<std::string, const v1::HourDeclaration*> all;
  for (const DemoDeclaration& d : TheDemo().declarations) {
    all[d.declaration.contractor_siret() + d.declaration.tender() +
        std::to_string(d.declaration.lot_number()) + d.declaration.period()] = &d.declaration;
  }
  for (const DemoDeclaration& d : fewer) {
    auto same = all.find(d.declaration.contractor_siret() + d.declaration.tender() +
                         std::to_string(d.declaration.lot_number()) + d.declaration.period());
    ASSERT_NE(same, all.end());
    EXPECT_TRUE(MessageDifferencer::Equals(*same->second, d.declaration));
  }
}

TEST(DemoDeclarations, APersonKeepsOneCategoryWhateverTheContractorMonthOrSeed) {
  const Demo other = MakeDemo(8, 1000);
  std::map<std::string, int> category_of;
  for (const Demo* demo : {&TheDemo(), &other}) {
    for (const DemoDeclaration& d : demo->declarations) {
      for (const v1::WorkerLine& w : d.declaration.workers()) {
        const int first = category_of.emplace(w.worker_reference(), w.category()).first->second;
        EXPECT_EQ(first, w.category()) << w.worker_reference();
      }
    }
  }
}

TEST(DemoDeclarations, FiguresLandNearTheProgrammes) {
  int64_t total = 0, insertion = 0;
  int lines_in_range = 0, with_workers = 0, validated = 0, rejected = 0;
  std::map<std::string, int> months_of_worker;
  for (const DemoDeclaration& demo : TheDemo().declarations) {
    const v1::HourDeclaration& d = demo.declaration;
    total += d.total_hundredths();
    insertion += d.insertion_hundredths();
    if (d.workers_size() > 0) ++with_workers;
    if (d.workers_size() >= 3 && d.workers_size() <= 12) ++lines_in_range;
    for (const v1::WorkerLine& w : d.workers()) {
      EXPECT_TRUE(absl::StartsWith(w.worker_reference(), "W-")) << w.worker_reference();
      EXPECT_LE(w.worker_reference(), "W-003500");
      EXPECT_LE(w.hundredths(), 15167) << "more than full time in a month";
      ++months_of_worker[w.worker_reference()];
    }
    validated += demo.review == DemoReview::kValidate;
    if (demo.review == DemoReview::kReject) {
      ++rejected;
      EXPECT_FALSE(demo.reject_reason.empty());
    }
  }
  const int64_t ratio = insertion * 10000 / total;
  EXPECT_GE(ratio, 800) << "insertion ratio in basis points";
  EXPECT_LE(ratio, 1800) << "insertion ratio in basis points";
  EXPECT_GE(with_workers, 2700);                       // a few months have nobody in insertion
  EXPECT_GE(lines_in_range, with_workers * 85 / 100);  // small months have one or two people
  EXPECT_GE(months_of_worker.size(), 1500u);           // many people ...
  int recurring = 0;
  for (const auto& [worker, months] : months_of_worker) recurring += months >= 3;
  EXPECT_GE(recurring, static_cast<int>(months_of_worker.size()) / 2);  // ... who come back
  EXPECT_NEAR(validated, 3000 * kValidatePercent / 100, 150);
  EXPECT_GE(rejected, 30);
  EXPECT_LE(rejected, 180);
}

TEST(DemoAwarder, AwardsGoToEligibleStructuresOfTheRegistryThatFitOrToMajors) {
  int awarded = 0, lots = 0, subcontracted = 0;
  int64_t majors_cents = 0, all_cents = 0;
  for (const v1::Tender& t : TheDemo().notices) {
    for (const v1::Lot& lot : t.lots()) {
      ++lots;
      if (!lot.has_award()) continue;
      ++awarded;
      const v1::Award& a = lot.award();
      const v1::Structure& holder = TheDemo().registry.at(a.shares(0).siret());
      EXPECT_TRUE(tender::IsEligible(holder, lot.reservation())) << holder.siret();
      if (holder.size_class() == v1::SIZE_CLASS_LARGE &&
          holder.sse_status() == v1::SSE_STATUS_NOT_SSE &&
          holder.inclusion_kind() == v1::INCLUSION_KIND_NONE) {
        majors_cents += a.amount_cents();  // a major, whatever its trade
      } else {
        EXPECT_TRUE(tender::FitLot(holder, t, lot).has_value()) << holder.siret();
      }
      all_cents += a.amount_cents();
      EXPECT_GE(a.amount_cents(), lot.estimated_amount_cents() * 85 / 100 - 100);
      EXPECT_LE(a.amount_cents(), lot.estimated_amount_cents() * 110 / 100);
      EXPECT_EQ(a.amount_cents() % 100, 0) << "whole euros";
      EXPECT_GE(a.award_date(), "2022-09-01");
      EXPECT_LE(a.award_date(), "2024-03-28");
      for (const std::string& siret : a.subcontractor_sirets()) {
        ++subcontracted;
        EXPECT_TRUE(tender::IsEligible(TheDemo().registry.at(siret), v1::RESERVATION_SIAE));
      }
    }
  }
  EXPECT_GE(awarded, lots * 7 / 10);
  EXPECT_LT(awarded, lots);  // some are still being judged
  EXPECT_GT(subcontracted, 0);
  // Majors take most of the amounts, as they did for the Games: the SME/SSE share meets its 25 %
  // target with room, not by default.
  EXPECT_GT(majors_cents * 100 / all_cents, 40);
  EXPECT_LT(majors_cents * 100 / all_cents, 80);
}

TEST(DemoAwarder, ALotGetsTheSameAwardWhateverWasAwardedBeforeIt) {
  std::vector<v1::Structure> structures = GenerateStructures(1500, 7);
  std::vector<v1::Tender> notices;
  TenderGenerator generator(7, {"solideo"}, "t");
  for (int i = 0; i < 20; ++i) notices.push_back(generator.Next());
  DemoAwarder forward(7, structures), backward(7, structures);
  std::vector<std::optional<v1::Award>> first;
  for (const v1::Tender& t : notices) first.push_back(forward.AwardFor(t, t.lots(0)));
  int awarded = 0;
  for (size_t i = notices.size(); i-- > 0;) {
    std::optional<v1::Award> again = backward.AwardFor(notices[i], notices[i].lots(0));
    ASSERT_EQ(again.has_value(), first[i].has_value());
    if (!again) continue;
    ++awarded;
    EXPECT_TRUE(MessageDifferencer::Equals(*again, *first[i]));
  }
  EXPECT_GT(awarded, 0);
}

}  // namespace
}  // namespace passerelle::cli
