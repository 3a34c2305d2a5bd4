#include "impact_svc/rules.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "openssl/crypto.h"
#include "openssl/evp.h"
#include "registry_svc/siret.h"

namespace passerelle::impact {
namespace {

// Adds a violation on `field` unless `parts` sum to `expected` (hundredths of hours).
template <typename Parts>
void CheckBreakdown(const Parts& parts, int64_t expected, common::LazyField field,
                    common::FieldViolations* v) {
  int64_t sum = 0;
  for (const auto& p : parts) sum += p.hundredths();
  if (sum != expected) {
    v->Add(field(), absl::StrCat("adds up to ", sum, " hundredths of an hour, not the ", expected,
                                 " insertion hundredths declared"));
  }
}

}  // namespace

std::optional<absl::CivilMonth> ParseMonth(absl::string_view text) {
  // By hand: absl::ParseCivilTime goes through a general time parser, then formatting back to
  // reject what it tolerates; that was a noticeable share of taking a declaration.
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  auto number = [&text](size_t from, size_t to) -> std::optional<int> {
    int n = 0;
    for (size_t i = from; i < to; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
      n = n * 10 + (text[i] - '0');
    }
    return n;
  };
  const std::optional<int> year = number(0, 4), month = number(5, 7);
  if (!year || !month || *year < 1000 || *month < 1 || *month > 12) return std::nullopt;
  return absl::CivilMonth(*year, *month);
}

void ValidateDeclaration(const v1::HourDeclaration& d, absl::string_view prefix,
                         absl::CivilMonth this_month, common::FieldViolations* v) {
  // The name of field `name` under `prefix`, made on demand: names of fields that pass are never
  // made (common::LazyField).
  auto f = [&prefix](absl::string_view name) {
    return [&prefix, name] { return absl::StrCat(prefix, name); };
  };
  if (!registry::IsValidSiret(d.contractor_siret()))
    v->Add(f("contractor_siret")(), "is not a valid SIRET");
  if (!absl::StartsWith(d.buyer(), "buyers/")) v->Add(f("buyer")(), "must be buyers/{buyer_id}");
  if (!absl::StartsWith(d.tender(), "tenders/"))
    v->Add(f("tender")(), "must be tenders/{tender_id}");
  if (d.lot_number() < 1) v->Add(f("lot_number")(), "must name a lot (1 or more)");
  const std::optional<absl::CivilMonth> period = ParseMonth(d.period());
  if (!period) {
    v->Add(f("period")(), "must be a month YYYY-MM");
  } else if (*period > this_month) {
    v->Add(f("period")(), absl::StrCat(d.period(), " is in the future"));
  }
  common::CheckNonNegative(d.total_hundredths(), f("total_hundredths"), v);
  common::CheckNonNegative(d.insertion_hundredths(), f("insertion_hundredths"), v);
  if (d.insertion_hundredths() > d.total_hundredths()) {
    v->Add(f("insertion_hundredths")(),
           "exceeds total_hundredths: insertion hours are part of the hours worked");
  }
  // The name of field `leaf` of entry `i` of repeated field `list`, made on demand.
  auto entry = [&prefix](absl::string_view list, int i, absl::string_view leaf) {
    return [&prefix, list, i, leaf] { return absl::StrCat(prefix, list, "[", i, "].", leaf); };
  };
  for (int i = 0; i < d.by_channel_size(); ++i) {
    common::CheckEnum(d.by_channel(i).channel(), v1::InsertionChannel_IsValid, true,
                      entry("by_channel", i, "channel"), v);
    common::CheckNonNegative(d.by_channel(i).hundredths(), entry("by_channel", i, "hundredths"), v);
  }
  for (int i = 0; i < d.by_category_size(); ++i) {
    common::CheckEnum(d.by_category(i).category(), v1::EligibilityCategory_IsValid, true,
                      entry("by_category", i, "category"), v);
    common::CheckNonNegative(d.by_category(i).hundredths(), entry("by_category", i, "hundredths"),
                             v);
  }
  CheckBreakdown(d.by_channel(), d.insertion_hundredths(), f("by_channel"), v);
  CheckBreakdown(d.by_category(), d.insertion_hundredths(), f("by_category"), v);
  for (int i = 0; i < d.workers_size(); ++i) {
    const v1::WorkerLine& w = d.workers(i);
    common::CheckText(w.worker_reference(), entry("workers", i, "worker_reference"),
                      kMaxWorkerReferenceLength, true, v);
    common::CheckEnum(w.category(), v1::EligibilityCategory_IsValid, true,
                      entry("workers", i, "category"), v);
    common::CheckEnum(w.channel(), v1::InsertionChannel_IsValid, true,
                      entry("workers", i, "channel"), v);
    common::CheckNonNegative(w.hundredths(), entry("workers", i, "hundredths"), v);
  }
  if (!d.workers().empty()) CheckBreakdown(d.workers(), d.insertion_hundredths(), f("workers"), v);
}

int64_t RatioBasisPoints(int64_t numerator, int64_t denominator) {
  if (denominator <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(numerator) * kBasisPoints / denominator);
}

v1::TargetStatus StatusAgainst(int64_t basis_points, const v1::Target& target) {
  if (basis_points >= target.target_basis_points()) return v1::TARGET_STATUS_MET;
  if (basis_points >= target.on_track_basis_points()) return v1::TARGET_STATUS_ON_TRACK;
  return v1::TARGET_STATUS_BEHIND;
}

Pseudonymiser::Pseudonymiser(absl::string_view secret)
    : inner_(EVP_MD_CTX_new()), outer_(EVP_MD_CTX_new()) {
  constexpr size_t kBlock = 64;  // SHA-256's block size
  unsigned char key[kBlock] = {};
  if (secret.size() > kBlock) {  // RFC 2104: a key longer than a block is hashed first
    unsigned int length = 0;
    EVP_Digest(secret.data(), secret.size(), key, &length, EVP_sha256(), nullptr);
  } else {
    std::memcpy(key, secret.data(), secret.size());
  }
  unsigned char ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = key[i] ^ 0x36;
    opad[i] = key[i] ^ 0x5c;
  }
  EVP_DigestInit_ex(inner_, EVP_sha256(), nullptr);
  EVP_DigestUpdate(inner_, ipad, kBlock);
  EVP_DigestInit_ex(outer_, EVP_sha256(), nullptr);
  EVP_DigestUpdate(outer_, opad, kBlock);
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_cleanse(ipad, sizeof ipad);
  OPENSSL_cleanse(opad, sizeof opad);
}

Pseudonymiser::~Pseudonymiser() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
}

std::string Pseudonymiser::Of(absl::string_view worker_reference) const {
  struct Scratch {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Scratch() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Scratch scratch;
  unsigned char inner_hash[EVP_MAX_MD_SIZE];
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int inner_length = 0, length = 0;
  EVP_MD_CTX_copy_ex(scratch.ctx, inner_);
  EVP_DigestUpdate(scratch.ctx, worker_reference.data(), worker_reference.size());
  EVP_DigestFinal_ex(scratch.ctx, inner_hash, &inner_length);
  EVP_MD_CTX_copy_ex(scratch.ctx, outer_);
  EVP_DigestUpdate(scratch.ctx, inner_hash, inner_length);
  EVP_DigestFinal_ex(scratch.ctx, digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string WorkerPseudonym(absl::string_view secret, absl::string_view worker_reference) {
  return Pseudonymiser(secret).Of(worker_reference);
}

void PseudonymiseWorkers(const Pseudonymiser& pseudonymiser, v1::HourDeclaration* d) {
  for (v1::WorkerLine& w : *d->mutable_workers()) {
    w.set_worker_pseudonym(pseudonymiser.Of(w.worker_reference()));
    w.clear_worker_reference();
  }
}

void RedactWorkers(v1::HourDeclaration* d) { d->clear_workers(); }

}  // namespace passerelle::impact
