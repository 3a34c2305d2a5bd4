#include "store/change_chain.h"

#include <openssl/sha.h>

#include <cstdint>

#include "store/keys.h"

namespace passerelle::store {

void AppendCanonicalField(absl::string_view field, std::string* out) {
  keys::AppendBigEndian64(out, field.size());
  out->append(field.data(), field.size());
}

std::string Sha256(absl::string_view bytes) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

const std::string& GenesisChainHash() {
  static const std::string* genesis = new std::string(SHA256_DIGEST_LENGTH, '\0');
  return *genesis;
}

std::string CanonicalBytes(const v1::Change& change) {
  std::string out = "passerelle.change.v1";
  AppendCanonicalField(change.kind(), &out);
  AppendCanonicalField(change.record_id(), &out);
  AppendCanonicalField(change.version().origin_partner(), &out);
  keys::AppendBigEndian64(&out, change.version().origin_sequence());
  keys::AppendBigEndian64(&out, change.version().hlc_time());
  out.push_back(change.deleted() ? 1 : 0);
  AppendCanonicalField(change.record(), &out);
  return out;
}

std::string ContentHash(const v1::Change& change) { return Sha256(CanonicalBytes(change)); }

std::string ChainHash(absl::string_view previous, absl::string_view content_hash) {
  std::string both;
  both.reserve(previous.size() + content_hash.size());
  both.append(previous.data(), previous.size());
  both.append(content_hash.data(), content_hash.size());
  return Sha256(both);
}

std::string SignedMessage(const v1::Change& change) {
  std::string out = "passerelle.commit.v1";
  AppendCanonicalField(change.version().origin_partner(), &out);
  keys::AppendBigEndian64(&out, change.version().origin_sequence());
  AppendCanonicalField(change.chain_hash(), &out);
  return out;
}

}  // namespace passerelle::store
