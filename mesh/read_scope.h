#ifndef PASSERELLE_MESH_READ_SCOPE_H_
#define PASSERELLE_MESH_READ_SCOPE_H_

// What one caller may read on one node, decided in one place: reads follow the same rules as
// sharing (../shared/DESIGN.md, "Replication"). A caller of partner P reading on the node of
// partner N sees of each kind what N's policy shares with P (full, redacted, none; the node's own
// partner: full); within that, a caller bound to a company (a contractor's or a structure's SIRET)
// sees only that company's records, a caller bound to a buyer (a facilitator's buyer id) only that
// buyer's, and observers read figures, not declarations.
//
// A ReadScope is a value computed from (caller, node partner, policy) with no I/O; the domain
// objects apply it to what they read (impact_svc/declarations.h, registry_svc/registry.h,
// tender_svc/tenders.h). Handlers get it from Authorizer::ReadScopeFor.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mesh/identity.h"
#include "mesh/policy.h"
#include "passerelle/v1/config.pb.h"

namespace passerelle::mesh {

inline constexpr absl::string_view kObserverRole = "observer";

class ReadScope {
 public:
  // Everything, unredacted: the node's own partner admin (and development mode).
  ReadScope() = default;

  // The scope of `caller` on the node of `node_partner` under `policy`, which must outlive it.
  static ReadScope Of(const Principal& caller, absl::string_view node_partner,
                      const Policy& policy);

  // What this node shows the caller of `kind`: FULL for the node's own partner, else what the
  // policy shares with the caller's partner (SharingFor(kind, partner); UNSPECIFIED read as FULL).
  v1::Sharing SharingOf(absl::string_view kind) const;
  // SharingOf(kind) is NONE: no record of `kind` is shown (a Get is NOT_FOUND, a List empty).
  bool Hides(absl::string_view kind) const { return SharingOf(kind) == v1::SHARING_NONE; }
  // OK, or NOT_FOUND worded as for a record `name` that does not exist when Hides(kind): a hidden
  // kind shows nothing, not even which names exist.
  absl::Status MayShow(absl::string_view kind, absl::string_view name) const;
  // SharingOf(kind) is REDACTED: records of `kind` are shown as the kind's RecordKind::Redact.
  bool Redacts(absl::string_view kind) const { return SharingOf(kind) == v1::SHARING_REDACTED; }

  // `read()`, unless the scope hides `kind`: then NOT_FOUND for `name` (MayShow).
  template <typename T, typename Read>
  absl::StatusOr<T> GetOf(absl::string_view kind, absl::string_view name, Read read) const {
    if (absl::Status s = MayShow(kind, name); !s.ok()) return s;
    return read();
  }
  // `read()`, unless the scope hides `kind`: then an empty T (no page, no result).
  template <typename T, typename Read>
  absl::StatusOr<T> ListOf(absl::string_view kind, Read read) const {
    if (Hides(kind)) return T();
    return read();
  }

  // The one company (14-digit SIRET) the caller reads for; empty: any.
  const std::string& siret() const { return siret_; }
  // The one buyer the caller reads for, as a resource name "buyers/<id>"; empty: any.
  const std::string& buyer() const { return buyer_; }

  // OK, or PERMISSION_DENIED naming the rule: observers read figures (GetImpactReport), not
  // declarations.
  absl::Status MayReadDeclarations() const;
  // OK when the caller reads for any company or for `siret`; else PERMISSION_DENIED naming both.
  // `what` names the record, e.g. "declarations/...".
  absl::Status MayReadCompany(absl::string_view siret, absl::string_view what) const;
  // OK when the caller reads for any buyer or for `buyer` ("buyers/<id>"); else PERMISSION_DENIED.
  absl::Status MayReadBuyer(absl::string_view buyer, absl::string_view what) const;

  // The company filter a listing must apply given the one requested in `field` (empty: none): a
  // caller bound to a company gets its own whatever it asked for, unless it asked for another
  // (PERMISSION_DENIED naming `field`).
  absl::StatusOr<std::string> CompanyFilter(absl::string_view requested,
                                            absl::string_view field) const;
  // The same for buyers ("buyers/<id>").
  absl::StatusOr<std::string> BuyerFilter(absl::string_view requested,
                                          absl::string_view field) const;

 private:
  const Policy* policy_ = nullptr;  // null: everything is FULL
  std::string partner_;             // the caller's partner, when it is not the node's
  std::string role_;
  std::string siret_;
  std::string buyer_;
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_READ_SCOPE_H_
