#include "cli/impact_report.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/csv.h"
#include "cli/decimal.h"
#include "cli/structure_csv.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::cli {
namespace {

// The enum values with a column each: every value but UNSPECIFIED, in number order.
template <typename Descriptor>
std::vector<int> ColumnValues(const Descriptor& type) {
  std::vector<int> values;
  for (int i = 0; i < type.value_count(); ++i) {
    if (type.value(i)->number() != 0) values.push_back(type.value(i)->number());
  }
  return values;
}

const std::vector<int>& Channels() {
  static const auto* const kValues =
      new std::vector<int>(ColumnValues(*v1::InsertionChannel_descriptor()));
  return *kValues;
}

const std::vector<int>& Categories() {
  static const auto* const kValues =
      new std::vector<int>(ColumnValues(*v1::EligibilityCategory_descriptor()));
  return *kValues;
}

std::string Hundredths(int64_t value) { return HundredthsDecimal(value, Decimals::kTwo); }

std::string TargetStatusCell(v1::TargetStatus status) {
  return EnumCell(*v1::TargetStatus_descriptor(), status);
}

// The report lists each channel and category at most once, and leaves out those with no hours.
int64_t ChannelHours(const v1::ImpactFigures& f, int channel) {
  for (const v1::ChannelHours& h : f.by_channel()) {
    if (h.channel() == channel) return h.hundredths();
  }
  return 0;
}

int64_t CategoryHours(const v1::ImpactFigures& f, int category) {
  for (const v1::CategoryHours& h : f.by_category()) {
    if (h.category() == category) return h.hundredths();
  }
  return 0;
}

absl::StatusOr<v1::ReportDimension> Dimension(absl::string_view flag, absl::string_view word) {
  absl::StatusOr<int> value = ParseEnumCell(*v1::ReportDimension_descriptor(), word);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", value.status().message()));
  }
  return static_cast<v1::ReportDimension>(*value);
}

}  // namespace

absl::StatusOr<v1::GetImpactReportRequest> ImpactReportRequest(absl::string_view scope,
                                                               absl::string_view scope_value,
                                                               absl::string_view group_by,
                                                               absl::string_view period_from,
                                                               absl::string_view period_to) {
  absl::StatusOr<v1::ReportDimension> scope_dimension = Dimension("scope", scope);
  if (!scope_dimension.ok()) return scope_dimension.status();
  absl::StatusOr<v1::ReportDimension> group_dimension = Dimension("group_by", group_by);
  if (!group_dimension.ok()) return group_dimension.status();
  v1::GetImpactReportRequest request;
  request.set_scope(*scope_dimension);
  request.set_scope_value(std::string(scope_value));
  request.set_group_by(*group_dimension);
  request.set_period_from(std::string(period_from));
  request.set_period_to(std::string(period_to));
  return request;
}

const std::vector<std::string>& ImpactReportCsvColumns() {
  static const auto* const kColumns = [] {
    auto* columns = new std::vector<std::string>{"group",
                                                 "total_hours",
                                                 "insertion_hours",
                                                 "insertion_ratio_percent",
                                                 "hours_target_status",
                                                 "distinct_insertion_workers"};
    for (int c : Channels()) {
      columns->push_back(
          absl::StrCat("channel_", EnumCell(*v1::InsertionChannel_descriptor(), c), "_hours"));
    }
    for (int c : Categories()) {
      columns->push_back(
          absl::StrCat("category_", EnumCell(*v1::EligibilityCategory_descriptor(), c), "_hours"));
    }
    for (const char* column :
         {"declarations", "awarded_eur", "sme_sse_eur", "sme_sse_share_percent",
          "amount_target_status", "awards", "sse_structures_with_contracts"}) {
      columns->push_back(column);
    }
    return columns;
  }();
  return *kColumns;
}

std::vector<std::string> ImpactFiguresCsvRow(absl::string_view group, const v1::ImpactFigures& f) {
  std::vector<std::string> row = {
      std::string(group),
      Hundredths(f.total_hundredths()),
      Hundredths(f.insertion_hundredths()),
      Hundredths(f.insertion_ratio_basis_points()),
      TargetStatusCell(f.hours_target_status()),
      f.has_distinct_insertion_workers() ? absl::StrCat(f.distinct_insertion_workers()) : ""};
  for (int c : Channels()) row.push_back(Hundredths(ChannelHours(f, c)));
  for (int c : Categories()) row.push_back(Hundredths(CategoryHours(f, c)));
  row.push_back(absl::StrCat(f.declarations()));
  row.push_back(Hundredths(f.awarded_cents()));
  row.push_back(Hundredths(f.sme_sse_cents()));
  row.push_back(Hundredths(f.sme_sse_share_basis_points()));
  row.push_back(TargetStatusCell(f.amount_target_status()));
  row.push_back(absl::StrCat(f.awards()));
  row.push_back(
      f.has_sse_structures_with_contracts() ? absl::StrCat(f.sse_structures_with_contracts()) : "");
  return row;
}

void WriteImpactReportCsv(const v1::ImpactReport& report, std::ostream& out) {
  CsvWriter writer(out);
  writer.WriteRecord(ImpactReportCsvColumns());
  for (const v1::ImpactReportRow& row : report.rows()) {
    writer.WriteRecord(ImpactFiguresCsvRow(row.group(), row.figures()));
  }
  writer.WriteRecord(ImpactFiguresCsvRow("total", report.totals()));
}

absl::StatusOr<std::string> ImpactReportJson(const v1::ImpactReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  if (auto printed = google::protobuf::util::MessageToJsonString(report, &json, options);
      !printed.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot print the report as JSON: ", printed.message().as_string()));
  }
  return json;
}

}  // namespace passerelle::cli
