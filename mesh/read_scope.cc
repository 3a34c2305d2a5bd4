#include "mesh/read_scope.h"

#include "absl/strings/str_cat.h"

namespace passerelle::mesh {

ReadScope ReadScope::Of(const Principal& caller, absl::string_view node_partner,
                        const Policy& policy) {
  ReadScope scope;
  if (caller.partner_id != node_partner) {
    scope.policy_ = &policy;
    scope.partner_ = caller.partner_id;
  }
  scope.role_ = caller.role;
  scope.siret_ = caller.siret;
  if (!caller.buyer_id.empty()) scope.buyer_ = absl::StrCat("buyers/", caller.buyer_id);
  return scope;
}

v1::Sharing ReadScope::SharingOf(absl::string_view kind) const {
  if (policy_ == nullptr) return v1::SHARING_FULL;
  v1::Sharing sharing = policy_->SharingFor(kind, partner_);
  return sharing == v1::SHARING_UNSPECIFIED ? v1::SHARING_FULL : sharing;
}

absl::Status ReadScope::MayShow(absl::string_view kind, absl::string_view name) const {
  if (!Hides(kind)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(name, " does not exist"));
}

absl::Status ReadScope::MayReadDeclarations() const {
  if (role_ == kObserverRole) {
    return absl::PermissionDeniedError(
        "role 'observer' reads figures (GetImpactReport), not declarations");
  }
  return absl::OkStatus();
}

absl::Status ReadScope::MayReadCompany(absl::string_view siret, absl::string_view what) const {
  if (siret_.empty() || siret == siret_) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("these credentials read SIRET ", siret_,
                                                  "'s records; ", what, " is ", siret, "'s"));
}

absl::Status ReadScope::MayReadBuyer(absl::string_view buyer, absl::string_view what) const {
  if (buyer_.empty() || buyer == buyer_) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("these credentials read ", buyer_, "'s records; ", what, " is ", buyer, "'s"));
}

absl::StatusOr<std::string> ReadScope::CompanyFilter(absl::string_view requested,
                                                     absl::string_view field) const {
  if (siret_.empty()) return std::string(requested);
  if (!requested.empty() && requested != siret_) {
    return absl::PermissionDeniedError(absl::StrCat(field, ": these credentials read SIRET ",
                                                    siret_, "'s records, not ", requested, "'s"));
  }
  return siret_;
}

absl::StatusOr<std::string> ReadScope::BuyerFilter(absl::string_view requested,
                                                   absl::string_view field) const {
  if (buyer_.empty()) return std::string(requested);
  if (!requested.empty() && requested != buyer_) {
    return absl::PermissionDeniedError(absl::StrCat(field, ": these credentials read ", buyer_,
                                                    "'s records, not ", requested, "'s"));
  }
  return buyer_;
}

}  // namespace passerelle::mesh
