#include "mesh/signing.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "mesh/pem.h"

namespace passerelle::mesh {
namespace {

using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;

const unsigned char* Bytes(absl::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

absl::Status RequireEd25519(const EVP_PKEY* key, absl::string_view what, absl::string_view path) {
  if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", path, ": a ", EVP_PKEY_get0_type_name(key), " key, not Ed25519"));
}

absl::StatusOr<std::shared_ptr<EVP_PKEY>> LoadPublicKey(absl::string_view what,
                                                        absl::string_view path) {
  absl::StatusOr<std::string> pem = ReadPemFile(what, path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<EvpPkeyPtr> key = ParsePublicKey(what, path, *pem);
  if (!key.ok()) return key.status();
  if (absl::Status ed25519 = RequireEd25519(key->get(), what, path); !ed25519.ok()) return ed25519;
  return std::shared_ptr<EVP_PKEY>(std::move(*key));
}

}  // namespace

absl::StatusOr<Signer> Signer::FromPemFile(absl::string_view path) {
  constexpr absl::string_view kWhat = "signing key file";
  absl::StatusOr<std::string> pem = ReadPemFile(kWhat, path);
  if (!pem.ok()) return pem.status();
  absl::StatusOr<EvpPkeyPtr> key = ParsePrivateKey(kWhat, path, *pem);
  if (!key.ok()) return key.status();
  if (absl::Status ed25519 = RequireEd25519(key->get(), kWhat, path); !ed25519.ok()) return ed25519;
  return Signer(std::shared_ptr<EVP_PKEY>(std::move(*key)));
}

std::string Signer::Sign(absl::string_view message) const {
  // A context per call: an EVP_MD_CTX is not shareable between threads, the key is (it is only
  // read).
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  std::string signature(kSignatureBytes, '\0');
  size_t length = signature.size();
  // Ed25519 signs the message itself, so no digest is named and the one-shot EVP_DigestSign is
  // required. Neither call can fail for a valid Ed25519 key and a long-enough buffer, short of
  // running out of memory.
  if (context == nullptr ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     Bytes(message), message.size()) != 1 ||
      length != kSignatureBytes) {
    std::abort();
  }
  return signature;
}

std::string Signer::public_key_raw() const {
  std::string raw(32, '\0');
  size_t length = raw.size();
  EVP_PKEY_get_raw_public_key(key_.get(), reinterpret_cast<unsigned char*>(raw.data()), &length);
  raw.resize(length);
  return raw;
}

absl::StatusOr<KeyRing> KeyRing::FromConfig(const v1::NodeConfig& config) {
  KeyRing ring;
  for (const v1::PartnerKey& key : config.partner_keys()) {
    if (absl::Status added = ring.Add(key.partner_id(), key.public_key_file()); !added.ok()) {
      if (absl::IsAlreadyExists(added)) return absl::InvalidArgumentError(added.message());
      return added;
    }
  }
  return ring;
}

absl::Status KeyRing::Add(absl::string_view partner_id, absl::string_view public_key_file) {
  if (Has(partner_id)) {
    return absl::AlreadyExistsError(absl::StrCat("partner_keys: ", partner_id, " is listed twice"));
  }
  absl::StatusOr<std::shared_ptr<EVP_PKEY>> key =
      LoadPublicKey(absl::StrCat("public signing key of ", partner_id), public_key_file);
  if (!key.ok()) return key.status();
  keys_.emplace(std::string(partner_id), *std::move(key));
  return absl::OkStatus();
}

absl::Status KeyRing::Verify(absl::string_view partner_id, absl::string_view message,
                             absl::string_view signature) const {
  auto key = keys_.find(partner_id);
  if (key == keys_.end()) {
    return absl::NotFoundError(absl::StrCat("no public signing key for partner ", partner_id));
  }
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  if (context == nullptr ||
      EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key->second.get()) != 1) {
    TakeOpenSslErrors();
    return absl::InternalError("cannot start an Ed25519 verification");
  }
  int verified = EVP_DigestVerify(context.get(), Bytes(signature), signature.size(), Bytes(message),
                                  message.size());
  if (verified != 1) {
    TakeOpenSslErrors();
    return absl::UnauthenticatedError(absl::StrCat("bad signature from ", partner_id));
  }
  return absl::OkStatus();
}

}  // namespace passerelle::mesh
