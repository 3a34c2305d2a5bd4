#ifndef PASSERELLE_IMPACT_SVC_DECLARATIONS_H_
#define PASSERELLE_IMPACT_SVC_DECLARATIONS_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "impact_svc/rules.h"
#include "mesh/read_scope.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/impact.pb.h"
#include "passerelle/v1/tender.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::impact {

// Who is asking, as far as declarations care.
struct Caller {
  std::string siret;     // the one company a contractor's credentials are bound to; empty: any
  std::string reviewer;  // how a review names its author, e.g. "les-canaux/facilitator"
  std::string buyer{};   // "buyers/<id>": the one buyer whose declarations a reviewer reviews; empty: any
};

// Hour declarations over the node's store, and the impact report. Knows nothing of gRPC: every
// method returns the status code the API promises (INVALID_ARGUMENT with field violations;
// NOT_FOUND for an unknown declaration, tender or lot; ALREADY_EXISTS for a second declaration of
// one contractor, lot and month; FAILED_PRECONDITION for a lot not awarded to the contractor, a
// move the review forbids, or a record owned by another partner; PERMISSION_DENIED for a contractor
// declaring for another company; ABORTED on a stale etag). A failed call writes nothing.
// Thread-safe.
class Declarations {
 public:
  static void AddRecordKinds(store::RecordKinds* kinds);

  // `worker_secret` turns worker references into pseudonyms (empty: worker lines are refused).
  Declarations(store::Store* store, v1::ImpactConfig config, std::string worker_secret)
      : store_(store),
        config_(std::move(config)),
        has_worker_secret_(!worker_secret.empty()),
        pseudonymiser_(worker_secret) {}

  absl::StatusOr<v1::HourDeclaration> Submit(const v1::HourDeclaration& declaration,
                                             const Caller& caller);
  // Submits many in one commit: one result per item, in order; the accepted ones are written even
  // when others fail. An error (the commit itself failed) means none was written. Takes the
  // declarations: each becomes its record in place.
  absl::StatusOr<std::vector<absl::StatusOr<v1::HourDeclaration>>> SubmitMany(
      std::vector<v1::HourDeclaration> declarations, const Caller& caller);
  // Reads as `scope` allows (mesh/read_scope.h; by default everything): PERMISSION_DENIED for a
  // scope that reads no declarations (observers), NOT_FOUND when the node shares no declaration
  // with the caller's partner, PERMISSION_DENIED for another company's or another buyer's than the
  // one the caller is bound to; without worker lines under a REDACTED rule.
  absl::StatusOr<v1::HourDeclaration> Get(absl::string_view name,
                                          const mesh::ReadScope& scope = {}) const;
  // The same rules as Get: a caller bound to a company or a buyer lists only its own (a filter
  // naming another: PERMISSION_DENIED naming the field); none shared: an empty page.
  absl::StatusOr<v1::ListDeclarationsResponse> List(const v1::ListDeclarationsRequest& request,
                                                    const mesh::ReadScope& scope = {}) const;
  // Review: PERMISSION_DENIED when `caller` is bound to a buyer other than the declaration's.
  absl::StatusOr<v1::HourDeclaration> Validate(absl::string_view name, absl::string_view etag,
                                               const Caller& caller);
  absl::StatusOr<v1::HourDeclaration> Reject(absl::string_view name, absl::string_view reason,
                                             absl::string_view etag, const Caller& caller);
  absl::StatusOr<v1::HourDeclaration> Correct(const v1::CorrectDeclarationRequest& request,
                                              const Caller& caller);

  absl::StatusOr<v1::ImpactReport> Report(const v1::GetImpactReportRequest& request) const;
  absl::StatusOr<v1::RebuildAggregatesResponse> RebuildAggregates();

  // The month a period may not be after; tests pin it.
  void set_this_month_for_test(absl::CivilMonth month) { fixed_month_ = month; }

 private:
  struct Prepared;
  // Checks a declaration from a client (under `prefix`) against the rules and the notice, and turns
  // it into the record to store: worker references replaced by pseudonyms, output-only fields
  // cleared, the notice's themes and departments copied. `tenders` caches notices across a batch.
  absl::StatusOr<Prepared> Prepare(v1::HourDeclaration d, absl::string_view prefix,
                                   const Caller& caller, const store::ReadView& view,
                                   absl::flat_hash_map<std::string, v1::Tender>* tenders) const;
  absl::CivilMonth ThisMonth() const;

  store::Store* store_;
  const v1::ImpactConfig config_;
  const bool has_worker_secret_;
  const Pseudonymiser pseudonymiser_;
  std::optional<absl::CivilMonth> fixed_month_;
};

}  // namespace passerelle::impact

#endif  // PASSERELLE_IMPACT_SVC_DECLARATIONS_H_
