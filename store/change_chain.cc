#include "store/change_chain.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "store/keys.h"

namespace passerelle::store {

void AppendCanonicalField(absl::string_view field, std::string* out) {
  keys::AppendBigEndian64(out, field.size());
  out->append(field.data(), field.size());
}

std::string Sha256(std::initializer_list<absl::string_view> parts) {
  // OpenSSL 3's one-shot SHA256() looks the algorithm up on every call (EVP_MD_fetch), a lock and a
  // table search that cost as much as hashing a record; every commit hashes each change three
  // times.
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(),
                                                                                EVP_MD_CTX_free);
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  bool ok = md != nullptr && context != nullptr && EVP_DigestInit_ex2(context.get(), md, nullptr);
  for (absl::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size());
  }
  ok = ok &&
       EVP_DigestFinal_ex(context.get(), reinterpret_cast<unsigned char*>(digest.data()), nullptr);
  // Only allocation failure gets here; a wrong hash would break the chain silently.
  if (!ok) std::abort();
  return digest;
}

const std::string& GenesisChainHash() {
  static const std::string* genesis = new std::string(SHA256_DIGEST_LENGTH, '\0');
  return *genesis;
}

namespace {

// The canonical bytes up to the record's, which go last: hashing then takes the record where it is
// instead of a copy.
std::string CanonicalHead(const v1::Change& change) {
  std::string out = "passerelle.change.v1";
  AppendCanonicalField(change.kind(), &out);
  AppendCanonicalField(change.record_id(), &out);
  AppendCanonicalField(change.version().origin_partner(), &out);
  keys::AppendBigEndian64(&out, change.version().origin_sequence());
  keys::AppendBigEndian64(&out, change.version().hlc_time());
  out.push_back(change.deleted() ? 1 : 0);
  keys::AppendBigEndian64(&out, change.record().size());
  return out;
}

}  // namespace

std::string ContentHash(const v1::Change& change) {
  return Sha256({CanonicalHead(change), change.record()});
}

std::string ChainHash(absl::string_view previous, absl::string_view content_hash) {
  return Sha256({previous, content_hash});
}

std::string SignedMessage(const v1::Change& change) {
  std::string out = "passerelle.commit.v1";
  AppendCanonicalField(change.version().origin_partner(), &out);
  keys::AppendBigEndian64(&out, change.version().origin_sequence());
  AppendCanonicalField(change.chain_hash(), &out);
  return out;
}

}  // namespace passerelle::store
