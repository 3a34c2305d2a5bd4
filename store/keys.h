#ifndef PASSERELLE_STORE_KEYS_H_
#define PASSERELLE_STORE_KEYS_H_

// Every key the store writes is built here, so that the byte layout — and the orders it implies — is read in
// one place. Components are joined with '\0', which no kind, term, partner id or record id may contain;
// numbers are big-endian so that byte order is numeric order.

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace passerelle::store::keys {

// Column families besides one per record kind (whose keys are the record ids themselves).
// kind \0 term \0 -> the term's posting list (store/posting_list.h). Named apart from the one-key-per-posting
// family it replaced, so that a store of that format is recognised rather than misread.
inline constexpr absl::string_view kIndexFamily = "postings";
inline constexpr absl::string_view kLegacyIndexFamily = "index";
inline constexpr absl::string_view kChangesFamily = "changes";  // origin \0 seq(be64) -> Change
inline constexpr absl::string_view kAuditFamily = "audit";      // index(be64) -> AuditEntry
inline constexpr absl::string_view kTallyFamily = "tallies";    // tally key -> cells (store/tally.h)
// In the default family: whether the node's own origin is "ready" or "recovering" (store.h OwnOrigin).
inline constexpr absl::string_view kOwnOriginMarker = "meta/own-origin";

void AppendBigEndian64(std::string* out, uint64_t v);
uint64_t ReadBigEndian64(absl::string_view bytes);  // bytes.size() must be >= 8

// The key of a term's posting list. Lists of one kind sort by term ('\0' ends a term, so "eco" < "ecole").
std::string PostingList(absl::string_view kind, absl::string_view term);
// The same into `out` (replacing its contents), so that a caller building many keys reuses one buffer.
void PostingList(absl::string_view kind, absl::string_view term, std::string* out);
std::string Term(absl::string_view kind, absl::string_view term);
std::string ChangePrefix(absl::string_view origin);
std::string Change(absl::string_view origin, uint64_t sequence);
uint64_t ChangeSequence(absl::string_view change_key);  // inverse of Change() for the sequence

// The smallest key greater than every key that starts with `prefix` (empty if there is none): the exclusive
// upper bound for an iterator over a prefix.
std::string PrefixEnd(absl::string_view prefix);

// True when `s` can be a key component (non-empty, no '\0').
bool IsValidComponent(absl::string_view s);

}  // namespace passerelle::store::keys

#endif  // PASSERELLE_STORE_KEYS_H_
