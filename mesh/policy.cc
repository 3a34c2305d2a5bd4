#include "mesh/policy.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace passerelle::mesh {
namespace {

const std::vector<std::string>& KnownRoles() {
  static const auto* roles = new std::vector<std::string>{
      "node", "partner_admin", "buyer", "contractor", "structure", "facilitator", "observer", "gateway"};
  return *roles;
}

v1::AccessPolicy WithDefaultGrants(v1::AccessPolicy policy) {
  if (policy.grants_size() > 0) return policy;
  auto grant = [&](absl::string_view role, std::vector<std::string> methods) {
    v1::RoleGrant* g = policy.add_grants();
    g->set_role(std::string(role));
    for (std::string& m : methods) g->add_methods(std::move(m));
  };
  grant(kNodeRole, {"/passerelle.v1.MeshService/*"});
  grant(kPartnerAdminRole, {"*"});
  // The gateway role itself may do nothing: a gateway acts only through the principals it forwards
  // (mesh/identity.h), so that its certificate alone is no key to any node.
  grant("contractor",
        {"/passerelle.v1.ImpactService/SubmitDeclaration",
         "/passerelle.v1.ImpactService/SubmitDeclarations",
         "/passerelle.v1.ImpactService/CorrectDeclaration",
         "/passerelle.v1.ImpactService/GetDeclaration",
         "/passerelle.v1.ImpactService/ListDeclarations", "/passerelle.v1.TenderService/Get*",
         "/passerelle.v1.TenderService/List*", "/passerelle.v1.TenderService/WatchTenders"});
  grant("facilitator", {"/passerelle.v1.ImpactService/ValidateDeclaration",
                        "/passerelle.v1.ImpactService/RejectDeclaration",
                        "/passerelle.v1.*/Get*", "/passerelle.v1.*/List*"});
  grant("observer",
        {"/passerelle.v1.*/Get*", "/passerelle.v1.*/List*", "/passerelle.v1.*/Search*",
         "/passerelle.v1.TenderService/WatchTenders", "/passerelle.v1.MeshService/Digest"});
  return policy;
}

}  // namespace

bool MethodMatches(absl::string_view pattern, absl::string_view method) {
  // Glob matching, backtracking to the last '*' on a mismatch.
  size_t p = 0, m = 0, star = absl::string_view::npos, resume = 0;
  while (m < method.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = m;
    } else if (p < pattern.size() && pattern[p] == method[m]) {
      ++p;
      ++m;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      m = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Policy::Policy(v1::AccessPolicy policy) : policy_(WithDefaultGrants(std::move(policy))) {}

absl::Status Policy::Validate(const v1::AccessPolicy& policy) {
  common::FieldViolations violations;
  for (int i = 0; i < policy.authors_size(); ++i) {
    if (policy.authors(i).kind().empty()) violations.Add(absl::StrCat("policy.authors[", i, "].kind"), "is required");
  }
  for (int i = 0; i < policy.grants_size(); ++i) {
    const v1::RoleGrant& g = policy.grants(i);
    if (std::find(KnownRoles().begin(), KnownRoles().end(), g.role()) == KnownRoles().end()) {
      violations.Add(absl::StrCat("policy.grants[", i, "].role"),
                     absl::StrCat("unknown role '", g.role(), "'; one of ", absl::StrJoin(KnownRoles(), ", ")));
    }
    for (int j = 0; j < g.methods_size(); ++j) {
      const std::string& m = g.methods(j);
      if (m != "*" && !absl::StartsWith(m, "/")) {
        violations.Add(absl::StrCat("policy.grants[", i, "].methods[", j, "]"),
                       "must be \"*\" or a full method name like /passerelle.v1.RegistryService/GetStructure");
      }
    }
  }
  for (int i = 0; i < policy.sharing_size(); ++i) {
    const v1::SharingRule& r = policy.sharing(i);
    if (r.kind().empty()) violations.Add(absl::StrCat("policy.sharing[", i, "].kind"), "is required");
    if (r.peer().empty()) violations.Add(absl::StrCat("policy.sharing[", i, "].peer"), "is required (or \"*\")");
  }
  return violations.ToStatus();
}

absl::Status Policy::MayAuthor(absl::string_view kind, absl::string_view partner) const {
  for (int i = 0; i < policy_.authors_size(); ++i) {
    const v1::AuthorRule& rule = policy_.authors(i);
    if (rule.kind() != kind) continue;
    if (std::find(rule.partners().begin(), rule.partners().end(), partner) != rule.partners().end()) {
      return absl::OkStatus();
    }
    return absl::PermissionDeniedError(absl::StrCat("policy.authors[", i, "]: partner '", partner,
                                                    "' may not author ", kind, " records (only ",
                                                    absl::StrJoin(rule.partners(), ", "), ")"));
  }
  return absl::OkStatus();
}

absl::Status Policy::MayCall(absl::string_view role, absl::string_view method) const {
  for (const v1::RoleGrant& grant : policy_.grants()) {
    if (grant.role() != role) continue;
    for (const std::string& pattern : grant.methods()) {
      if (MethodMatches(pattern, method)) return absl::OkStatus();
    }
  }
  return absl::PermissionDeniedError(
      absl::StrCat("policy.grants: role '", role, "' may not call ", method));
}

v1::Sharing Policy::SharingFor(absl::string_view kind, absl::string_view peer) const {
  v1::Sharing wildcard = v1::SHARING_FULL;
  for (const v1::SharingRule& rule : policy_.sharing()) {
    if (rule.kind() != kind) continue;
    if (rule.peer() == peer) return rule.sharing() == v1::SHARING_UNSPECIFIED ? v1::SHARING_FULL : rule.sharing();
    if (rule.peer() == "*" && rule.sharing() != v1::SHARING_UNSPECIFIED) wildcard = rule.sharing();
  }
  return wildcard;
}

}  // namespace passerelle::mesh
