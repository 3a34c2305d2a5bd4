#ifndef PASSERELLE_COMMON_UTF8_H_
#define PASSERELLE_COMMON_UTF8_H_

// Text that protobuf will carry: every string field must hold well-formed UTF-8 (RFC 3629 — no
// overlong form, no surrogate, nothing past U+10FFFF), or a peer refuses to parse the message and
// protobuf logs an error for each one. Requests arriving over gRPC are parsed, hence well formed;
// text from elsewhere (an HTTP path or query, or a client's bytes echoed in an error) passes
// through here first.

#include <string>

#include "absl/strings/string_view.h"

namespace passerelle::common {

bool IsUtf8(absl::string_view text);

// `text` with every byte that does not belong to a well-formed sequence replaced by U+FFFD, for
// echoing what a client sent.
std::string ToUtf8(absl::string_view text);

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_UTF8_H_
