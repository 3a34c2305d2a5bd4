#include "gateway/access.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "mesh/identity.h"
#include "mesh/policy.h"

namespace passerelle::gateway {

std::string TokenHash(absl::string_view token) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string ForwardedPrincipalUri(const v1::GatewayPrincipal& principal) {
  return mesh::PrincipalUri(
      {principal.partner_id(), principal.role(), principal.siret(), principal.buyer_id()});
}

absl::StatusOr<TokenBook> TokenBook::FromConfig(const v1::GatewayConfig& config) {
  TokenBook book;
  common::FieldViolations violations;
  for (int i = 0; i < config.tokens_size(); ++i) {
    const v1::GatewayToken& token = config.tokens(i);
    const std::string field = absl::StrCat("tokens[", i, "]");
    const std::string& hash = token.sha256();
    if (hash.size() != 64 || !std::all_of(hash.begin(), hash.end(), [](char c) {
          return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
        })) {
      violations.Add(field + ".sha256",
                     "must be 64 lower-case hex digits: the SHA-256 of the token");
      continue;
    }
    absl::StatusOr<mesh::Principal> principal =
        mesh::ParsePrincipalUri(ForwardedPrincipalUri(token.principal()));
    if (!principal.ok() || principal->role == mesh::kNodeRole ||
        principal->role == mesh::kGatewayRole) {
      violations.Add(field + ".principal",
                     "needs a partner id, a role other than node and gateway, and optionally a "
                     "14-digit siret or a buyer id");
      continue;
    }
    if (!config.partner_id().empty() && principal->partner_id != config.partner_id()) {
      violations.Add(field + ".principal.partner_id",
                     absl::StrCat("is '", principal->partner_id, "', but this gateway is partner '",
                                  config.partner_id(),
                                  "'s (partner_id): a node believes a gateway only for principals "
                                  "of its own partner"));
      continue;
    }
    if (!book.by_hash_.emplace(hash, token).second)
      violations.Add(field + ".sha256", "appears twice");
  }
  if (absl::Status s = violations.ToStatus(); !s.ok()) return s;
  return book;
}

absl::StatusOr<std::string> BearerTokenHash(absl::string_view authorization) {
  absl::string_view token = absl::StripAsciiWhitespace(authorization);
  if (token.empty()) return absl::UnauthenticatedError("missing Authorization: Bearer <token>");
  if (!absl::ConsumePrefix(&token, "Bearer ") && !absl::ConsumePrefix(&token, "bearer ")) {
    return absl::UnauthenticatedError("the Authorization header must be \"Bearer <token>\"");
  }
  return TokenHash(absl::StripAsciiWhitespace(token));
}

absl::StatusOr<const v1::GatewayToken*> TokenBook::Find(absl::string_view hash) const {
  auto found = by_hash_.find(hash);
  if (found == by_hash_.end()) return absl::UnauthenticatedError("unknown token");
  if (found->second.revoked()) return absl::UnauthenticatedError("revoked token");
  return &found->second;
}

absl::StatusOr<const v1::GatewayToken*> TokenBook::Authenticate(
    absl::string_view authorization) const {
  absl::StatusOr<std::string> hash = BearerTokenHash(authorization);
  if (!hash.ok()) return hash.status();
  return Find(*hash);
}

absl::Status MayCall(const v1::GatewayToken& token, absl::string_view method) {
  if (token.methods().empty()) return absl::OkStatus();
  for (const std::string& pattern : token.methods()) {
    if (mesh::MethodMatches(pattern, method)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("this token (role ", token.principal().role(), ") may not call ", method));
}

RateLimiter::RateLimiter(double rate, int burst)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(1.0, rate)) {}

absl::Status RateLimiter::Take(absl::string_view key, absl::Time now) {
  if (rate_ <= 0) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& bucket = it->second;
  if (!fresh) {
    bucket.tokens =
        std::min(burst_, bucket.tokens + absl::ToDoubleSeconds(now - bucket.updated) * rate_);
    bucket.updated = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return absl::OkStatus();
  }
  const double wait_seconds = (1 - bucket.tokens) / rate_;
  return absl::ResourceExhaustedError(absl::StrCat("rate limit of ", rate_,
                                                   " requests/s for this token; retry in ",
                                                   std::ceil(wait_seconds), " s"));
}

FailedAuthGuard::FailedAuthGuard(double rate, int burst)
    : rate_(rate > 0 ? rate : 1), burst_(burst > 0 ? burst : 10) {}

FailedAuthGuard::Entry* FailedAuthGuard::Refilled(absl::string_view address, absl::Time now,
                                                  bool create) {
  auto found = entries_.find(address);
  if (found == entries_.end()) {
    if (!create) return nullptr;
    if (entries_.size() >= kMaxAddresses) {
      // Addresses at rest first: forgetting one only costs its trusted tokens.
      absl::erase_if(entries_, [&](const auto& e) {
        return !e.second.refusing &&
               e.second.failures_left + absl::ToDoubleSeconds(now - e.second.updated) * rate_ >=
                   burst_;
      });
      if (entries_.size() >= kMaxAddresses) return nullptr;
    }
    found = entries_.emplace(address, Entry{burst_, now, false, {}}).first;
  }
  Entry& entry = found->second;
  entry.failures_left =
      std::min(burst_, entry.failures_left + absl::ToDoubleSeconds(now - entry.updated) * rate_);
  entry.updated = now;
  if (entry.failures_left >= burst_) entry.refusing = false;  // at rest: the episode is over
  return &entry;
}

FailedAuthGuard::Refusal FailedAuthGuard::Check(absl::string_view address,
                                                absl::string_view token_hash, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Entry* entry = Refilled(address, now, /*create=*/false);
  if (entry == nullptr || entry->failures_left >= 1) return {absl::ZeroDuration(), false};
  if (std::find(entry->trusted.begin(), entry->trusted.end(), token_hash) != entry->trusted.end())
    return {absl::ZeroDuration(), false};
  const bool began = !entry->refusing;
  entry->refusing = true;
  return {absl::Seconds((1 - entry->failures_left) / rate_), began};
}

void FailedAuthGuard::Succeeded(absl::string_view address, absl::string_view token_hash,
                                absl::Time now) {
  absl::MutexLock lock(&mu_);
  Entry* entry = Refilled(address, now, /*create=*/true);
  if (entry == nullptr) return;
  std::vector<std::string>& trusted = entry->trusted;
  auto found = std::find(trusted.begin(), trusted.end(), token_hash);
  if (found != trusted.end()) {
    std::rotate(trusted.begin(), found, found + 1);  // most recent first
    return;
  }
  if (trusted.size() >= kTrustedPerAddress) trusted.pop_back();
  trusted.insert(trusted.begin(), std::string(token_hash));
}

void FailedAuthGuard::Failed(absl::string_view address, absl::Time now) {
  absl::MutexLock lock(&mu_);
  Entry* entry = Refilled(address, now, /*create=*/true);
  if (entry != nullptr) entry->failures_left = std::max(0.0, entry->failures_left - 1);
}

}  // namespace passerelle::gateway
