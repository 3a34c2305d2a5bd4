#ifndef PASSERELLE_MESH_SIGNING_H_
#define PASSERELLE_MESH_SIGNING_H_

// Ed25519 record signatures (OpenSSL EVP): a node signs each change it originates with its own key
// (NodeConfig.signing_key_file); every receiver verifies it against the origin's public key from
// its own config (NodeConfig.partner_keys), whoever relayed the change. Keys are PEM files made by
// deploy/pki.

#include <openssl/types.h>

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/config.pb.h"

namespace passerelle::mesh {

// Signatures are always this long (Ed25519).
inline constexpr size_t kSignatureBytes = 64;

// This node's signing key. Cheap to copy (copies share the key); Sign is thread-safe.
class Signer {
 public:
  // INVALID_ARGUMENT naming the file if it is not a PEM Ed25519 private key; the errno's code
  // (NOT_FOUND, PERMISSION_DENIED, ...) naming the file if it cannot be read.
  static absl::StatusOr<Signer> FromPemFile(absl::string_view path);

  // The 64-byte Ed25519 signature of `message` (the whole message: Ed25519 hashes internally).
  std::string Sign(absl::string_view message) const;

  // The 32-byte raw public key, e.g. to compare with the key a peer holds for this node.
  std::string public_key_raw() const;

 private:
  explicit Signer(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}

  std::shared_ptr<EVP_PKEY> key_;
};

// Every partner's public signing key, by partner id. Build it (FromConfig, Add), then share it: the
// const methods are thread-safe while nobody Adds.
class KeyRing {
 public:
  KeyRing() = default;

  // partner_keys of `config`; the first key that cannot be loaded fails the whole ring, naming its
  // partner and file. A partner listed twice is INVALID_ARGUMENT.
  static absl::StatusOr<KeyRing> FromConfig(const v1::NodeConfig& config);

  // Loads `partner_id`'s public key from a PEM file. Errors as Signer::FromPemFile; ALREADY_EXISTS
  // if the partner already has a key.
  absl::Status Add(absl::string_view partner_id, absl::string_view public_key_file);

  // OK if `signature` is `partner_id`'s signature of `message`; UNAUTHENTICATED if not; NOT_FOUND
  // if the ring holds no key for `partner_id`.
  absl::Status Verify(absl::string_view partner_id, absl::string_view message,
                      absl::string_view signature) const;

  bool Has(absl::string_view partner_id) const { return keys_.contains(partner_id); }

 private:
  absl::flat_hash_map<std::string, std::shared_ptr<EVP_PKEY>> keys_;
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_SIGNING_H_
