#ifndef PASSERELLE_IMPACT_SVC_AGGREGATES_H_
#define PASSERELLE_IMPACT_SVC_AGGREGATES_H_

// The impact figures as tallies (store/tally.h): what each validated declaration and each award
// adds, under which keys, so that a report reads a few keys whatever the number of declarations.
//
// Every fact (a declaration's hours, an award share's amount) sits at coordinates — buyer, tender,
// lot, contractor, the notice's themes and departments, and a month. It is added, for every scope
// it falls in (the event, its buyer, ..., each of its themes) and every grouping dimension, to the
// counter tally of (scope, grouping) under the cell (group value, month). A report of a scope
// grouped one way is then the cells of one key. Distinct people and structures are member sets per
// (scope, month) and per scope over all months, whose sizes are read without decoding them.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "passerelle/v1/impact.pb.h"
#include "store/tally.h"

namespace passerelle::impact {

inline constexpr absl::string_view kDeclarationKind = "declaration";

// The positions in a counter cell.
enum Counter : int {
  kTotalHundredths = 0,
  kInsertionHundredths = 1,
  kChannelFirst = 2,   // + InsertionChannel - 1, four of them
  kCategoryFirst = 6,  // + EligibilityCategory - 1, seven of them
  kDeclarations = 13,
  kAwardedCents = 14,
  kSmeSseCents = 15,
  kAwards = 16,
  kCounterCount = 17,
};

// The member sets.
enum class MemberSet : char { kInsertionWorkers = 'w', kSseStructures = 's' };

// Where a fact sits; values as reports spell them (buyers/{id}, tenders/{id},
// tenders/{id}/lots/{n}, SIRET, THEME_..., department).
struct Coordinates {
  std::string buyer;
  std::string tender;
  std::string lot;
  std::string contractor;
  std::vector<std::string> themes;
  std::vector<std::string> departments;
  std::string month;  // YYYY-MM
};

// The scopes and groupings counters are kept for: every ReportDimension but MONTH (a grouping by
// month reads the EVENT grouping, whose cells carry the month).
inline constexpr v1::ReportDimension kDimensions[] = {
    v1::REPORT_DIMENSION_EVENT,     v1::REPORT_DIMENSION_BUYER,      v1::REPORT_DIMENSION_TENDER,
    v1::REPORT_DIMENSION_LOT,       v1::REPORT_DIMENSION_CONTRACTOR, v1::REPORT_DIMENSION_THEME,
    v1::REPORT_DIMENSION_DEPARTMENT};

// The values `c` takes on `dimension` (several for themes and departments; "" for the event).
std::vector<absl::string_view> ValuesOf(const Coordinates& c, v1::ReportDimension dimension);

std::string LotValue(absl::string_view tender, int lot_number);

// The counter tally of `scope` = `value` grouped by `group`, and its cell for a group value and
// month.
std::string CounterKey(v1::ReportDimension scope, absl::string_view value,
                       v1::ReportDimension group);
std::string CounterCell(absl::string_view group_value, absl::string_view month);
// Splits a counter cell back; false when it is not one.
bool SplitCounterCell(absl::string_view cell, absl::string_view* group_value,
                      absl::string_view* month);
// The member set of `scope` = `value` for one month, or over all months when `month` is empty.
std::string MemberKey(MemberSet set, v1::ReportDimension scope, absl::string_view value,
                      absl::string_view month);

// Adds `sign` × `values` (kCounterCount long) at `c` to every counter tally it falls in.
void AddFact(const Coordinates& c, absl::Span<const int64_t> values, int sign,
             store::TallyEdits* edits);
// Adds `sign` × one reference to `member` in the `set` of every scope `c` falls in, per month and
// over all months.
void AddMembers(MemberSet set, const Coordinates& c, absl::Span<const std::string> members,
                int sign, store::TallyEdits* edits);

// What a stored declaration contributes: its hours and workers while validated, nothing otherwise.
absl::Status TallyDeclaration(absl::string_view record, int sign, store::TallyEdits* edits);
// What a stored notice contributes: its awards' amounts, each share at its holder's SIRET.
absl::Status TallyTender(absl::string_view record, int sign, store::TallyEdits* edits);

// The tally functions by record kind, for StoreOptions::tallies.
std::map<std::string, store::TallyFn, std::less<>> TallySources();

}  // namespace passerelle::impact

#endif  // PASSERELLE_IMPACT_SVC_AGGREGATES_H_
