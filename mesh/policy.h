#ifndef PASSERELLE_MESH_POLICY_H_
#define PASSERELLE_MESH_POLICY_H_

// The access policy of a node (NodeConfig.policy) as questions handlers and the mesh ask. Every refusal names
// the rule that refused, so an operator can find it in the config.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/config.pb.h"

namespace passerelle::mesh {

// The roles a certificate can carry (see mesh/identity.h).
inline constexpr absl::string_view kNodeRole = "node";
inline constexpr absl::string_view kPartnerAdminRole = "partner_admin";
inline constexpr absl::string_view kGatewayRole = "gateway";

class Policy {
 public:
  // With no grants configured, the defaults: nodes call MeshService; partner admins call
  // everything; the gateway role nothing (it acts only for the principals it forwards);
  // contractors submit, correct and read declarations, and read and watch notices;
  // facilitators review declarations; observers only read (Get*, List*, Search*, WatchTenders,
  // Digest, GetMeshStatus).
  explicit Policy(v1::AccessPolicy policy);

  // INVALID_ARGUMENT naming the bad entry (unknown role, malformed method pattern, empty kind).
  static absl::Status Validate(const v1::AccessPolicy& policy);

  // OK, or PERMISSION_DENIED naming the rule: may `partner` author records of `kind`?
  absl::Status MayAuthor(absl::string_view kind, absl::string_view partner) const;
  // OK, or PERMISSION_DENIED: may a caller with `role` call `method` ("/package.Service/Method")?
  absl::Status MayCall(absl::string_view role, absl::string_view method) const;
  // What of `kind` this node sends to `peer`: the most specific rule (peer named over "*"); FULL by default.
  v1::Sharing SharingFor(absl::string_view kind, absl::string_view peer) const;

 private:
  v1::AccessPolicy policy_;
};

// True when `method` matches `pattern`, where '*' stands for any run of characters
// ("/passerelle.v1.*/Get*").
bool MethodMatches(absl::string_view pattern, absl::string_view method);

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_POLICY_H_
