#include "store/change_chain.h"

#include <openssl/sha.h>

#include <cstdint>

#include "absl/base/internal/endian.h"

namespace passerelle::store {
namespace {

void AppendU64(uint64_t v, std::string* out) {
  char buf[8];
  absl::big_endian::Store64(buf, v);
  out->append(buf, 8);
}

void AppendField(absl::string_view field, std::string* out) {
  AppendU64(field.size(), out);
  out->append(field.data(), field.size());
}

}  // namespace

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
  AppendField(change.kind(), &out);
  AppendField(change.record_id(), &out);
  AppendField(change.version().origin_partner(), &out);
  AppendU64(change.version().origin_sequence(), &out);
  AppendU64(change.version().hlc_time(), &out);
  out.push_back(change.deleted() ? 1 : 0);
  AppendField(change.record(), &out);
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
  AppendField(change.version().origin_partner(), &out);
  AppendU64(change.version().origin_sequence(), &out);
  AppendField(change.chain_hash(), &out);
  return out;
}

}  // namespace passerelle::store
