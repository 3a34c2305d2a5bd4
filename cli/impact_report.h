#ifndef PASSERELLE_CLI_IMPACT_REPORT_H_
#define PASSERELLE_CLI_IMPACT_REPORT_H_

// `passerelle impact report`: the request from the command's words, and the ImpactReport written as
// CSV or JSON. Pure: no I/O but the stream handed in, no clock.

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/impact.pb.h"

namespace passerelle::cli {

// The request for --scope, --scope_value, --group_by, --period_from and --period_to. Dimensions are
// named as on the command line: "buyer", "lot", "month", ... ("event", or empty, for the whole
// event). INVALID_ARGUMENT naming the flag for an unknown dimension; the rest (a month scope, a
// malformed period) is the node's to refuse, with its field details.
absl::StatusOr<v1::GetImpactReportRequest> ImpactReportRequest(absl::string_view scope,
                                                               absl::string_view scope_value,
                                                               absl::string_view group_by,
                                                               absl::string_view period_from,
                                                               absl::string_view period_to);

// The CSV header: group, hours (total, insertion, ratio, target status, distinct people), insertion
// hours by each channel and each eligibility category (one fixed column per enum value, so that
// files from different reports line up), then declarations and the amounts (awarded, to TPE/PME and
// SSE, share, target status, awards, SSE structures holding contracts).
const std::vector<std::string>& ImpactReportCsvColumns();

// The fields of one CSV line for `figures` under `group`. Hours and euros are exact decimals with
// two places ("1234.56"), percents from basis points likewise ("10.25"); a figure the report leaves
// absent (distinct people or structures in rows that cannot tell) is an empty cell, not 0.
std::vector<std::string> ImpactFiguresCsvRow(absl::string_view group,
                                             const v1::ImpactFigures& figures);

// The header, one line per row in the report's order, and a last line "total" with the totals.
void WriteImpactReportCsv(const v1::ImpactReport& report, std::ostream& out);

// `report` as protobuf's proto3 JSON (lowerCamelCase names, enums by name, 64-bit integers as
// strings, zeros written out), two-space indented: what the gateway answers for GetImpactReport.
absl::StatusOr<std::string> ImpactReportJson(const v1::ImpactReport& report);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_IMPACT_REPORT_H_
