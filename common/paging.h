#ifndef PASSERELLE_COMMON_PAGING_H_
#define PASSERELLE_COMMON_PAGING_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace passerelle::common {

// AIP-158 pagination. Pages are keyed by the last id returned, so records created or deleted between two
// calls never make a listing repeat or skip one of the records that were there all along.
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// page_size 0 means the default; negative or above the maximum is INVALID_ARGUMENT on `field`.
absl::StatusOr<int> PageSize(int32_t page_size, absl::string_view field = "page_size");

// An opaque token that resumes after `last_id`. `query_fingerprint` ties it to the request's filters: a
// token replayed with other filters is refused rather than silently giving a wrong page.
std::string EncodePageToken(absl::string_view last_id, absl::string_view query_fingerprint);

// The last id of the previous page ("" for an empty token); INVALID_ARGUMENT on `field` if the token is
// malformed or was made for other filters.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token, absl::string_view query_fingerprint,
                                            absl::string_view field = "page_token");

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_PAGING_H_
