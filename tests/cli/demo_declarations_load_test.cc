// `passerelle demo declarations` against a real in-process node with an impact configuration: the
// buyer's published notices end up closed and awarded, the declarations are stored and reviewed,
// the impact report's totals are the sums over the validated declarations and the awards read back
// from the node, and a second run changes nothing.

#include "cli/demo_declarations_load.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/demo_data.h"
#include "cli/demo_tenders.h"
#include "cli/pages.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/impact/sample_declarations.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"

namespace passerelle::cli {
namespace {

using testing::IsOk;

constexpr uint64_t kSeed = 11;
constexpr int kNotices = 24;
constexpr int kDeclarations = 400;

// The stub as the interface the CLI's listing helpers take.
template <typename Stub>
typename Stub::StubInterface& Interface(Stub& stub) {
  return stub;
}

class DemoDeclarationsLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::RegistryClient registry(node_);
    v1::Buyer buyer;
    buyer.set_buyer_id("solideo");
    buyer.set_display_name("SOLIDEO");
    buyer.set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
    ASSERT_THAT(registry.CreateBuyer(buyer).status, IsOk());
    auto imported = registry.ImportStructures(testing::ImportRows(GenerateStructures(600, kSeed)));
    ASSERT_THAT(imported.status, IsOk());
    ASSERT_EQ(imported.response.rejected_size(), 0);
    // As `demo tenders` leaves them: every other notice published, the rest forecast.
    TenderGenerator generator(kSeed, {"solideo"}, "t");
    for (int i = 0; i < kNotices; ++i) {
      grpc::ClientContext context;
      v1::CreateTenderRequest create;
      *create.mutable_tender() = generator.Next();
      v1::Tender created;
      ASSERT_THAT(tenders_->CreateTender(&context, create, &created), IsOk());
      if (i % 2 == 1) continue;
      grpc::ClientContext publish_context;
      v1::PublishTenderRequest publish;
      publish.set_name(created.name());
      ASSERT_THAT(tenders_->PublishTender(&publish_context, publish, &created), IsOk());
    }
  }

  DemoDeclarationsRun Load() {
    DemoDeclarationsOptions options;
    options.buyer_id = "solideo";
    options.seed = kSeed;
    options.count = kDeclarations;
    options.validate_percent = 80;
    DemoDeclarationsRun run;
    EXPECT_THAT(LoadDemoDeclarations(*registry_, *tenders_, *impact_, options, &run), IsOk());
    return run;
  }

  std::vector<v1::HourDeclaration> Declarations(v1::DeclarationStatus status) {
    v1::ListDeclarationsRequest request;
    request.set_status(status);
    request.set_page_size(100);
    std::vector<v1::HourDeclaration> out;
    EXPECT_THAT(
        CollectPages(Interface(*impact_), &v1::ImpactService::StubInterface::ListDeclarations,
                     request, &v1::ListDeclarationsResponse::mutable_declarations, &out),
        IsOk());
    return out;
  }

  v1::ImpactReport Report(v1::ReportDimension group_by) {
    grpc::ClientContext context;
    v1::GetImpactReportRequest request;
    request.set_group_by(group_by);
    v1::ImpactReport report;
    EXPECT_THAT(impact_->GetImpactReport(&context, request, &report), IsOk());
    return report;
  }

  testing::TempDir secrets_;
  testing::TestNode node_{testing::ImpactNodeConfig(secrets_.path())};
  std::unique_ptr<v1::RegistryService::Stub> registry_ = node_.Registry();
  std::unique_ptr<v1::TenderService::Stub> tenders_ = v1::TenderService::NewStub(node_.channel());
  std::unique_ptr<v1::ImpactService::Stub> impact_ = v1::ImpactService::NewStub(node_.channel());
};

TEST_F(DemoDeclarationsLoad, TheReportsTotalsAreTheSumsOverValidatedDeclarationsAndAwards) {
  const DemoDeclarationsRun run = Load();
  EXPECT_EQ(run.notices, kNotices);
  EXPECT_EQ(run.closed, kNotices / 2);
  EXPECT_GT(run.lots_awarded, kNotices / 2 * 3 / 2);
  EXPECT_EQ(run.refused, 0) << run.first_refusal;
  EXPECT_GT(run.accepted, kDeclarations / 2);
  EXPECT_EQ(run.validated, static_cast<int>(Declarations(v1::DECLARATION_STATUS_VALIDATED).size()));
  EXPECT_EQ(run.rejected, static_cast<int>(Declarations(v1::DECLARATION_STATUS_REJECTED).size()));
  EXPECT_GT(run.validated, run.accepted * 7 / 10);
  EXPECT_EQ(run.validated + run.rejected +
                static_cast<int>(Declarations(v1::DECLARATION_STATUS_SUBMITTED).size()),
            run.accepted);

  // The figures, summed from the records the node returns.
  v1::ImpactFigures sums;
  std::map<int, int64_t> channels, categories;
  std::set<std::string> people;
  for (const v1::HourDeclaration& d : Declarations(v1::DECLARATION_STATUS_VALIDATED)) {
    sums.set_total_hundredths(sums.total_hundredths() + d.total_hundredths());
    sums.set_insertion_hundredths(sums.insertion_hundredths() + d.insertion_hundredths());
    sums.set_declarations(sums.declarations() + 1);
    for (const v1::ChannelHours& h : d.by_channel()) channels[h.channel()] += h.hundredths();
    for (const v1::CategoryHours& h : d.by_category()) categories[h.category()] += h.hundredths();
    for (const v1::WorkerLine& w : d.workers()) {
      EXPECT_TRUE(w.worker_reference().empty()) << "references never leave the contractor";
      people.insert(w.worker_pseudonym());
    }
  }
  v1::ListAwardsRequest awards_request;
  awards_request.set_buyer("buyers/solideo");
  std::vector<v1::Award> awards;
  ASSERT_THAT(CollectPages(Interface(*tenders_), &v1::TenderService::StubInterface::ListAwards,
                           awards_request, &v1::ListAwardsResponse::mutable_awards, &awards),
              IsOk());
  for (const v1::Award& a : awards) sums.set_awarded_cents(sums.awarded_cents() + a.amount_cents());
  EXPECT_EQ(static_cast<int>(awards.size()), run.lots_awarded);

  const v1::ImpactReport report = Report(v1::REPORT_DIMENSION_MONTH);
  const v1::ImpactFigures& totals = report.totals();
  EXPECT_EQ(totals.total_hundredths(), sums.total_hundredths());
  EXPECT_EQ(totals.insertion_hundredths(), sums.insertion_hundredths());
  EXPECT_EQ(totals.declarations(), sums.declarations());
  EXPECT_EQ(totals.distinct_insertion_workers(), static_cast<int64_t>(people.size()));
  EXPECT_EQ(totals.awarded_cents(), sums.awarded_cents());
  EXPECT_EQ(totals.awards(), static_cast<int64_t>(awards.size()));
  std::map<int, int64_t> report_channels, report_categories;
  for (const v1::ChannelHours& h : totals.by_channel())
    report_channels[h.channel()] = h.hundredths();
  for (const v1::CategoryHours& h : totals.by_category()) {
    report_categories[h.category()] = h.hundredths();
  }
  EXPECT_EQ(report_channels, channels);
  EXPECT_EQ(report_categories, categories);
  EXPECT_GT(totals.insertion_ratio_basis_points(), 500);
  EXPECT_LT(totals.insertion_ratio_basis_points(), 2500);

  // The month rows add up to the totals too.
  int64_t month_total = 0;
  for (const v1::ImpactReportRow& row : report.rows()) {
    month_total += row.figures().total_hundredths();
  }
  EXPECT_EQ(month_total, totals.total_hundredths());
}

TEST_F(DemoDeclarationsLoad, ASecondRunChangesNothing) {
  const DemoDeclarationsRun first = Load();
  const v1::ImpactReport before = Report(v1::REPORT_DIMENSION_MONTH);
  const DemoDeclarationsRun second = Load();
  EXPECT_EQ(second.closed, 0);
  EXPECT_EQ(second.lots_awarded, 0);
  EXPECT_EQ(second.accepted, first.accepted);
  EXPECT_EQ(second.refused, 0) << second.first_refusal;
  EXPECT_EQ(second.validated + second.rejected, 0);
  EXPECT_EQ(second.already_reviewed, first.validated + first.rejected);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(Report(v1::REPORT_DIMENSION_MONTH),
                                                                 before));
}

}  // namespace
}  // namespace passerelle::cli
