#ifndef PASSERELLE_GATEWAY_ACCESS_H_
#define PASSERELLE_GATEWAY_ACCESS_H_

// Who an HTTP caller is and whether it may go on: bearer tokens looked up by their SHA-256 (the
// config never holds a token), the RPCs a token is limited to, a token bucket per token, and one of
// failed authentications per client address. Thread-safe.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "passerelle/v1/gateway_config.pb.h"

namespace passerelle::gateway {

// Lower-case hex SHA-256 of `token`: what GatewayToken.sha256 holds.
std::string TokenHash(absl::string_view token);

// The URI the node reads a forwarded principal from (mesh/identity.h).
std::string ForwardedPrincipalUri(const v1::GatewayPrincipal& principal);

// TokenHash of the token an "Authorization: Bearer <token>" header presents; UNAUTHENTICATED when
// the header is missing or malformed.
absl::StatusOr<std::string> BearerTokenHash(absl::string_view authorization);

class TokenBook {
 public:
  // INVALID_ARGUMENT naming tokens[i] when a hash is not 64 hex digits, appears twice, or its
  // principal is not a valid forwarded principal of config.partner_id (when set): a node believes a
  // gateway only for principals of the gateway's own partner (mesh/identity.h).
  static absl::StatusOr<TokenBook> FromConfig(const v1::GatewayConfig& config);

  // The token whose BearerTokenHash is `hash`; UNAUTHENTICATED when it is unknown or revoked. The
  // returned pointer lives as long as the book.
  absl::StatusOr<const v1::GatewayToken*> Find(absl::string_view hash) const;
  // Find(BearerTokenHash(authorization)).
  absl::StatusOr<const v1::GatewayToken*> Authenticate(absl::string_view authorization) const;

 private:
  absl::flat_hash_map<std::string, v1::GatewayToken> by_hash_;
};

// PERMISSION_DENIED unless `token` may call `method`
// ("/passerelle.v1.RegistryService/GetStructure").
absl::Status MayCall(const v1::GatewayToken& token, absl::string_view method);

// A token bucket per key: `rate` requests a second on average, up to `burst` at once. rate 0: no
// limit.
class RateLimiter {
 public:
  RateLimiter(double rate, int burst);
  // OK, or RESOURCE_EXHAUSTED saying when to retry.
  absl::Status Take(absl::string_view key, absl::Time now);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
  };
  const double rate_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// Failed authentications per client address, so that tokens cannot be tried at network speed: a
// bucket of `burst` failures, refilled at `rate` a second. While an address has none left, a request
// from it is refused before its token is looked up — unless that token has already authenticated
// from that address: a client that proved itself keeps being served while someone behind the same
// address (a NAT, a proxy) guesses, and a guess, right or wrong, learns nothing. Memory is bounded:
// at most kMaxAddresses addresses are followed, those at rest dropped first.
class FailedAuthGuard {
 public:
  static constexpr size_t kMaxAddresses = 16384;
  static constexpr size_t kTrustedPerAddress = 8;

  FailedAuthGuard(double rate, int burst);

  struct Refusal {
    absl::Duration retry_after;  // zero: look the token up
    bool episode_began;          // the first refusal since the address was last at rest: log it
  };
  // Whether a request from `address` presenting the token `token_hash` may be looked up.
  Refusal Check(absl::string_view address, absl::string_view token_hash, absl::Time now);
  // The lookup Check allowed found `token_hash`, or did not.
  void Succeeded(absl::string_view address, absl::string_view token_hash, absl::Time now);
  void Failed(absl::string_view address, absl::Time now);

 private:
  struct Entry {
    double failures_left;
    absl::Time updated;
    bool refusing = false;
    std::vector<std::string> trusted;  // token hashes, at most kTrustedPerAddress
  };
  // The entry of `address` refilled to `now`; null when it is not followed and there is no room.
  Entry* Refilled(absl::string_view address, absl::Time now, bool create)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double rate_;
  const double burst_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_ACCESS_H_
