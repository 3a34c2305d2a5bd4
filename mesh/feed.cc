#include "mesh/feed.h"

#include <utility>

namespace passerelle::mesh {

void Withhold(v1::Change* change) {
  change->clear_record();
  change->clear_record_id();
  change->set_withheld(true);
}

absl::StatusOr<v1::Change> Share(v1::Change change, v1::Sharing sharing,
                                 const store::RecordKind* kind) {
  if (change.withheld() || change.deleted()) return change;
  switch (sharing) {
    case v1::SHARING_NONE:
      Withhold(&change);
      return change;
    case v1::SHARING_REDACTED: {
      if (change.redacted()) return change;
      if (kind == nullptr) {  // nothing known to redact with: withhold rather than leak
        return Share(std::move(change), v1::SHARING_NONE, nullptr);
      }
      absl::StatusOr<std::string> redacted = kind->Redact(change.record());
      if (!redacted.ok()) return redacted.status();
      change.set_record(std::move(*redacted));
      change.set_redacted(true);
      return change;
    }
    default:
      return change;
  }
}

bool IsDegradedFor(const v1::Change& change, v1::Sharing sharing) {
  const bool full = sharing == v1::SHARING_FULL || sharing == v1::SHARING_UNSPECIFIED;
  if (change.withheld()) return sharing != v1::SHARING_NONE;
  return change.redacted() && full;
}

absl::StatusOr<std::vector<v1::Change>> ChangeFeed::Next(const store::ReadView& view,
                                                         const v1::VersionVector& held,
                                                         size_t limit, size_t max_bytes) {
  std::vector<v1::Change> out;
  size_t bytes = 0;
  auto& sent = *sent_.mutable_sequences();
  for (const auto& [origin, top] : held.sequences()) {
    if (out.size() >= limit || bytes >= max_bytes) break;
    // The peer's own origin too: a node taking its own past back (mesh/recovery.h) asks for it; a
    // node that has it all names itself in skip_origins.
    if (skip_.contains(origin)) continue;
    uint64_t& position = sent[origin];
    if (position >= top) continue;
    absl::StatusOr<std::vector<v1::Change>> changes =
        view.Changes(origin, position, limit - out.size(), max_bytes - bytes);
    if (!changes.ok()) return changes.status();
    for (v1::Change& change : *changes) {
      const v1::Sharing sharing = policy_->SharingFor(change.kind(), peer_);
      // This node's copy is less than the peer may have (it reached us redacted or withheld):
      // sending it would stand for the whole change at the peer forever, since a sequence is
      // applied once. The peer takes this origin from here on from a node that holds the whole
      // change.
      if (IsDegradedFor(change, sharing)) break;
      position = change.version().origin_sequence();
      const store::RecordKind* kind = kinds_->Find(change.kind());
      absl::StatusOr<v1::Change> shared = Share(std::move(change), sharing, kind);
      if (!shared.ok()) return shared.status();
      bytes += shared->ByteSizeLong();
      out.push_back(std::move(*shared));
    }
  }
  return out;
}

}  // namespace passerelle::mesh
