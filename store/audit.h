#ifndef PASSERELLE_STORE_AUDIT_H_
#define PASSERELLE_STORE_AUDIT_H_

// The audit chain (see v1::AuditEntry): built by the store in the same WriteBatch as what it records, checked
// offline by `passerelle audit verify`.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "passerelle/v1/common.pb.h"
#include "store/change_chain.h"

namespace passerelle::store {

struct AuditHead {
  uint64_t index = 0;
  std::string hash = GenesisChainHash();  // the previous_hash of the next entry
};

// SHA-256 over the canonical bytes of every field but `hash`.
std::string AuditHash(const v1::AuditEntry& entry);

// The entry that follows `head` for `change`, hash included.
v1::AuditEntry NextAuditEntry(const AuditHead& head, const v1::Change& change, bool remote, int64_t unix_millis);

struct AuditReport {
  uint64_t entries = 0;                 // entries read
  std::optional<uint64_t> first_broken;  // the index of the first entry that does not verify
  std::string problem;                   // what is wrong with it
};

// Reads the audit chain of the store at `path` (read-only: a running node may hold it) and checks every link.
absl::StatusOr<AuditReport> VerifyAuditChain(const std::string& path);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_AUDIT_H_
