#ifndef PASSERELLE_IMPACT_SVC_REPORT_H_
#define PASSERELLE_IMPACT_SVC_REPORT_H_

// GetImpactReport from the aggregate tallies (impact_svc/aggregates.h): reads the counter tally of
// the scope and grouping, the scope's totals and its member-set sizes; never a declaration.

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/impact.pb.h"
#include "store/store.h"

namespace passerelle::impact {

// INVALID_ARGUMENT with field details for a scope, grouping or period range that is malformed.
absl::StatusOr<v1::ImpactReport> BuildReport(const store::ReadView& view,
                                             const v1::GetImpactReportRequest& request,
                                             const v1::ImpactConfig& config);

}  // namespace passerelle::impact

#endif  // PASSERELLE_IMPACT_SVC_REPORT_H_
