// Declarations over a real store: the review rules, and the property that the incremental
// aggregates always equal a full recompute — both the store's own recompute and an independent one
// from the records — after random sequences of submit, validate, correct, reject and award.

#include "impact_svc/declarations.h"

#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "impact_svc/aggregates.h"
#include "passerelle/v1/tender.pb.h"
#include "store/records.h"
#include "tests/impact/sample_declarations.h"
#include "tests/support/registry_client.h"
#include "tests/support/test_node.h"

namespace passerelle::impact {
namespace {

using testing::TestSiret;

MATCHER_P(HasCode, code, "") {
  *result_listener << "which is " << arg.ToString();
  return arg.code() == code;
}
MATCHER(IsOk, "") {
  *result_listener << "which is " << arg.ToString();
  return arg.ok();
}

constexpr absl::string_view kSecret = "an-event-secret-of-at-least-32-bytes!!";

class DeclarationsTest : public ::testing::Test {
 protected:
  DeclarationsTest() {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.partner_id = "solideo";
    options.kinds = {"tender", std::string(kDeclarationKind)};
    options.block_cache_bytes = 4 << 20;
    options.write_buffer_bytes = 1 << 20;
    options.tallies = TallySources();
    store_ = *store::Store::Open(options);
    v1::ImpactConfig config;
    config.mutable_hours_target()->set_target_basis_points(1000);
    config.mutable_hours_target()->set_on_track_basis_points(800);
    config.mutable_amount_target()->set_target_basis_points(2500);
    config.mutable_amount_target()->set_on_track_basis_points(2000);
    declarations_ = std::make_unique<Declarations>(store_.get(), config, std::string(kSecret));
    declarations_->set_this_month_for_test(absl::CivilMonth(2024, 7));
  }

  // Writes notice `id` of `buyer`, three lots, lot n awarded (when `amounts[n-1]` > 0) to the
  // contractors given, each for an equal share; lot 3 also lists a subcontractor.
  void PutTender(const std::string& id, const std::string& buyer,
                 const std::vector<int64_t>& amounts, const std::vector<std::string>& holders) {
    v1::Tender t;
    t.set_name("tenders/" + id);
    t.set_tender_id(id);
    t.set_buyer("buyers/" + buyer);
    t.add_themes(id.size() % 2 ? v1::THEME_GREEN_MOBILITY : v1::THEME_CONSTRUCTION_WASTE);
    t.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
    t.add_departments(id.size() % 2 ? "93" : "75");
    for (int n = 1; n <= 3; ++n) {
      v1::Lot* lot = t.add_lots();
      lot->set_lot_number(n);
      if (amounts[n - 1] <= 0) continue;
      v1::Award* a = lot->mutable_award();
      a->set_amount_cents(amounts[n - 1]);
      a->set_award_date(absl::StrCat("2024-0", n, "-15"));
      for (size_t i = 0; i < holders.size(); ++i) {
        v1::AwardShare* s = a->add_shares();
        s->set_siret(holders[i]);
        s->set_amount_cents(amounts[n - 1] / static_cast<int64_t>(holders.size()));
        s->set_size_class(i % 2 ? v1::SIZE_CLASS_LARGE : v1::SIZE_CLASS_PME);
        s->set_sse_status(i == 2 ? v1::SSE_STATUS_SSE : v1::SSE_STATUS_NOT_SSE);
      }
      if (n == 3) a->add_subcontractor_sirets(TestSiret(900));
    }
    auto written =
        store_->Write("tender", id, [&](const std::optional<std::string>&, const v1::Version&) {
          return absl::StatusOr<store::RecordWrite>(
              store::RecordWrite{t.SerializeAsString(), {}, {}});
        });
    ASSERT_TRUE(written.ok()) << written.status();
  }

  static v1::HourDeclaration Declaration(const std::string& siret, const std::string& tender,
                                         const std::string& buyer, int lot,
                                         const std::string& period, int64_t total,
                                         const std::vector<std::string>& workers) {
    return testing::SampleDeclaration(siret, tender, buyer, lot, period, total, workers);
  }

  v1::ImpactReport Report(v1::ReportDimension scope = v1::REPORT_DIMENSION_EVENT,
                          const std::string& value = "") {
    v1::GetImpactReportRequest r;
    r.set_scope(scope);
    r.set_scope_value(value);
    auto report = declarations_->Report(r);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : v1::ImpactReport();
  }

  std::vector<v1::HourDeclaration> AllDeclarations() {
    std::vector<v1::HourDeclaration> out;
    auto rows = store_->Read()->Scan(kDeclarationKind, "", 100000);
    for (const auto& [id, bytes] : *rows)
      out.push_back(*store::ParseRecord<v1::HourDeclaration>(bytes));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Declarations> declarations_;
  Caller facilitator_{"", "solideo/facilitator"};
};

TEST_F(DeclarationsTest, AContractorBoundToOneCompanyCannotDeclareForAnother) {
  PutTender("bridge", "solideo", {1000, 0, 0}, {TestSiret(1)});
  Caller contractor{TestSiret(2), "solideo/contractor"};
  auto d = declarations_->Submit(
      Declaration(TestSiret(1), "bridge", "solideo", 1, "2024-03", 10000, {"w1"}), contractor);
  EXPECT_THAT(d.status(), HasCode(absl::StatusCode::kPermissionDenied));
  EXPECT_TRUE(AllDeclarations().empty());
  Caller itself{TestSiret(1), "solideo/contractor"};
  EXPECT_THAT(
      declarations_
          ->Submit(Declaration(TestSiret(1), "bridge", "solideo", 1, "2024-03", 10000, {"w1"}),
                   itself)
          .status(),
      IsOk());
}

TEST_F(DeclarationsTest, ADeclaredSubcontractorMayDeclareOnTheLot) {
  PutTender("bridge", "solideo", {1000, 0, 500}, {TestSiret(1)});
  EXPECT_THAT(declarations_
                  ->Submit(Declaration(TestSiret(900), "bridge", "solideo", 3, "2024-03", 100, {}),
                           facilitator_)
                  .status(),
              IsOk());
  EXPECT_THAT(declarations_
                  ->Submit(Declaration(TestSiret(900), "bridge", "solideo", 1, "2024-03", 100, {}),
                           facilitator_)
                  .status(),
              HasCode(absl::StatusCode::kFailedPrecondition));
}

TEST_F(DeclarationsTest, RejectionAfterValidationTakesTheHoursBackOut) {
  PutTender("bridge", "solideo", {1000, 0, 0}, {TestSiret(1)});
  auto d = declarations_->Submit(
      Declaration(TestSiret(1), "bridge", "solideo", 1, "2024-03", 10000, {"w1", "w2"}),
      facilitator_);
  ASSERT_THAT(d.status(), IsOk());
  ASSERT_THAT(declarations_->Validate(d->name(), "", facilitator_).status(), IsOk());
  EXPECT_EQ(Report().totals().insertion_hundredths(), 1400);
  EXPECT_EQ(Report().totals().distinct_insertion_workers(), 2);
  auto rejected = declarations_->Reject(d->name(), "hours double-counted", "", facilitator_);
  ASSERT_THAT(rejected.status(), IsOk());
  EXPECT_EQ(rejected->reviewer(), "solideo/facilitator");
  EXPECT_EQ(Report().totals().insertion_hundredths(), 0);
  EXPECT_EQ(Report().totals().distinct_insertion_workers(), 0);
  EXPECT_THAT(declarations_->Validate(d->name(), "", facilitator_).status(),
              HasCode(absl::StatusCode::kFailedPrecondition));
}

// The independent recompute: event totals straight from the records.
struct Expected {
  int64_t total = 0, insertion = 0, declarations = 0, awarded = 0, sme_sse = 0;
  std::set<std::string> workers;
  std::map<std::string, int64_t> insertion_by_month;
};

TEST_F(DeclarationsTest, RandomHistoriesKeepAggregatesEqualToAFullRecompute) {
  std::mt19937_64 random(20240726);
  const std::vector<std::string> tenders = {"bridge", "pool", "arena"};
  const std::vector<std::string> holders = {TestSiret(1), TestSiret(2), TestSiret(3)};
  std::map<std::string, std::vector<int64_t>> awards;
  for (const std::string& t : tenders) {
    awards[t] = {100000, 0, 50000};
    PutTender(t, t == "arena" ? "paris-2024" : "solideo", awards[t], holders);
  }
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  std::map<int, int> succeeded;  // by operation: the history must exercise each, not fail them all
  for (int step = 0; step < 400; ++step) {
    std::vector<v1::HourDeclaration> all = AllDeclarations();
    const int op = static_cast<int>(pick(6));
    if (op <= 1 || all.empty()) {  // submit
      const std::string& t = tenders[pick(tenders.size())];
      std::vector<std::string> workers;
      for (size_t w = 0, n = pick(4); w < n; ++w) workers.push_back(absl::StrCat("ref-", pick(8)));
      std::sort(workers.begin(), workers.end());
      workers.erase(std::unique(workers.begin(), workers.end()), workers.end());
      succeeded[0] +=
          declarations_
              ->Submit(Declaration(holders[pick(3)], t, t == "arena" ? "paris-2024" : "solideo",
                                   pick(2) ? 1 : 3, absl::StrCat("2024-0", 1 + pick(6)),
                                   static_cast<int64_t>(5000 + pick(5000)), workers),
                       facilitator_)
              .ok();
    } else if (op == 2) {
      succeeded[2] += declarations_->Validate(all[pick(all.size())].name(), "", facilitator_).ok();
    } else if (op == 3) {
      succeeded[3] +=
          declarations_->Reject(all[pick(all.size())].name(), "wrong month", "", facilitator_).ok();
    } else if (op == 4) {
      const v1::HourDeclaration& d = all[pick(all.size())];
      v1::CorrectDeclarationRequest r;
      r.set_name(d.name());
      *r.mutable_declaration() =
          Declaration(d.contractor_siret(), "", "", 0, "", static_cast<int64_t>(6000 + pick(6000)),
                      {absl::StrCat("ref-", pick(8))});
      r.mutable_declaration()->clear_contractor_siret();
      r.mutable_declaration()->clear_buyer();
      r.mutable_declaration()->clear_tender();
      r.mutable_declaration()->clear_period();
      succeeded[4] += declarations_->Correct(r, facilitator_).ok();
    } else {  // (re)award a lot
      const std::string& t = tenders[pick(tenders.size())];
      awards[t][pick(3)] = static_cast<int64_t>(pick(4)) * 30000;
      PutTender(t, t == "arena" ? "paris-2024" : "solideo", awards[t], holders);
    }
    if (step % 20 != 19) continue;

    auto check = store_->RecomputeTallies(/*repair=*/false);
    ASSERT_TRUE(check.ok()) << check.status();
    ASSERT_EQ(check->differing, 0u) << "after step " << step;

    Expected want;
    for (const v1::HourDeclaration& d : AllDeclarations()) {
      if (d.status() != v1::DECLARATION_STATUS_VALIDATED) continue;
      want.total += d.total_hundredths();
      want.insertion += d.insertion_hundredths();
      want.insertion_by_month[d.period()] += d.insertion_hundredths();
      ++want.declarations;
      for (const v1::WorkerLine& w : d.workers()) want.workers.insert(w.worker_pseudonym());
    }
    for (const auto& [t, amounts] : awards) {
      for (int64_t amount : amounts) {
        // PutTender splits each award equally among the three holders; the PME ones (0 and 2)
        // and the SSE one (2) count.
        want.awarded += amount / 3 * 3;
        want.sme_sse += amount / 3 * 2;
      }
    }
    v1::ImpactReport got = Report();
    EXPECT_EQ(got.totals().total_hundredths(), want.total);
    EXPECT_EQ(got.totals().insertion_hundredths(), want.insertion);
    EXPECT_EQ(got.totals().declarations(), want.declarations);
    EXPECT_EQ(got.totals().distinct_insertion_workers(), static_cast<int64_t>(want.workers.size()));
    EXPECT_EQ(got.totals().awarded_cents(), want.awarded);
    EXPECT_EQ(got.totals().sme_sse_cents(), want.sme_sse);
    v1::GetImpactReportRequest by_month;
    by_month.set_group_by(v1::REPORT_DIMENSION_MONTH);
    auto months = declarations_->Report(by_month);
    ASSERT_TRUE(months.ok());
    std::map<std::string, int64_t> got_by_month;
    for (const v1::ImpactReportRow& row : months->rows()) {
      if (row.figures().insertion_hundredths() != 0) {
        got_by_month[row.group()] = row.figures().insertion_hundredths();
      }
    }
    for (auto it = want.insertion_by_month.begin(); it != want.insertion_by_month.end();) {
      it = it->second == 0 ? want.insertion_by_month.erase(it) : std::next(it);
    }
    EXPECT_EQ(got_by_month, want.insertion_by_month);
  }
  for (int op : {0, 2, 3, 4}) EXPECT_GE(succeeded[op], 10) << "operation " << op;
  // At most one version of each contractor, lot and month counts.
  std::set<std::string> slots;
  for (const v1::HourDeclaration& d : AllDeclarations()) {
    if (d.status() != v1::DECLARATION_STATUS_VALIDATED) continue;
    EXPECT_TRUE(
        slots.insert(absl::StrCat(d.contractor_siret(), d.tender(), d.lot_number(), d.period()))
            .second)
        << d.name();
  }
}

}  // namespace
}  // namespace passerelle::impact
