#include "mesh/authorizer.h"

#include "absl/strings/str_cat.h"

namespace passerelle::mesh {

std::string FullMethodName(absl::string_view service, absl::string_view method) {
  return absl::StrCat("/", service, "/", method);
}

absl::StatusOr<Principal> Authorizer::Caller(const grpc::ServerContextBase& context) const {
  if (development_mode_) return Principal{node_partner_, std::string(kPartnerAdminRole), ""};
  return CallerOf(context);
}

absl::Status Authorizer::MayCall(const grpc::ServerContextBase& context, absl::string_view method) const {
  absl::StatusOr<Principal> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  return policy_->MayCall(caller->role, method);
}

absl::Status Authorizer::MayWrite(const grpc::ServerContextBase& context, absl::string_view method,
                                  absl::string_view kind) const {
  absl::StatusOr<Principal> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status call = policy_->MayCall(caller->role, method); !call.ok()) return call;
  if (caller->partner_id != node_partner_) {
    return absl::PermissionDeniedError(absl::StrCat("partner '", caller->partner_id, "' may not write through ",
                                                    node_partner_, "'s node; write through your own"));
  }
  return policy_->MayAuthor(kind, node_partner_);
}

absl::StatusOr<ReadScope> Authorizer::ReadScopeFor(const grpc::ServerContextBase& context,
                                                   absl::string_view method) const {
  absl::StatusOr<Principal> caller = Caller(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status call = policy_->MayCall(caller->role, method); !call.ok()) return call;
  return ReadScope::Of(*caller, node_partner_, *policy_);
}

absl::StatusOr<std::string> Authorizer::PullingPeer(const grpc::ServerContextBase& context,
                                                    absl::string_view method, absl::string_view claimed) const {
  if (development_mode_) {
    if (claimed.empty()) return absl::InvalidArgumentError("partner_id is required");
    return std::string(claimed);
  }
  absl::StatusOr<Principal> caller = CallerOf(context);
  if (!caller.ok()) return caller.status();
  if (absl::Status call = policy_->MayCall(caller->role, method); !call.ok()) return call;
  if (caller->role != kNodeRole) {
    return absl::PermissionDeniedError(absl::StrCat("only partner nodes pull changes, not role '", caller->role, "'"));
  }
  if (!claimed.empty() && claimed != caller->partner_id) {
    return absl::PermissionDeniedError(absl::StrCat("certificate of '", caller->partner_id,
                                                    "' cannot pull as '", claimed, "'"));
  }
  return caller->partner_id;
}

}  // namespace passerelle::mesh
