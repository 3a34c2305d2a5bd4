#include "mesh/digest.h"

#include <openssl/evp.h>

#include <memory>

#include "store/keys.h"

namespace passerelle::mesh {
namespace {

constexpr size_t kScanBatch = 1024;

void AddField(EVP_MD_CTX* ctx, const std::string& field) {
  std::string length;
  store::keys::AppendBigEndian64(&length, field.size());
  EVP_DigestUpdate(ctx, length.data(), length.size());
  EVP_DigestUpdate(ctx, field.data(), field.size());
}

}  // namespace

absl::StatusOr<v1::DigestResponse> ComputeDigest(const store::Store& store, const std::vector<std::string>& kinds) {
  v1::DigestResponse response;
  response.set_partner_id(store.partner_id());
  // The vector first: the snapshot then holds at least what it says.
  *response.mutable_vector() = store.vector();
  std::unique_ptr<store::ReadView> view = store.Read();
  for (const std::string& kind : kinds) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
    uint64_t records = 0;
    std::string after;
    while (true) {
      auto batch = view->Scan(kind, after, kScanBatch);
      if (!batch.ok()) return batch.status();
      for (const auto& [id, bytes] : *batch) {
        AddField(ctx.get(), id);
        AddField(ctx.get(), bytes);
        ++records;
      }
      if (batch->size() < kScanBatch) break;
      after = batch->back().first;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &size);
    v1::KindDigest* out = response.add_kinds();
    out->set_kind(kind);
    out->set_records(records);
    out->set_sha256(reinterpret_cast<const char*>(digest), size);
  }
  return response;
}

}  // namespace passerelle::mesh
