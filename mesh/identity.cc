#include "mesh/identity.h"

#include <grpc/grpc_security_constants.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mesh/pem.h"

namespace passerelle::mesh {
namespace {

constexpr absl::string_view kPartnerUriPrefix = "spiffe://passerelle/partner/";
constexpr absl::string_view kRoleSegment = "role";
constexpr absl::string_view kSiretSegment = "siret";
constexpr absl::string_view kBuyerSegment = "buyer";
constexpr absl::string_view kGatewayRoleName = "gateway";
constexpr absl::string_view kNodeRoleName = "node";
constexpr size_t kMaxNameLength = 63;

// One or more runs of [a-z0-9] joined by single separators.
bool IsName(absl::string_view name, absl::string_view separators) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  bool after_separator = true;  // a name may not start with a separator
  for (char c : name) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      after_separator = false;
    } else if (absl::StrContains(separators, c) && !after_separator) {
      after_separator = true;
    } else {
      return false;
    }
  }
  return !after_separator;
}

// The PEM texts gRPC wants, after checking with OpenSSL what gRPC would only report in its log at
// the first handshake: each file is there and is PEM, the key belongs to the certificate, and the
// certificate was issued by the CA (and is within its validity period).
struct TlsMaterial {
  std::string ca;
  std::string certificate_chain;
  std::string private_key;
};

absl::StatusOr<TlsMaterial> LoadTlsMaterial(const v1::TlsConfig& tls) {
  TlsMaterial material;
  absl::StatusOr<std::string> ca = ReadPemFile("tls.ca_file", tls.ca_file());
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> chain = ReadPemFile("tls.cert_file", tls.cert_file());
  if (!chain.ok()) return chain.status();
  absl::StatusOr<std::string> key = ReadPemFile("tls.key_file", tls.key_file());
  if (!key.ok()) return key.status();

  absl::StatusOr<std::vector<X509Ptr>> authorities =
      ParseCertificates("tls.ca_file", tls.ca_file(), *ca);
  if (!authorities.ok()) return authorities.status();
  absl::StatusOr<std::vector<X509Ptr>> certificates =
      ParseCertificates("tls.cert_file", tls.cert_file(), *chain);
  if (!certificates.ok()) return certificates.status();
  absl::StatusOr<EvpPkeyPtr> private_key = ParsePrivateKey("tls.key_file", tls.key_file(), *key);
  if (!private_key.ok()) return private_key.status();

  X509* leaf = certificates->front().get();
  if (X509_check_private_key(leaf, private_key->get()) != 1) {
    TakeOpenSslErrors();
    return absl::InvalidArgumentError(absl::StrCat(
        "tls.key_file ", tls.key_file(), " is not the key of tls.cert_file ", tls.cert_file()));
  }

  std::unique_ptr<X509_STORE, OpenSslDeleter<X509_STORE_free>> store(X509_STORE_new());
  for (const X509Ptr& authority : *authorities) X509_STORE_add_cert(store.get(), authority.get());
  // sk_X509_free is a macro, hence no OpenSslDeleter.
  auto free_stack = [](STACK_OF(X509) * stack) { sk_X509_free(stack); };
  std::unique_ptr<STACK_OF(X509), decltype(free_stack)> intermediates(sk_X509_new_null(),
                                                                      free_stack);
  for (size_t i = 1; i < certificates->size(); ++i) {
    sk_X509_push(intermediates.get(), (*certificates)[i].get());  // borrowed: the vector owns them
  }
  std::unique_ptr<X509_STORE_CTX, OpenSslDeleter<X509_STORE_CTX_free>> verification(
      X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(verification.get(), store.get(), leaf, intermediates.get()) != 1 ||
      X509_verify_cert(verification.get()) != 1) {
    int error = X509_STORE_CTX_get_error(verification.get());
    TakeOpenSslErrors();
    return absl::InvalidArgumentError(
        absl::StrCat("tls.cert_file ", tls.cert_file(), " does not verify against tls.ca_file ",
                     tls.ca_file(), ": ", X509_verify_cert_error_string(error)));
  }

  material.ca = *std::move(ca);
  material.certificate_chain = *std::move(chain);
  material.private_key = *std::move(key);
  return material;
}

}  // namespace

std::string PrincipalUri(const Principal& principal) {
  if (principal.role == kNodeRoleName) return absl::StrCat(kPartnerUriPrefix, principal.partner_id);
  std::string uri =
      absl::StrCat(kPartnerUriPrefix, principal.partner_id, "/", kRoleSegment, "/", principal.role);
  if (!principal.siret.empty()) absl::StrAppend(&uri, "/", kSiretSegment, "/", principal.siret);
  if (!principal.buyer_id.empty()) {
    absl::StrAppend(&uri, "/", kBuyerSegment, "/", principal.buyer_id);
  }
  return uri;
}

absl::StatusOr<Principal> ParsePrincipalUri(absl::string_view uri) {
  auto invalid = [uri](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a Passerelle principal URI (", why, "): \"", uri, "\"; expected ", kPartnerUriPrefix,
        "<partner_id> or ", kPartnerUriPrefix, "<partner_id>/role/<role>"));
  };
  absl::string_view rest = uri;
  if (!absl::ConsumePrefix(&rest, kPartnerUriPrefix))
    return invalid("wrong scheme, trust domain or path");
  std::vector<absl::string_view> segments = absl::StrSplit(rest, '/');
  if (!IsName(segments[0], "-")) return invalid("partner id must be [a-z0-9] runs joined by '-'");
  if (segments.size() == 1) return Principal{std::string(segments[0]), std::string(kNodeRoleName), ""};
  if ((segments.size() != 3 && segments.size() != 5) || segments[1] != kRoleSegment)
    return invalid("unexpected path after the partner id");
  if (!IsName(segments[2], "-_")) return invalid("role must be [a-z0-9] runs joined by '-' or '_'");
  if (segments[2] == kNodeRoleName) return invalid("the node role is the URI without /role/");
  Principal principal{std::string(segments[0]), std::string(segments[2]), "", ""};
  if (segments.size() == 5 && segments[3] == kBuyerSegment) {
    if (segments[4].size() < 3 || !IsName(segments[4], "-"))
      return invalid("buyer id must be 3 to 63 [a-z0-9] runs joined by '-'");
    principal.buyer_id = std::string(segments[4]);
  } else if (segments.size() == 5) {
    if (segments[3] != kSiretSegment) return invalid("unexpected path after the role");
    if (segments[4].size() != 14 ||
        !std::all_of(segments[4].begin(), segments[4].end(), [](char c) { return c >= '0' && c <= '9'; }))
      return invalid("siret must be 14 digits");
    principal.siret = std::string(segments[4]);
  }
  return principal;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const v1::TlsConfig& tls) {
  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(tls);
  if (!material.ok()) return material.status();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = std::move(material->ca);
  options.pem_key_cert_pairs.push_back(
      {std::move(material->private_key), std::move(material->certificate_chain)});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(
    const v1::TlsConfig& tls) {
  absl::StatusOr<TlsMaterial> material = LoadTlsMaterial(tls);
  if (!material.ok()) return material.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = std::move(material->ca);
  options.pem_private_key = std::move(material->private_key);
  options.pem_cert_chain = std::move(material->certificate_chain);
  return grpc::SslCredentials(options);
}

absl::StatusOr<Principal> PrincipalOf(const grpc::AuthContext& auth) {
  if (!auth.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("the peer presented no verified certificate");
  }
  std::vector<grpc::string_ref> ids = auth.FindPropertyValues(GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
  if (ids.size() != 1) {
    return absl::UnauthenticatedError(
        "the peer's certificate does not carry exactly one URI SAN naming a Passerelle principal");
  }
  absl::StatusOr<Principal> principal =
      ParsePrincipalUri(absl::string_view(ids[0].data(), ids[0].size()));
  if (!principal.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the peer's certificate: ", principal.status().message()));
  }
  return principal;
}

absl::StatusOr<Principal> CallerOf(const grpc::ServerContextBase& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call has no authentication context");
  absl::StatusOr<Principal> peer = PrincipalOf(*auth);
  // Only the gateway's certificate makes the metadata worth reading; anyone else may set it.
  if (!peer.ok() || peer->role != kGatewayRoleName) return peer;
  auto forwarded = context.client_metadata().find(
      grpc::string_ref(kForwardedPrincipalMetadata.data(), kForwardedPrincipalMetadata.size()));
  if (forwarded == context.client_metadata().end()) return peer;  // the gateway calling as itself
  absl::StatusOr<Principal> principal =
      ParsePrincipalUri(absl::string_view(forwarded->second.data(), forwarded->second.size()));
  if (!principal.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("forwarded principal: ", principal.status().message()));
  }
  if (principal->role == kNodeRoleName || principal->role == kGatewayRoleName) {
    return absl::UnauthenticatedError(
        absl::StrCat("the gateway may not forward the ", principal->role, " role"));
  }
  // A gateway speaks for its own partner's users only: Les Canaux's gateway calling SOLIDEO's node
  // gets what Les Canaux's users may do there, never what SOLIDEO's may.
  if (principal->partner_id != peer->partner_id) {
    return absl::PermissionDeniedError(absl::StrCat("the gateway of '", peer->partner_id,
                                                    "' may not speak for partner '",
                                                    principal->partner_id, "'"));
  }
  return principal;
}

absl::StatusOr<Principal> ServerOf(const grpc::ClientContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("the call has no authentication context");
  return PrincipalOf(*auth);
}

}  // namespace passerelle::mesh
