#ifndef PASSERELLE_TENDER_SVC_TENDERS_H_
#define PASSERELLE_TENDER_SVC_TENDERS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "mesh/read_scope.h"
#include "passerelle/v1/tender.pb.h"
#include "registry_svc/registry.h"
#include "store/record_kind.h"
#include "store/store.h"
#include "tender_svc/watch.h"

namespace passerelle::tender {

// The record kinds (column families, Change.kind) this module keeps.
inline constexpr absl::string_view kTenderKind = "tender";
inline constexpr absl::string_view kInterestKind = "interest";
inline constexpr absl::string_view kConsortiumKind = "consortium";

// Notices, lots and awards, matching, digests, interests and consortia over the node's store. Knows
// nothing of gRPC: every method returns the status code the API promises (INVALID_ARGUMENT with
// field violations, NOT_FOUND for an unknown buyer, tender, lot or structure, ALREADY_EXISTS,
// ABORTED on a stale etag, FAILED_PRECONDITION for a move the lifecycle forbids or a record owned
// by another partner). A failed call writes nothing. Thread-safe.
class Tenders {
 public:
  static void AddRecordKinds(store::RecordKinds* kinds);

  // `registry` answers for buyers and structures (read only).
  Tenders(store::Store* store, const registry::Registry* registry)
      : store_(store), registry_(registry) {}

  absl::StatusOr<v1::Tender> CreateTender(const v1::Tender& tender);
  absl::StatusOr<v1::Tender> GetTender(absl::string_view name) const;
  absl::StatusOr<v1::Tender> UpdateTender(const v1::Tender& patch,
                                          const google::protobuf::FieldMask& mask);
  absl::StatusOr<v1::ListTendersResponse> ListTenders(const v1::ListTendersRequest& request) const;
  absl::StatusOr<v1::Tender> PublishTender(absl::string_view name, absl::string_view etag);
  absl::StatusOr<v1::Tender> CloseTender(absl::string_view name, absl::string_view etag);
  absl::StatusOr<v1::Tender> CancelTender(absl::string_view name, absl::string_view reason,
                                          absl::string_view etag);

  absl::StatusOr<v1::Award> AwardLot(absl::string_view tender, const v1::Award& award);
  absl::StatusOr<v1::ListAwardsResponse> ListAwards(const v1::ListAwardsRequest& request) const;

  absl::StatusOr<v1::MatchStructuresResponse> MatchStructures(
      const v1::MatchStructuresRequest& request) const;
  absl::StatusOr<v1::MatchTendersResponse> MatchTenders(
      const v1::MatchTendersRequest& request) const;
  absl::StatusOr<v1::Digest> GetDigest(const v1::GetDigestRequest& request) const;

  // The filter of a WatchTenders request (its matches_structure read from the registry) and the
  // index terms that narrow its snapshot.
  absl::StatusOr<WatchPlan> PlanWatch(const v1::WatchTendersRequest& request) const;

  absl::StatusOr<v1::Interest> DeclareInterest(const v1::DeclareInterestRequest& request);
  // As `scope` allows (mesh/read_scope.h): nothing when the node shares no interest with the
  // caller's partner; a caller bound to a company only that company's interests (a page may then
  // hold fewer than page_size, its next_page_token still right).
  absl::StatusOr<v1::ListInterestsResponse> ListInterests(const v1::ListInterestsRequest& request,
                                                          const mesh::ReadScope& scope = {}) const;
  absl::StatusOr<v1::Consortium> ProposeConsortium(const v1::Consortium& consortium);
  absl::StatusOr<v1::Consortium> RespondToConsortium(const v1::RespondToConsortiumRequest& request);
  // As `scope` allows: NOT_FOUND when the node shares no consortium with the caller's partner;
  // PERMISSION_DENIED for a caller bound to a company that is not one of its members.
  absl::StatusOr<v1::Consortium> GetConsortium(absl::string_view name,
                                               const mesh::ReadScope& scope = {}) const;

 private:
  // Moves a notice through its lifecycle by `action`; `edit` may change more (it may refuse).
  template <typename Edit>
  absl::StatusOr<v1::Tender> Move(absl::string_view name, absl::string_view etag,
                                  v1::TenderAction action, Edit edit);
  // The notice and its lot, NOT_FOUND naming the missing one.
  absl::StatusOr<std::pair<v1::Tender, v1::Lot>> TenderLot(absl::string_view tender, int lot_number,
                                                           absl::string_view field) const;
  absl::StatusOr<v1::Structure> Structure(absl::string_view name, absl::string_view field) const;

  store::Store* store_;
  const registry::Registry* registry_;
};

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_TENDERS_H_
