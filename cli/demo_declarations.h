#ifndef PASSERELLE_CLI_DEMO_DECLARATIONS_H_
#define PASSERELLE_CLI_DEMO_DECLARATIONS_H_

// Synthetic awards and insertion-hour declarations for demos, on the scale and mix the ESS 2024
// programme reported (DOMAIN.md): monthly declarations from January 2023 to July 2024 by the
// holders of awarded lots and their declared subcontractors, about a tenth of the hours done by
// people in insertion, a pool of some 3,500 people who recur across months and contractors, and
// eligibility categories led by long-term job seekers and young people with low qualifications.
// Pure: no RPC, no clock. The same seed and inputs give the same awards and declarations.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/impact.pb.h"
#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::cli {

// The months declarations fall in: the construction of the Games' venues up to their opening.
inline constexpr absl::string_view kDemoFirstPeriod = "2023-01";
inline constexpr absl::string_view kDemoLastPeriod = "2024-07";
// The people in insertion, referenced "W-000001" to "W-003500" as a contractor's payroll would; a
// reference is the same person (the same eligibility category) whatever the seed, so that people
// recur across buyers too.
inline constexpr int kDemoWorkers = 3500;

// Who wins the demo's lots. The award of a lot depends on the seed, the notice, the lot and the
// structures only, not on the lots awarded before it, so a run resumed after a failure makes the
// same awards. Thread-compatible.
class DemoAwarder {
 public:
  // `structures`: the registry as the node that awards holds it (an award must name one of them).
  DemoAwarder(uint64_t seed, std::vector<v1::Structure> structures);

  // The award of `lot` of `t` (for AwardLotRequest.award): for most lots of €300,000 or more a
  // major (a large firm outside the SSE) eligible for the lot, as the Games' general contractors
  // took most big contracts; otherwise one of the structures working in the notice's departments
  // that fit the lot best (tender::FitLot: eligible, in its sector or themes); for some unreserved
  // lots an insertion structure (SIAE) of those departments as declared subcontractor. An amount
  // within -15 % / +10 % of the estimate, in whole euros; a date from September 2022 to March 2024.
  // nullopt for about one lot in ten (still being judged) and for a lot no structure fits.
  std::optional<v1::Award> AwardFor(const v1::Tender& t, const v1::Lot& lot) const;

 private:
  uint64_t seed_;
  std::vector<v1::Structure> structures_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_department_;  // into structures_
  std::vector<size_t> majors_;                                           // into structures_
};

// What a facilitator does with a demo declaration once submitted.
enum class DemoReview { kValidate, kReject, kLeaveSubmitted };

struct DemoDeclaration {
  v1::HourDeclaration declaration;  // as a contractor submits it: worker references, no pseudonyms
  DemoReview review = DemoReview::kLeaveSubmitted;
  std::string reject_reason;  // with kReject: what the contractor must correct
};

// Up to `count` declarations for the awarded lots of `tenders` (other lots and notices are
// ignored), each for a distinct contractor, lot and month, in month order; fewer when the awards
// hold fewer such slots. Each contract (a holder's share or a subcontractor of one lot) declares
// over a run of months from the month after its award, with hours in proportion to its amount;
// each declaration names 3 to 12 people of the contract's crew (fewer when its insertion hours are
// very few; none in the odd month with no insertion hours), its channel and category breakdowns
// summing to its insertion hours. About `validate_percent` (0 to 100) are to be validated and 3 %
// rejected, the rest left submitted. A declaration depends on the seed and its own contract and
// month only, so a larger count adds declarations without changing the others.
std::vector<DemoDeclaration> GenerateDeclarations(uint64_t seed,
                                                  const std::vector<v1::Tender>& tenders, int count,
                                                  int validate_percent);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DEMO_DECLARATIONS_H_
