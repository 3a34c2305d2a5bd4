#ifndef PASSERELLE_REGISTRY_SVC_REGISTRY_H_
#define PASSERELLE_REGISTRY_SVC_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "passerelle/v1/registry.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::registry {

// The record kinds (column families, Change.kind) this module keeps.
inline constexpr absl::string_view kStructureKind = "structure";
inline constexpr absl::string_view kBuyerKind = "buyer";

// The structure registry and buyers directory over the node's store. Knows nothing of gRPC: every
// method returns an absl::Status whose code is the one the API promises (INVALID_ARGUMENT with
// field violations, NOT_FOUND, ALREADY_EXISTS, ABORTED on a stale etag, FAILED_PRECONDITION for a
// record owned by another partner). A failed call writes nothing. Thread-safe.
class Registry {
 public:
  // The record kinds this module keeps; the store must have been opened with them.
  static std::vector<std::string> RecordKinds();
  // Registers those kinds (structures, buyers) so that the mesh can index what it replicates.
  static void AddRecordKinds(store::RecordKinds* kinds);

  explicit Registry(store::Store* store) : store_(store) {}

  absl::StatusOr<v1::Structure> CreateStructure(const v1::Structure& structure);
  absl::StatusOr<v1::Structure> GetStructure(absl::string_view name) const;
  // Only the fields named in `mask` change (all updatable ones when it is empty). A non-empty etag
  // must be the current one.
  absl::StatusOr<v1::Structure> UpdateStructure(const v1::Structure& patch,
                                                const google::protobuf::FieldMask& mask);
  absl::Status DeleteStructure(absl::string_view name, absl::string_view etag);
  absl::StatusOr<v1::ListStructuresResponse> ListStructures(
      const v1::ListStructuresRequest& request) const;
  absl::StatusOr<v1::SearchStructuresResponse> SearchStructures(
      const v1::SearchStructuresRequest& request) const;

  // Upserts `rows` in one commit; rows that fail are listed in the summary and write nothing. Fails
  // as a whole only if the store does. Same as CommitImport(PrepareImport(rows)).
  absl::StatusOr<v1::ImportStructuresResponse> ImportStructures(
      std::vector<v1::ImportStructuresRequest> rows);

  // An import batch checked and indexed, ready for CommitImport.
  struct PreparedRow {
    v1::ImportStructuresRequest row;
    std::vector<std::string> terms;  // its structure's index terms
  };
  struct PreparedImport {
    v1::ImportStructuresResponse refused;  // rows that failed validation
    std::vector<PreparedRow> valid;        // the others, in SIRET order (stable)
  };
  // The half of an import that needs no store: validation and index terms. Pure, so a stream can
  // prepare one batch while the previous one commits.
  static PreparedImport PrepareImport(std::vector<v1::ImportStructuresRequest> rows);
  absl::StatusOr<v1::ImportStructuresResponse> CommitImport(PreparedImport batch);

  absl::StatusOr<v1::Buyer> CreateBuyer(const v1::Buyer& buyer);
  absl::StatusOr<v1::Buyer> GetBuyer(absl::string_view name) const;
  absl::StatusOr<v1::ListBuyersResponse> ListBuyers(const v1::ListBuyersRequest& request) const;

 private:
  store::Store* store_;
};

}  // namespace passerelle::registry

#endif  // PASSERELLE_REGISTRY_SVC_REGISTRY_H_
