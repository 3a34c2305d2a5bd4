#ifndef PASSERELLE_STORE_CHANGE_CHAIN_H_
#define PASSERELLE_STORE_CHANGE_CHAIN_H_

// The integrity of the change log. Each origin's changes form a hash chain: a change's chain hash
// covers its own content hash and the chain hash of the origin's previous change, so verifying one
// signature over the chain head of a commit vouches for every change in it, and for everything
// before it.
//
// Canonical bytes are defined here, field by field, rather than taken from protobuf serialization,
// which does not promise stable bytes across library versions.

#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"
#include "passerelle/v1/common.pb.h"

namespace passerelle::store {

// SHA-256 of the parts one after the other.
std::string Sha256(std::initializer_list<absl::string_view> parts);

// Appends `field` with its length first (8 bytes, big-endian), the one building block of every
// canonical encoding here and in the audit chain and digests, so that no two field sequences encode
// alike.
void AppendCanonicalField(absl::string_view field, std::string* out);

// The chain hash before an origin's first change: 32 zero bytes.
const std::string& GenesisChainHash();

// SHA-256 of the change's canonical bytes: a domain tag, then the length-prefixed kind, record id,
// version, deleted flag and record bytes.
std::string ContentHash(const v1::Change& change);

// SHA-256(previous || content_hash).
std::string ChainHash(absl::string_view previous, absl::string_view content_hash);

// The message an origin signs at the end of a commit: a domain tag, then origin, sequence and chain
// hash, so a signature can never be replayed as another origin's or another position's.
std::string SignedMessage(const v1::Change& change);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_CHANGE_CHAIN_H_
