// `passerelle impact report` as a spreadsheet or a program reads it: one header and a line per row
// plus the totals, exact decimals from the integer figures, absent figures as empty cells, and JSON
// that parses back to the same report.

#include "cli/impact_report.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/csv.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using ::testing::Not;

v1::ImpactFigures Figures(int64_t total, int64_t insertion) {
  v1::ImpactFigures f;
  f.set_total_hundredths(total);
  f.set_insertion_hundredths(insertion);
  f.set_insertion_ratio_basis_points(static_cast<int32_t>(insertion * 10000 / total));
  f.set_hours_target_status(v1::TARGET_STATUS_ON_TRACK);
  v1::ChannelHours* c = f.add_by_channel();
  c->set_channel(v1::INSERTION_CHANNEL_PLACEMENT);
  c->set_hundredths(insertion);
  v1::CategoryHours* k = f.add_by_category();
  k->set_category(v1::ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER);
  k->set_hundredths(insertion - 5);
  k = f.add_by_category();
  k->set_category(v1::ELIGIBILITY_CATEGORY_SIAE_EMPLOYEE);
  k->set_hundredths(5);
  f.set_declarations(3);
  f.set_awarded_cents(123'456'789);
  f.set_sme_sse_cents(30'864'197);
  f.set_sme_sse_share_basis_points(2500);
  f.set_amount_target_status(v1::TARGET_STATUS_MET);
  f.set_awards(2);
  return f;
}

// A month report of two rows: the month rows know their distinct people, as the totals do.
v1::ImpactReport MonthReport() {
  v1::ImpactReport r;
  r.set_group_by(v1::REPORT_DIMENSION_MONTH);
  r.set_scope(v1::REPORT_DIMENSION_BUYER);
  r.set_scope_value("buyers/solideo");
  *r.mutable_totals() = Figures(223'456, 20'000);
  r.mutable_totals()->set_distinct_insertion_workers(12);
  r.mutable_totals()->set_sse_structures_with_contracts(4);
  for (const char* month : {"2024-01", "2024-02"}) {
    v1::ImpactReportRow* row = r.add_rows();
    row->set_group(month);
    *row->mutable_figures() = Figures(123'456, 10'000);
    row->mutable_figures()->set_distinct_insertion_workers(7);
    row->mutable_figures()->set_sse_structures_with_contracts(0);
  }
  r.mutable_hours_target()->set_target_basis_points(1000);
  r.mutable_hours_target()->set_on_track_basis_points(800);
  return r;
}

// The report written as CSV, read back as a spreadsheet would.
std::vector<CsvRecord> CsvOf(const v1::ImpactReport& report) {
  std::ostringstream out;
  WriteImpactReportCsv(report, out);
  std::istringstream in(out.str());
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (true) {
    absl::StatusOr<bool> more = reader.Next(&record);
    EXPECT_TRUE(more.ok()) << more.status();
    if (!more.ok() || !*more) break;
    records.push_back(record);
  }
  return records;
}

// Line `line` of `records` as column → cell.
using Cells = std::map<std::string, std::string>;
Cells Line(const std::vector<CsvRecord>& records, size_t line) {
  Cells cells;
  for (size_t i = 0; i < records.at(0).fields.size(); ++i) {
    cells[records.at(0).fields[i]] = records.at(line).fields.at(i);
  }
  return cells;
}

TEST(ImpactReportCsv, HasOneHeaderOneLinePerRowAndATotalLineAllOfTheHeadersWidth) {
  std::vector<CsvRecord> records = CsvOf(MonthReport());
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].fields, ImpactReportCsvColumns());
  for (const CsvRecord& r : records) EXPECT_EQ(r.fields.size(), ImpactReportCsvColumns().size());
  EXPECT_EQ(records[1].fields[0], "2024-01");
  EXPECT_EQ(records[2].fields[0], "2024-02");
  EXPECT_EQ(records[3].fields[0], "total");
}

TEST(ImpactReportCsv, ColumnsAreFixedOnePerChannelAndCategoryWhateverTheFigures) {
  const std::vector<std::string>& columns = ImpactReportCsvColumns();
  EXPECT_THAT(std::vector<std::string>(columns.begin(), columns.begin() + 6),
              ElementsAre("group", "total_hours", "insertion_hours", "insertion_ratio_percent",
                          "hours_target_status", "distinct_insertion_workers"));
  EXPECT_THAT(std::vector<std::string>(columns.begin() + 6, columns.begin() + 10),
              ElementsAre("channel_direct_hire_hours", "channel_temporary_work_hours",
                          "channel_placement_hours", "channel_subcontracting_hours"));
  EXPECT_EQ(columns[10], "category_long_term_job_seeker_hours");
  EXPECT_EQ(columns[16], "category_siae_employee_hours");
  EXPECT_THAT(std::vector<std::string>(columns.begin() + 17, columns.end()),
              ElementsAre("declarations", "awarded_eur", "sme_sse_eur", "sme_sse_share_percent",
                          "amount_target_status", "awards", "sse_structures_with_contracts"));
}

TEST(ImpactReportCsv, HoursEurosAndPercentsAreExactDecimalsOfTheIntegers) {
  v1::ImpactReport report;
  *report.mutable_totals() = Figures(123'456, 12'345);
  report.mutable_totals()->set_insertion_ratio_basis_points(1025);
  report.mutable_totals()->set_awarded_cents(9'007'199'254'740'993);  // beyond a double's integers
  std::vector<CsvRecord> records = CsvOf(report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(Line(records, 1), IsSupersetOf(Cells{
                                    {"total_hours", "1234.56"},
                                    {"insertion_hours", "123.45"},
                                    {"insertion_ratio_percent", "10.25"},
                                    {"channel_placement_hours", "123.45"},
                                    {"channel_direct_hire_hours", "0.00"},
                                    {"category_long_term_job_seeker_hours", "123.40"},
                                    {"category_siae_employee_hours", "0.05"},
                                    {"awarded_eur", "90071992547409.93"},
                                    {"sme_sse_eur", "308641.97"},
                                    {"sme_sse_share_percent", "25.00"},
                                    {"hours_target_status", "on_track"},
                                    {"amount_target_status", "met"},
                                    {"declarations", "3"},
                                    {"awards", "2"},
                                }));
}

TEST(ImpactReportCsv, FiguresTheReportLeavesAbsentAreEmptyCellsNotZeros) {
  v1::ImpactReport report = MonthReport();
  report.mutable_rows(0)->mutable_figures()->clear_distinct_insertion_workers();
  report.mutable_rows(0)->mutable_figures()->clear_sse_structures_with_contracts();
  report.mutable_rows(0)->mutable_figures()->clear_hours_target_status();
  std::vector<CsvRecord> records = CsvOf(report);
  EXPECT_THAT(Line(records, 1), IsSupersetOf(Cells{{"distinct_insertion_workers", ""},
                                                   {"sse_structures_with_contracts", ""},
                                                   {"hours_target_status", ""}}));
  // Present, even when zero.
  EXPECT_THAT(Line(records, 2), IsSupersetOf(Cells{{"distinct_insertion_workers", "7"},
                                                   {"sse_structures_with_contracts", "0"}}));
  EXPECT_EQ(Line(records, 3)["distinct_insertion_workers"], "12");
}

TEST(ImpactReportCsv, AnUngroupedReportIsTheHeaderAndTheTotalLine) {
  v1::ImpactReport report;
  *report.mutable_totals() = Figures(100, 10);
  std::vector<CsvRecord> records = CsvOf(report);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields[0], "total");
}

TEST(ImpactReportJson, ParsesBackToTheSameReportAbsentFiguresStayingAbsent) {
  v1::ImpactReport report = MonthReport();
  report.mutable_rows(1)->mutable_figures()->clear_distinct_insertion_workers();
  absl::StatusOr<std::string> json = ImpactReportJson(report);
  ASSERT_TRUE(json.ok()) << json.status();
  v1::ImpactReport back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &back).ok()) << *json;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, report))
      << back.DebugString();
  EXPECT_FALSE(back.rows(1).figures().has_distinct_insertion_workers());
  EXPECT_TRUE(back.rows(0).figures().has_sse_structures_with_contracts());  // a present 0
}

TEST(ImpactReportJson, UsesProto3JsonNamesEnumNamesAndWritesZeros) {
  v1::ImpactReport report = MonthReport();
  report.mutable_rows(0)->mutable_figures()->set_awards(0);
  absl::StatusOr<std::string> json = ImpactReportJson(report);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, HasSubstr("\"totalHundredths\": \"223456\""));
  EXPECT_THAT(*json, HasSubstr("\"groupBy\": \"REPORT_DIMENSION_MONTH\""));
  EXPECT_THAT(*json, HasSubstr("\"channel\": \"INSERTION_CHANNEL_PLACEMENT\""));
  EXPECT_THAT(*json, HasSubstr("\"awards\": \"0\""));
  EXPECT_THAT(*json, Not(HasSubstr("total_hundredths")));
}

TEST(ImpactReportRequest, NamesDimensionsAsTheCommandLineDoes) {
  absl::StatusOr<v1::GetImpactReportRequest> r =
      ImpactReportRequest("buyer", "buyers/solideo", "month", "2023-01", "2024-07");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->scope(), v1::REPORT_DIMENSION_BUYER);
  EXPECT_EQ(r->scope_value(), "buyers/solideo");
  EXPECT_EQ(r->group_by(), v1::REPORT_DIMENSION_MONTH);
  EXPECT_EQ(r->period_from(), "2023-01");
  EXPECT_EQ(r->period_to(), "2024-07");

  absl::StatusOr<v1::GetImpactReportRequest> event = ImpactReportRequest("", "", "", "", "");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->scope(), v1::REPORT_DIMENSION_UNSPECIFIED);
  EXPECT_EQ(ImpactReportRequest("EVENT", "", "Department", "", "")->group_by(),
            v1::REPORT_DIMENSION_DEPARTMENT);

  absl::StatusOr<v1::GetImpactReportRequest> bad = ImpactReportRequest("", "", "week", "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--group_by"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("month"));
}

}  // namespace
}  // namespace passerelle::cli
