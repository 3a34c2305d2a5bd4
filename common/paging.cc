#include "common/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "openssl/sha.h"

namespace passerelle::common {
namespace {

constexpr char kTokenVersion = '1';
constexpr size_t kFingerprintBytes = 8;

std::string Fingerprint(absl::string_view query_fingerprint) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(query_fingerprint.data()), query_fingerprint.size(),
         digest);
  return std::string(reinterpret_cast<const char*>(digest), kFingerprintBytes);
}

}  // namespace

absl::StatusOr<int> PageSize(int32_t page_size, absl::string_view field) {
  if (page_size < 0 || page_size > kMaxPageSize) {
    return InvalidField(std::string(field),
                        absl::StrCat("must be between 0 and ", kMaxPageSize, " (0: ", kDefaultPageSize,
                                     ")"));
  }
  return page_size == 0 ? kDefaultPageSize : page_size;
}

std::string EncodePageToken(absl::string_view last_id, absl::string_view query_fingerprint) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(std::string(1, kTokenVersion), Fingerprint(query_fingerprint), last_id));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_fingerprint,
                                            absl::string_view field) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= 1 + kFingerprintBytes ||
      raw[0] != kTokenVersion) {
    return InvalidField(std::string(field), "malformed page token");
  }
  if (raw.substr(1, kFingerprintBytes) != Fingerprint(query_fingerprint)) {
    return InvalidField(std::string(field), "page token was issued for a different query");
  }
  return raw.substr(1 + kFingerprintBytes);
}

}  // namespace passerelle::common
