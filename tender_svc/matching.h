#ifndef PASSERELLE_TENDER_SVC_MATCHING_H_
#define PASSERELLE_TENDER_SVC_MATCHING_H_

// How well a structure fits a lot, with the reasons, as the French inclusive-suppliers directory
// scores it: sector (CPV), themes, geography, capacity versus the lot's amount, eligibility for a
// reserved lot, size and SSE status. Pure: the candidates come from the registry's indexes, the
// scoring happens here.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::tender {

// May `s` answer a lot with `reservation`? L2113-13 (SIAE): EI, ETTI, AI, ACI, EITI; L2113-12: EA,
// ESAT; L2113-15: SSE structures (by status or ESUS approval). Unreserved lots are open to all.
bool IsEligible(const v1::Structure& s, v1::Reservation reservation);
// The inclusion kinds or SSE statuses a reserved lot admits, for narrowing a registry search; empty
// for an unreserved lot.
std::vector<v1::InclusionKind> EligibleInclusionKinds(v1::Reservation reservation);
std::vector<v1::SseStatus> EligibleSseStatuses(v1::Reservation reservation);

// The significant digits of a CPV code, trailing zeros dropped ("45210000-2" → "4521"), at least
// two.
absl::string_view CpvSector(absl::string_view code);
// The CPV codes a lot is judged on: its own, or its notice's when it has none.
const google::protobuf::RepeatedPtrField<std::string>& LotCpvCodes(const v1::Tender& t,
                                                                   const v1::Lot& lot);

struct LotFit {
  int score = 0;
  std::vector<v1::MatchReason> reasons;
};

// The fit of `s` for `lot` of `t`; nullopt when `s` is not eligible for it, or shares neither its
// sector nor a theme, or works in none of its departments.
std::optional<LotFit> FitLot(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot);
// FitLot's score alone, without wording the reasons: what ranking many candidates needs before
// only the best are explained.
std::optional<int> LotScore(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_MATCHING_H_
