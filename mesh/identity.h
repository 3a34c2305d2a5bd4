#ifndef PASSERELLE_MESH_IDENTITY_H_
#define PASSERELLE_MESH_IDENTITY_H_

// Who is calling, and the TLS credentials that make the answer trustworthy.
//
// Every node listens with mutual TLS and requires a client certificate issued by the mesh CA
// (deploy/pki). A certificate names its holder with exactly one URI SAN:
//   spiffe://passerelle/partner/<partner_id>               a partner's node        → role "node"
//   spiffe://passerelle/partner/<partner_id>/role/<role>   a partner's IT systems, users' tools,
//   the gateway
// CallerOf is the one place that turns a call into a Principal; handlers and policy ask it, never
// the certificate or the metadata.
//
// The gateway (certificate role "gateway") calls on behalf of HTTP clients it authenticated with
// tokens, and names each call's principal in the metadata kForwardedPrincipalMetadata:
//   spiffe://passerelle/partner/<partner_id>/role/<role>[/siret/<siret> | /buyer/<buyer_id>]
// CallerOf believes that metadata only on a call whose verified certificate is a gateway's, and only
// for a principal of that gateway's own partner
// (spiffe://passerelle/partner/<partner_id>/role/gateway): a gateway speaks for its partner's users
// and nobody else's. From any other caller the metadata is ignored, so that nobody can speak for
// someone else by setting a header. The gateway role itself is granted nothing (mesh/policy.h).
//
// A node without a tls block (single-node development setup) serves plaintext: its callers have no
// certificate and CallerOf says UNAUTHENTICATED for them. What such a caller may do is the node's
// decision, not this module's.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/auth_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_context.h"
#include "passerelle/v1/config.pb.h"

namespace passerelle::mesh {

// The partner and role a verified certificate speaks for.
struct Principal {
  // Lower-case letters, digits and '-', e.g. "les-canaux".
  std::string partner_id;
  // "node" for a partner's node; otherwise the certificate's role, e.g. "partner_admin".
  std::string role;
  // The one company (14-digit SIRET) a forwarded principal is bound to, e.g. a contractor's token;
  // empty for certificates and for principals not bound to a company.
  std::string siret;
  // The one buyer (its buyer_id, without "buyers/") a forwarded principal is bound to, e.g. a
  // facilitator's token; empty otherwise.
  std::string buyer_id{};

  friend bool operator==(const Principal& a, const Principal& b) {
    return a.partner_id == b.partner_id && a.role == b.role && a.siret == b.siret &&
           a.buyer_id == b.buyer_id;
  }
  friend bool operator!=(const Principal& a, const Principal& b) { return !(a == b); }
};

// The metadata key under which the gateway forwards the principal of the HTTP caller.
inline constexpr absl::string_view kForwardedPrincipalMetadata = "x-passerelle-principal";

// The URI a certificate carries for `principal` (the inverse of ParsePrincipalUri).
std::string PrincipalUri(const Principal& principal);

// The principal named by one of the URI forms above (the /siret/ and /buyer/ forms only after a
// role; a buyer id is a name of 3 to 63 characters). Ids and
// roles are one or more of [a-z0-9] in runs joined by single '-' (roles may also use '_'), a SIRET
// is 14 digits; anything else — other schemes or trust
// domains, upper case, empty or extra path segments, query, fragment, trailing '/' — is
// INVALID_ARGUMENT.
absl::StatusOr<Principal> ParsePrincipalUri(absl::string_view uri);

// Server side of mutual TLS: presents cert_file/key_file, and requires every client to present a
// certificate that verifies against ca_file (no certificate or another CA: the handshake fails).
// Files are read and checked now — missing or unreadable file, not PEM, key not matching the
// certificate, certificate not issued by ca_file or expired — and the error names the file and the
// config field.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const v1::TlsConfig& tls);

// Client side of mutual TLS: presents cert_file/key_file and trusts servers whose certificate
// verifies against ca_file. Node certificates carry DNS SAN localhost and IP SAN 127.0.0.1; for any
// other address, give the channel GRPC_SSL_TARGET_NAME_OVERRIDE_ARG "localhost" and check ServerOf
// after connecting. Same checks and errors as ServerCredentials.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const v1::TlsConfig& tls);

// The principal of the peer of a connection: from the "peer_spiffe_id" auth property, which gRPC
// sets when the peer's certificate carries exactly one URI SAN and it is a SPIFFE id. gRPC fills
// that property from whatever certificate the peer presented; it is trustworthy because the
// credentials above verify the peer's chain against the mesh CA during the handshake (credentials
// made any other way must do the same). UNAUTHENTICATED when the peer is not authenticated
// (plaintext, no certificate) or its id is not a valid principal URI.
absl::StatusOr<Principal> PrincipalOf(const grpc::AuthContext& auth);

// Who is calling this server: PrincipalOf the call's auth context — or, when that is the gateway and
// the call carries kForwardedPrincipalMetadata, the principal forwarded there (UNAUTHENTICATED if it
// is malformed, claims the node or gateway role, or belongs to another partner than the gateway's
// certificate). Takes sync and callback handlers' contexts.
absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase& context);

// Who answered this client call: PrincipalOf the call's auth context, once the call has started
// (after the first response or the end of the call). Lets a puller check that the peer is the
// partner it meant to reach, since the mesh CA vouches for every node equally.
absl::StatusOr<Principal> ServerOf(const grpc::ClientContext& context);

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_IDENTITY_H_
