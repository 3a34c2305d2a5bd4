#ifndef PASSERELLE_TENDER_SVC_LIFECYCLE_H_
#define PASSERELLE_TENDER_SVC_LIFECYCLE_H_

// The life of a notice: forecast → published → closed → awarded, or cancelled from forecast or
// published. Pure; every service write that moves a notice asks here first.

#include "absl/status/statusor.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::tender {

// The status `action` leads to from `from`, or FAILED_PRECONDITION naming both states when the move
// is not allowed. CREATED starts a notice (from UNSPECIFIED only); UPDATED keeps the status and is
// allowed while the notice is forecast or published; LOT_AWARDED is allowed on a closed notice (and
// on an awarded one, never: an awarded notice has every lot awarded) and keeps it closed — the
// caller moves it to awarded with AwardedWhenComplete.
absl::StatusOr<v1::TenderStatus> Transition(v1::TenderStatus from, v1::TenderAction action);

// AWARDED when every lot of `t` has an award, else `t`'s status.
v1::TenderStatus AwardedWhenComplete(const v1::Tender& t);

// "forecast", "published", ... for messages.
const char* StatusLabel(v1::TenderStatus status);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_LIFECYCLE_H_
