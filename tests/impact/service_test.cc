// ImpactService through a real in-process node: declarations from submission to review and
// correction, the report they feed, the client stream (per-item results, a broken upload), every
// error class, and the pseudonymisation as the bytes on disk show it.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tests/impact/sample_declarations.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle {
namespace {

using ::testing::ElementsAre;
using testing::HasCode;
using ::testing::HasSubstr;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::RegistryClient;
using testing::Reply;
using testing::SampleDeclaration;
using testing::TestNode;
using testing::TestSiret;

// A month that is never in the future for a node running today.
constexpr char kLastYear[] = "2025-03";
constexpr char kLastYearToo[] = "2025-04";
constexpr int64_t kLotAmount = 10'000'001;

class ImpactServiceTest : public ::testing::Test {
 protected:
  ImpactServiceTest()
      : node_(testing::ImpactNodeConfig(secret_dir_.path())),
        registry_(node_),
        tenders_(v1::TenderService::NewStub(node_.channel())),
        stub_(v1::ImpactService::NewStub(node_.channel())) {
    EXPECT_THAT(registry_.CreateBuyer(testing::SampleBuyer()).status, IsOk());
    // tenders/village: lot 1 to structure 1, lot 2 (reserved to SIAE) to structure 2.
    for (int n : {1, 2}) {
      EXPECT_THAT(registry_.CreateStructure(testing::MatchingStructure(TestSiret(n))).status,
                  IsOk());
    }
    EXPECT_THAT(registry_.CreateStructure(testing::MatchingStructure(TestSiret(3))).status, IsOk());
    Tender(&v1::TenderService::Stub::CreateTender, [] {
      v1::CreateTenderRequest r;
      *r.mutable_tender() = testing::SampleTender("village");
      return r;
    }());
    for (auto move : {&v1::TenderService::Stub::PublishTender}) {
      v1::PublishTenderRequest r;
      r.set_name("tenders/village");
      Tender(move, r);
    }
    v1::CloseTenderRequest close;
    close.set_name("tenders/village");
    Tender(&v1::TenderService::Stub::CloseTender, close);
    for (int n : {1, 2}) {
      v1::AwardLotRequest r;
      r.set_tender("tenders/village");
      r.mutable_award()->set_lot_number(n);
      r.mutable_award()->set_structure("structures/" + TestSiret(n));
      r.mutable_award()->set_amount_cents(kLotAmount);
      r.mutable_award()->set_award_date("2025-02-01");
      grpc::ClientContext context;
      v1::Award award;
      EXPECT_THAT(tenders_->AwardLot(&context, r, &award), IsOk());
    }
  }

  template <typename Method, typename Request>
  void Tender(Method method, const Request& request) {
    grpc::ClientContext context;
    v1::Tender response;
    EXPECT_THAT(((*tenders_).*method)(&context, request, &response), IsOk());
  }

  template <typename Response, typename Request, typename Method>
  Reply<Response> Call(Method method, const Request& request) {
    return testing::CallStub<Response>(*stub_, method, request);
  }

  static v1::HourDeclaration Sample(int contractor, int lot, const std::string& period,
                                    std::vector<std::string> workers = {"PAYROLL-0042",
                                                                        "PAYROLL-0043"}) {
    return SampleDeclaration(TestSiret(contractor), "village", "solideo", lot, period, 10000,
                             workers);
  }
  Reply<v1::HourDeclaration> Submit(const v1::HourDeclaration& d) {
    v1::SubmitDeclarationRequest r;
    *r.mutable_declaration() = d;
    return Call<v1::HourDeclaration>(&v1::ImpactService::Stub::SubmitDeclaration, r);
  }
  Reply<v1::HourDeclaration> Get(const std::string& name) {
    v1::GetDeclarationRequest r;
    r.set_name(name);
    return Call<v1::HourDeclaration>(&v1::ImpactService::Stub::GetDeclaration, r);
  }
  Reply<v1::HourDeclaration> Validate(const std::string& name, const std::string& etag = "") {
    v1::ValidateDeclarationRequest r;
    r.set_name(name);
    r.set_etag(etag);
    return Call<v1::HourDeclaration>(&v1::ImpactService::Stub::ValidateDeclaration, r);
  }
  Reply<v1::HourDeclaration> Reject(const std::string& name, const std::string& reason) {
    v1::RejectDeclarationRequest r;
    r.set_name(name);
    r.set_reason(reason);
    return Call<v1::HourDeclaration>(&v1::ImpactService::Stub::RejectDeclaration, r);
  }
  Reply<v1::HourDeclaration> Correct(const std::string& name, const v1::HourDeclaration& d) {
    v1::CorrectDeclarationRequest r;
    r.set_name(name);
    *r.mutable_declaration() = d;
    return Call<v1::HourDeclaration>(&v1::ImpactService::Stub::CorrectDeclaration, r);
  }
  std::vector<std::string> ListNames(v1::ListDeclarationsRequest r = {}) {
    auto reply = Call<v1::ListDeclarationsResponse>(&v1::ImpactService::Stub::ListDeclarations, r);
    EXPECT_THAT(reply.status, IsOk());
    std::vector<std::string> names;
    for (const auto& d : reply.response.declarations()) names.push_back(d.name());
    return names;
  }
  v1::ImpactReport Report(v1::ReportDimension group_by = v1::REPORT_DIMENSION_UNSPECIFIED,
                          v1::ReportDimension scope = v1::REPORT_DIMENSION_UNSPECIFIED,
                          const std::string& value = "") {
    v1::GetImpactReportRequest r;
    r.set_scope(scope);
    r.set_scope_value(value);
    r.set_group_by(group_by);
    auto reply = Call<v1::ImpactReport>(&v1::ImpactService::Stub::GetImpactReport, r);
    EXPECT_THAT(reply.status, IsOk());
    return reply.response;
  }
  // Streams `items`; with `cancel_after_committed` > 0, waits until that many are listed, then
  // cancels the stream instead of closing it.
  Reply<v1::SubmitDeclarationsResponse> Stream(const std::vector<v1::HourDeclaration>& items,
                                               size_t cancel_after_committed = 0) {
    grpc::ClientContext context;
    Reply<v1::SubmitDeclarationsResponse> reply;
    auto writer = stub_->SubmitDeclarations(&context, &reply.response);
    for (const v1::HourDeclaration& d : items) {
      v1::SubmitDeclarationRequest r;
      *r.mutable_declaration() = d;
      if (!writer->Write(r)) break;
    }
    if (cancel_after_committed > 0) {
      v1::ListDeclarationsRequest all;
      all.set_page_size(1000);
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (ListNames(all).size() < cancel_after_committed && absl::Now() < deadline) {
      }
      context.TryCancel();
    } else {
      writer->WritesDone();
    }
    reply.status = writer->Finish();
    return reply;
  }

  testing::TempDir secret_dir_;
  TestNode node_;
  RegistryClient registry_;
  std::unique_ptr<v1::TenderService::Stub> tenders_;
  std::unique_ptr<v1::ImpactService::Stub> stub_;
};

TEST_F(ImpactServiceTest, ASubmittedDeclarationReadsBackWithPseudonymsAndTheNoticesSlices) {
  auto submitted = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(submitted.status, IsOk());
  const v1::HourDeclaration& d = submitted.response;
  EXPECT_THAT(d.name(), HasSubstr("declarations/"));
  EXPECT_EQ(d.status(), v1::DECLARATION_STATUS_SUBMITTED);
  EXPECT_EQ(d.declaration_version(), 1);
  EXPECT_EQ(d.owner_partner(), "solideo");
  EXPECT_THAT(d.departments(), ElementsAre("93"));
  EXPECT_EQ(d.themes_size(), 2);
  ASSERT_EQ(d.workers_size(), 2);
  for (const v1::WorkerLine& w : d.workers()) {
    EXPECT_TRUE(w.worker_reference().empty());
    EXPECT_EQ(w.worker_pseudonym().size(), 32u);
  }
  EXPECT_NE(d.workers(0).worker_pseudonym(), d.workers(1).worker_pseudonym());

  auto read = Get(d.name());
  ASSERT_THAT(read.status, IsOk());
  EXPECT_EQ(read.response.SerializeAsString(), d.SerializeAsString());
  v1::ListDeclarationsRequest by_contractor;
  by_contractor.set_contractor_siret(TestSiret(1));
  EXPECT_THAT(ListNames(by_contractor), ElementsAre(d.name()));
  v1::ListDeclarationsRequest validated;
  validated.set_status(v1::DECLARATION_STATUS_VALIDATED);
  EXPECT_TRUE(ListNames(validated).empty());
  v1::ListDeclarationsRequest other_lot;
  other_lot.set_tender("tenders/village");
  other_lot.set_lot_number(2);
  EXPECT_TRUE(ListNames(other_lot).empty());
  // A submitted declaration does not count yet.
  EXPECT_EQ(Report().totals().total_hundredths(), 0);
}

TEST_F(ImpactServiceTest, BadDeclarationsAreRefusedWithTheirReasonAndWriteNothing) {
  v1::HourDeclaration too_many = Sample(1, 1, kLastYear);
  too_many.set_total_hundredths(100);
  EXPECT_THAT(Submit(too_many).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.insertion_hundredths")));
  v1::HourDeclaration uneven = Sample(1, 1, kLastYear);
  uneven.mutable_by_channel(0)->set_hundredths(1);
  EXPECT_THAT(Submit(uneven).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.by_channel")));
  EXPECT_THAT(Submit(Sample(1, 1, "2099-01")).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.period")));
  EXPECT_THAT(Submit(Sample(1, 1, "2025-13")).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.period")));
  EXPECT_THAT(Submit(Sample(1, 7, kLastYear)).status, HasCode(grpc::StatusCode::NOT_FOUND));
  // Structure 3 holds nothing of lot 1; structure 2 holds lot 2, not lot 1.
  EXPECT_THAT(Submit(Sample(3, 1, kLastYear)).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(Submit(Sample(2, 1, kLastYear)).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  v1::HourDeclaration other_buyer = Sample(1, 1, kLastYear);
  other_buyer.set_buyer("buyers/paris-2024");
  EXPECT_THAT(Submit(other_buyer).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.buyer")));
  EXPECT_TRUE(ListNames().empty());
}

TEST_F(ImpactServiceTest, ASecondDeclarationOfTheSameMonthIsRefusedButAnIdenticalResendIsNot) {
  auto first = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(first.status, IsOk());
  auto resent = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(resent.status, IsOk());
  EXPECT_EQ(resent.response.name(), first.response.name());
  EXPECT_EQ(resent.response.etag(), first.response.etag());
  v1::HourDeclaration different = Sample(1, 1, kLastYear);
  different.set_total_hundredths(20000);
  auto duplicate = Submit(different);
  EXPECT_THAT(duplicate.status, HasCode(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(duplicate.status.error_message(), HasSubstr("CorrectDeclaration"));
  EXPECT_EQ(ListNames().size(), 1u);
}

TEST_F(ImpactServiceTest, ValidatedHoursFeedTheReportAgainstTheConfiguredTargets) {
  auto d = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(d.status, IsOk());
  EXPECT_THAT(Validate(d.response.name(), "stale-etag").status, HasCode(grpc::StatusCode::ABORTED));
  auto validated = Validate(d.response.name(), d.response.etag());
  ASSERT_THAT(validated.status, IsOk());
  EXPECT_EQ(validated.response.status(), v1::DECLARATION_STATUS_VALIDATED);
  EXPECT_FALSE(validated.response.reviewer().empty());
  EXPECT_THAT(Validate(d.response.name()).status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));

  v1::ImpactReport report = Report();
  const v1::ImpactFigures& t = report.totals();
  EXPECT_EQ(t.total_hundredths(), 10000);
  EXPECT_EQ(t.insertion_hundredths(), 1400);
  EXPECT_EQ(t.insertion_ratio_basis_points(), 1400);
  EXPECT_EQ(t.hours_target_status(), v1::TARGET_STATUS_MET);
  EXPECT_EQ(t.distinct_insertion_workers(), 2);
  EXPECT_EQ(t.declarations(), 1);
  ASSERT_EQ(t.by_channel_size(), 1);
  EXPECT_EQ(t.by_channel(0).hundredths(), 1400);
  EXPECT_EQ(t.by_category_size(), 2);
  // Both lots' awards went to SSE structures (insertion ACIs, TPE): all of it counts.
  EXPECT_EQ(t.awarded_cents(), 2 * kLotAmount);
  EXPECT_EQ(t.sme_sse_cents(), 2 * kLotAmount);
  EXPECT_EQ(t.sme_sse_share_basis_points(), 10000);
  EXPECT_EQ(t.awards(), 2);
  EXPECT_EQ(t.sse_structures_with_contracts(), 2);
  EXPECT_EQ(report.hours_target().target_basis_points(), 1000);

  // A reviewer's rejection needs a reason, and takes the hours back out.
  EXPECT_THAT(Reject(d.response.name(), "").status,
              IsInvalidArgumentOn(::testing::Contains("reason")));
  auto rejected = Reject(d.response.name(), "the lot had no work in March");
  ASSERT_THAT(rejected.status, IsOk());
  EXPECT_EQ(rejected.response.reason(), "the lot had no work in March");
  EXPECT_EQ(Report().totals().insertion_hundredths(), 0);
  EXPECT_THAT(Validate(d.response.name()).status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(ImpactServiceTest, ACorrectionCountsOnlyOnceValidatedAndTheFiguresMoveByTheDifference) {
  auto v1 = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(v1.status, IsOk());
  ASSERT_THAT(Validate(v1.response.name()).status, IsOk());
  v1::HourDeclaration figures = Sample(1, 1, kLastYear, {"PAYROLL-0042"});
  figures.set_total_hundredths(20000);
  auto v2 = Correct(v1.response.name(), figures);
  ASSERT_THAT(v2.status, IsOk());
  EXPECT_EQ(v2.response.declaration_version(), 2);
  EXPECT_EQ(v2.response.supersedes(), v1.response.name());
  EXPECT_EQ(v2.response.status(), v1::DECLARATION_STATUS_SUBMITTED);
  // Pending: the validated original still counts.
  EXPECT_EQ(Report().totals().total_hundredths(), 10000);
  EXPECT_EQ(Get(v1.response.name()).response.superseded_by(), v2.response.name());
  EXPECT_THAT(Correct(v1.response.name(), figures).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  v1::HourDeclaration moved = figures;
  moved.set_period(kLastYearToo);
  EXPECT_THAT(Correct(v2.response.name(), moved).status,
              IsInvalidArgumentOn(::testing::Contains("declaration.period")));

  ASSERT_THAT(Validate(v2.response.name()).status, IsOk());
  const v1::ImpactFigures t = Report().totals();
  EXPECT_EQ(t.total_hundredths(), 20000);
  EXPECT_EQ(t.insertion_hundredths(), 700);
  EXPECT_EQ(t.distinct_insertion_workers(), 1);
  EXPECT_EQ(t.declarations(), 1);
  EXPECT_EQ(Get(v1.response.name()).response.status(), v1::DECLARATION_STATUS_SUPERSEDED);
  EXPECT_EQ(Get(v2.response.name()).response.status(), v1::DECLARATION_STATUS_VALIDATED);
}

TEST_F(ImpactServiceTest, AMonthWithoutHoursIsNotBehindOnHoursNorAMonthWithoutAwardsOnAmounts) {
  auto d = Submit(Sample(1, 1, kLastYear));
  ASSERT_THAT(d.status, IsOk());
  ASSERT_THAT(Validate(d.response.name()).status, IsOk());
  v1::ImpactReport by_month = Report(v1::REPORT_DIMENSION_MONTH);
  ASSERT_EQ(by_month.rows_size(), 2);
  const v1::ImpactFigures& awards_only = by_month.rows(0).figures();
  EXPECT_EQ(by_month.rows(0).group(), "2025-02");
  EXPECT_EQ(awards_only.hours_target_status(), v1::TARGET_STATUS_UNSPECIFIED);
  EXPECT_EQ(awards_only.amount_target_status(), v1::TARGET_STATUS_MET);
  const v1::ImpactFigures& hours_only = by_month.rows(1).figures();
  EXPECT_EQ(by_month.rows(1).group(), kLastYear);
  EXPECT_EQ(hours_only.hours_target_status(), v1::TARGET_STATUS_MET);
  EXPECT_EQ(hours_only.amount_target_status(), v1::TARGET_STATUS_UNSPECIFIED);
}

TEST_F(ImpactServiceTest, APersonCountsOnceAcrossContractorsAndMonths) {
  for (auto [contractor, lot, period] :
       {std::tuple{1, 1, kLastYear}, std::tuple{1, 1, kLastYearToo}, std::tuple{2, 2, kLastYear}}) {
    auto d = Submit(Sample(contractor, lot, period, {"PAYROLL-0042", absl::StrCat("OWN-", lot)}));
    ASSERT_THAT(d.status, IsOk());
    ASSERT_THAT(Validate(d.response.name()).status, IsOk());
  }
  // PAYROLL-0042 at both contractors is one person (the same reference, the same secret).
  EXPECT_EQ(Report().totals().distinct_insertion_workers(), 3);
  EXPECT_EQ(Report().totals().declarations(), 3);

  v1::ImpactReport by_month = Report(v1::REPORT_DIMENSION_MONTH);
  // The awards' month, then the two months of hours.
  ASSERT_EQ(by_month.rows_size(), 3);
  EXPECT_EQ(by_month.rows(0).group(), "2025-02");
  EXPECT_EQ(by_month.rows(0).figures().awarded_cents(), 2 * kLotAmount);
  EXPECT_EQ(by_month.rows(0).figures().declarations(), 0);
  EXPECT_EQ(by_month.rows(1).group(), kLastYear);
  EXPECT_EQ(by_month.rows(1).figures().declarations(), 2);
  EXPECT_EQ(by_month.rows(1).figures().distinct_insertion_workers(), 3);
  EXPECT_EQ(by_month.rows(2).group(), kLastYearToo);
  EXPECT_EQ(by_month.rows(2).figures().distinct_insertion_workers(), 2);

  v1::ImpactReport by_contractor = Report(v1::REPORT_DIMENSION_CONTRACTOR);
  ASSERT_EQ(by_contractor.rows_size(), 2);
  EXPECT_EQ(by_contractor.rows(0).group(), TestSiret(1));
  EXPECT_EQ(by_contractor.rows(0).figures().insertion_hundredths(), 2800);
  EXPECT_EQ(by_contractor.rows(0).figures().distinct_insertion_workers(), 2);
  EXPECT_EQ(by_contractor.rows(0).figures().awarded_cents(), kLotAmount);

  // A lot's scope, a bounded period, and a grouping that cuts across the scope.
  v1::GetImpactReportRequest lot;
  lot.set_scope(v1::REPORT_DIMENSION_LOT);
  lot.set_scope_value("tenders/village/lots/1");
  lot.set_period_from(kLastYearToo);
  auto lot_report = Call<v1::ImpactReport>(&v1::ImpactService::Stub::GetImpactReport, lot);
  ASSERT_THAT(lot_report.status, IsOk());
  EXPECT_EQ(lot_report.response.totals().declarations(), 1);
  EXPECT_EQ(lot_report.response.totals().distinct_insertion_workers(), 2);
  v1::ImpactReport theme_by_contractor = Report(
      v1::REPORT_DIMENSION_CONTRACTOR, v1::REPORT_DIMENSION_THEME, "THEME_CONSTRUCTION_WASTE");
  ASSERT_EQ(theme_by_contractor.rows_size(), 2);
  EXPECT_FALSE(theme_by_contractor.rows(0).figures().has_distinct_insertion_workers());
  EXPECT_EQ(theme_by_contractor.totals().distinct_insertion_workers(), 3);

  v1::GetImpactReportRequest bad;
  bad.set_scope(v1::REPORT_DIMENSION_MONTH);
  bad.set_period_from("March");
  EXPECT_THAT(Call<v1::ImpactReport>(&v1::ImpactService::Stub::GetImpactReport, bad).status,
              IsInvalidArgumentOn(::testing::IsSupersetOf({"scope", "period_from"})));

  auto rebuilt = Call<v1::RebuildAggregatesResponse>(&v1::ImpactService::Stub::RebuildAggregates,
                                                     v1::RebuildAggregatesRequest());
  ASSERT_THAT(rebuilt.status, IsOk());
  EXPECT_EQ(rebuilt.response.drifted(), 0);
  EXPECT_GT(rebuilt.response.counters(), 0);
}

TEST_F(ImpactServiceTest, AStreamReportsEachItemAndKeepsTheAcceptedOnes) {
  std::vector<v1::HourDeclaration> items = {Sample(1, 1, "2025-01"), Sample(3, 1, "2025-01"),
                                            Sample(1, 1, "2099-01"), Sample(2, 2, "2025-01")};
  auto reply = Stream(items);
  ASSERT_THAT(reply.status, IsOk());
  EXPECT_EQ(reply.response.accepted(), 2);
  EXPECT_EQ(reply.response.rejected(), 2);
  ASSERT_EQ(reply.response.results_size(), 4);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(reply.response.results(i).index(), i);
  EXPECT_FALSE(reply.response.results(0).name().empty());
  EXPECT_EQ(reply.response.results(1).error().code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(reply.response.results(2).error().code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(reply.response.results(3).name().empty());
  EXPECT_EQ(ListNames().size(), 2u);

  // The retry of the whole upload: the stored ones are accepted again, with no second copy.
  auto again = Stream({items[0], items[3]});
  ASSERT_THAT(again.status, IsOk());
  EXPECT_EQ(again.response.accepted(), 2);
  EXPECT_EQ(ListNames().size(), 2u);
}

TEST_F(ImpactServiceTest, ABrokenStreamKeepsTheCommittedChunksAndNothingElse) {
  std::vector<v1::HourDeclaration> items;
  const size_t chunk = 256;
  for (size_t i = 0; i < chunk + 40; ++i) {
    // Distinct months and lots: one declaration per contractor, lot and month.
    const absl::CivilMonth month = absl::CivilMonth(2000, 1) + static_cast<int64_t>(i / 2);
    items.push_back(Sample(1 + static_cast<int>(i % 2), 1 + static_cast<int>(i % 2),
                           absl::FormatCivilTime(month)));
  }
  auto reply = Stream(items, /*cancel_after_committed=*/chunk);
  EXPECT_THAT(reply.status, HasCode(grpc::StatusCode::CANCELLED));
  // Once the node has stopped (its handlers finished), the tail has still not been written.
  node_.Restart();
  stub_ = v1::ImpactService::NewStub(node_.channel());
  v1::ListDeclarationsRequest all;
  all.set_page_size(1000);
  EXPECT_EQ(ListNames(all).size(), chunk);
}

TEST_F(ImpactServiceTest, NoWorkerReferenceReachesTheDisk) {
  constexpr char kReference[] = "PAYROLL-REFERENCE-7741-DUPONT";
  auto d = Submit(Sample(1, 1, kLastYear, {kReference}));
  ASSERT_THAT(d.status, IsOk());
  ASSERT_THAT(Validate(d.response.name()).status, IsOk());
  node_.Stop();
  const std::string& pseudonym = d.response.workers(0).worker_pseudonym();
  bool pseudonym_found = false;  // the scan reads the files that hold the declaration
  for (const auto& entry : std::filesystem::recursive_directory_iterator(node_.data_dir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_FALSE(absl::StrContains(bytes, kReference)) << entry.path();
    pseudonym_found = pseudonym_found || absl::StrContains(bytes, pseudonym);
  }
  EXPECT_TRUE(pseudonym_found);
  node_.Start();
}

}  // namespace
}  // namespace passerelle
