#include "impact_svc/report.h"

#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "common/errors.h"
#include "impact_svc/aggregates.h"
#include "impact_svc/rules.h"

namespace passerelle::impact {
namespace {

using Counters = std::array<int64_t, kCounterCount>;

// Whether the scope's own member sets answer for a row: the rows are the scope's months, or each
// row lies wholly inside the scope (a lot inside its tender, a tender inside its buyer, any group
// inside the event), so the row's own set is the row's people within the scope.
bool RowSetsAnswer(v1::ReportDimension scope, v1::ReportDimension group) {
  if (group == v1::REPORT_DIMENSION_MONTH || scope == v1::REPORT_DIMENSION_EVENT ||
      scope == group) {
    return true;
  }
  if (scope == v1::REPORT_DIMENSION_BUYER) {
    return group == v1::REPORT_DIMENSION_TENDER || group == v1::REPORT_DIMENSION_LOT;
  }
  return scope == v1::REPORT_DIMENSION_TENDER && group == v1::REPORT_DIMENSION_LOT;
}

struct Range {
  std::string from, to;  // inclusive; empty: open
  bool open() const { return from.empty() && to.empty(); }
  bool Holds(absl::string_view month) const {
    return (from.empty() || month >= from) && (to.empty() || month <= to);
  }
};

void Accumulate(absl::Span<const int64_t> cell, Counters* into) {
  for (size_t i = 0; i < cell.size() && i < into->size(); ++i) (*into)[i] += cell[i];
}

// The members of `set` for `scope` = `value` over `months` (those of the range that have any fact):
// the all-months set's size when the range is open, else the union of the months' sets.
absl::StatusOr<int64_t> DistinctMembers(const store::ReadView& view, MemberSet set,
                                        v1::ReportDimension scope, absl::string_view value,
                                        const Range& range,
                                        const std::vector<std::string>& months) {
  if (range.open() || months.size() == 1) {
    absl::StatusOr<uint64_t> n =
        view.TallySize(MemberKey(set, scope, value, range.open() ? "" : months[0]));
    if (!n.ok()) return n.status();
    return static_cast<int64_t>(*n);
  }
  absl::flat_hash_set<std::string> members;
  for (const std::string& month : months) {
    absl::Status read =
        view.ForEachTallyCell(MemberKey(set, scope, value, month),
                              [&members](absl::string_view member, absl::Span<const int64_t>) {
                                members.emplace(member);
                              });
    if (!read.ok()) return read;
  }
  return static_cast<int64_t>(members.size());
}

void FillFigures(const Counters& c, const v1::ImpactConfig& config, v1::ImpactFigures* f) {
  f->set_total_hundredths(c[kTotalHundredths]);
  f->set_insertion_hundredths(c[kInsertionHundredths]);
  const int64_t hours_ratio = RatioBasisPoints(c[kInsertionHundredths], c[kTotalHundredths]);
  f->set_insertion_ratio_basis_points(static_cast<int32_t>(hours_ratio));
  // A row without hours (a month of awards alone) has no ratio to judge: its status stays
  // unspecified rather than "behind". The same holds for amounts below.
  if (config.has_hours_target() && c[kTotalHundredths] > 0) {
    f->set_hours_target_status(StatusAgainst(hours_ratio, config.hours_target()));
  }
  for (int i = 0; i < 4; ++i) {
    if (c[kChannelFirst + i] == 0) continue;
    v1::ChannelHours* h = f->add_by_channel();
    h->set_channel(static_cast<v1::InsertionChannel>(i + 1));
    h->set_hundredths(c[kChannelFirst + i]);
  }
  for (int i = 0; i < 7; ++i) {
    if (c[kCategoryFirst + i] == 0) continue;
    v1::CategoryHours* h = f->add_by_category();
    h->set_category(static_cast<v1::EligibilityCategory>(i + 1));
    h->set_hundredths(c[kCategoryFirst + i]);
  }
  f->set_declarations(c[kDeclarations]);
  f->set_awarded_cents(c[kAwardedCents]);
  f->set_sme_sse_cents(c[kSmeSseCents]);
  const int64_t amount_ratio = RatioBasisPoints(c[kSmeSseCents], c[kAwardedCents]);
  f->set_sme_sse_share_basis_points(static_cast<int32_t>(amount_ratio));
  if (config.has_amount_target() && c[kAwardedCents] > 0) {
    f->set_amount_target_status(StatusAgainst(amount_ratio, config.amount_target()));
  }
  f->set_awards(c[kAwards]);
}

absl::Status FillDistinct(const store::ReadView& view, v1::ReportDimension scope,
                          absl::string_view value, const Range& range,
                          const std::vector<std::string>& months, v1::ImpactFigures* f) {
  absl::StatusOr<int64_t> workers =
      DistinctMembers(view, MemberSet::kInsertionWorkers, scope, value, range, months);
  if (!workers.ok()) return workers.status();
  absl::StatusOr<int64_t> structures =
      DistinctMembers(view, MemberSet::kSseStructures, scope, value, range, months);
  if (!structures.ok()) return structures.status();
  f->set_distinct_insertion_workers(*workers);
  f->set_sse_structures_with_contracts(*structures);
  return absl::OkStatus();
}

struct Group {
  Counters counters{};
  std::vector<std::string> months;  // in order, those with a fact in range
};

void Add(absl::Span<const int64_t> cell, absl::string_view month, Group* g) {
  Accumulate(cell, &g->counters);
  if (g->months.empty() || g->months.back() != month) g->months.emplace_back(month);
}

// Each cell of counter tally `key` whose month is in `range`, with its group value and month.
absl::Status ForEachCounterCell(
    const store::ReadView& view, const std::string& key, const Range& range,
    absl::FunctionRef<void(absl::string_view group_value, absl::string_view month,
                           absl::Span<const int64_t> counters)>
        visit) {
  return view.ForEachTallyCell(
      key, [&](absl::string_view cell, absl::Span<const int64_t> counters) {
        absl::string_view group_value, month;
        if (SplitCounterCell(cell, &group_value, &month) && range.Holds(month)) {
          visit(group_value, month, counters);
        }
      });
}

// The row named `name`, made if new; a lookup allocates nothing (a cell per month per row).
Group& RowOf(absl::string_view name, std::map<std::string, Group, std::less<>>* rows) {
  auto at = rows->find(name);
  if (at == rows->end()) at = rows->emplace(std::string(name), Group()).first;
  return at->second;
}

}  // namespace

absl::StatusOr<v1::ImpactReport> BuildReport(const store::ReadView& view,
                                             const v1::GetImpactReportRequest& request,
                                             const v1::ImpactConfig& config) {
  common::FieldViolations violations;
  v1::ReportDimension scope = request.scope() == v1::REPORT_DIMENSION_UNSPECIFIED
                                  ? v1::REPORT_DIMENSION_EVENT
                                  : request.scope();
  v1::ReportDimension group = request.group_by() == v1::REPORT_DIMENSION_UNSPECIFIED
                                  ? v1::REPORT_DIMENSION_EVENT
                                  : request.group_by();
  if (!v1::ReportDimension_IsValid(scope) || scope == v1::REPORT_DIMENSION_MONTH) {
    violations.Add("scope",
                   "must be the event, a buyer, tender, lot, contractor, theme or department");
  } else if (scope == v1::REPORT_DIMENSION_EVENT && !request.scope_value().empty()) {
    violations.Add("scope_value", "must be empty for the event scope");
  } else if (scope != v1::REPORT_DIMENSION_EVENT &&
             (request.scope_value().empty() || absl::StrContains(request.scope_value(), '|'))) {
    violations.Add("scope_value",
                   "must name the buyer, tender, lot, contractor, theme or department");
  }
  if (!v1::ReportDimension_IsValid(group)) violations.Add("group_by", "is not a dimension");
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"period_from", request.period_from()},
        {"period_to", request.period_to()}}) {
    if (!value.empty() && !ParseMonth(value)) violations.Add(field, "must be a month YYYY-MM");
  }
  if (violations.empty() && !request.period_from().empty() && !request.period_to().empty() &&
      request.period_from() > request.period_to()) {
    violations.Add("period_to", "is before period_from");
  }
  if (!violations.empty()) return violations.ToStatus();

  const Range range{request.period_from(), request.period_to()};
  const absl::string_view value = request.scope_value();
  v1::ImpactReport report;
  report.set_scope(scope);
  report.set_scope_value(std::string(value));
  report.set_group_by(group);
  report.set_period_from(range.from);
  report.set_period_to(range.to);
  *report.mutable_hours_target() = config.hours_target();
  *report.mutable_amount_target() = config.amount_target();

  // The scope's totals: its counters by month, in month order.
  Group totals;
  std::map<std::string, Group, std::less<>> rows;
  const bool by_months = group == v1::REPORT_DIMENSION_MONTH;
  absl::Status read = ForEachCounterCell(
      view, CounterKey(scope, value, v1::REPORT_DIMENSION_EVENT), range,
      [&](absl::string_view, absl::string_view month, absl::Span<const int64_t> counters) {
        Add(counters, month, &totals);
        if (by_months) Add(counters, month, &RowOf(month, &rows));
      });
  if (!read.ok()) return read;
  FillFigures(totals.counters, config, report.mutable_totals());
  if (absl::Status s =
          FillDistinct(view, scope, value, range, totals.months, report.mutable_totals());
      !s.ok()) {
    return s;
  }

  if (group != v1::REPORT_DIMENSION_EVENT && !by_months) {
    read = ForEachCounterCell(view, CounterKey(scope, value, group), range,
                              [&](absl::string_view group_value, absl::string_view month,
                                  absl::Span<const int64_t> counters) {
                                Add(counters, month, &RowOf(group_value, &rows));
                              });
    if (!read.ok()) return read;
  }
  const bool row_sets = RowSetsAnswer(scope, group);
  for (auto& [name, row] : rows) {
    v1::ImpactReportRow* out = report.add_rows();
    out->set_group(name);
    FillFigures(row.counters, config, out->mutable_figures());
    if (!row_sets) continue;
    // A month row is the scope's own set for that month; any other row, the row's own set.
    absl::Status s =
        by_months
            ? FillDistinct(view, scope, value, Range{name, name}, {name}, out->mutable_figures())
            : FillDistinct(view, group, name, range, row.months, out->mutable_figures());
    if (!s.ok()) return s;
  }
  return report;
}

}  // namespace passerelle::impact
