#ifndef PASSERELLE_MESH_AUTHORIZER_H_
#define PASSERELLE_MESH_AUTHORIZER_H_

// The question every handler asks first: may this caller make this call? The answer comes from the caller's
// certificate (mesh/identity.h) and the node's policy (mesh/policy.h); handlers hold no rules of their own.

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/serve.h"
#include "grpcpp/server_context.h"
#include "mesh/identity.h"
#include "mesh/policy.h"
#include "mesh/read_scope.h"

namespace passerelle::mesh {

class Authorizer {
 public:
  // In development mode (no TLS: plaintext on loopback only) nobody has a certificate, and every caller is
  // treated as this node's partner admin.
  Authorizer(std::string node_partner, const Policy* policy, bool development_mode)
      : node_partner_(std::move(node_partner)), policy_(policy), development_mode_(development_mode) {}

  absl::StatusOr<Principal> Caller(const grpc::ServerContextBase& context) const;

  // UNAUTHENTICATED without a valid certificate; PERMISSION_DENIED naming the rule when the caller's role may
  // not call `method` ("/passerelle.v1.RegistryService/GetStructure").
  absl::Status MayCall(const grpc::ServerContextBase& context, absl::string_view method) const;

  // MayCall, and a write of a `kind` record through this node: the record will be authored by this node's
  // partner, so the caller must speak for that partner (a gateway's forwarded principal included: it
  // is of the gateway's own partner) and the policy must let that partner author `kind`.
  absl::Status MayWrite(const grpc::ServerContextBase& context, absl::string_view method,
                        absl::string_view kind) const;

  // MayCall, and what the caller may read through `method` on this node (mesh/read_scope.h): the
  // one place that turns (caller, this node's partner, policy) into a ReadScope. Development mode:
  // everything.
  absl::StatusOr<ReadScope> ReadScopeFor(const grpc::ServerContextBase& context,
                                         absl::string_view method) const;

  // The partner pulling changes: under TLS the node in the caller's certificate (a `claimed` id, if any, must
  // be the same); in development mode the claimed id, as there is nothing else to go by.
  absl::StatusOr<std::string> PullingPeer(const grpc::ServerContextBase& context, absl::string_view method,
                                          absl::string_view claimed) const;

 private:
  std::string node_partner_;
  const Policy* policy_;
  bool development_mode_;
};

// The body of a unary read handler: `read(scope)` with the caller's ReadScopeFor(method), and its
// result or error on the wire (common::Serve).
template <typename T, typename Read>
grpc::Status ServeRead(const Authorizer& authorizer, const grpc::ServerContextBase& context,
                       absl::string_view method, Read read, T* response) {
  absl::StatusOr<ReadScope> scope = authorizer.ReadScopeFor(context, method);
  return common::Serve(
      scope.status(), [&]() -> absl::StatusOr<T> { return read(*scope); }, response);
}

// "/<package.Service>/<method>", the name gRPC and the policy use.
std::string FullMethodName(absl::string_view service, absl::string_view method);

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_AUTHORIZER_H_
