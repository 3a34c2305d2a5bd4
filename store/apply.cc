// Store::Apply: committing changes that other nodes wrote. Kept apart from the local write path in
// store.cc because its checks (sequence continuity, hash chain, signatures, last-writer-wins) are
// all about trust.

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "store/change_chain.h"
#include "store/envelope.h"
#include "store/keys.h"
#include "store/posting_list.h"
#include "store/store.h"

namespace passerelle::store {
namespace {

std::string Name(const v1::Change& change) {
  return absl::StrCat(change.version().origin_partner(), "/", change.version().origin_sequence());
}

}  // namespace

absl::StatusOr<ApplyOutcome> Store::Apply(const std::vector<v1::Change>& changes,
                                          bool require_signatures, SignatureCheck check,
                                          ApplyDecision decide) {
  ApplyOutcome outcome;
  rocksdb::WriteBatch batch;
  absl::MutexLock lock(&write_mu_);
  ChainHeads heads;  // origins this batch advances, as they stand in it
  absl::flat_hash_set<std::string>
      unsigned_tail;  // origins whose latest change no signature covers yet
  // Records written earlier in this batch (envelope bytes; nullopt when deleted), by kind \0 id.
  absl::flat_hash_map<std::string, std::optional<std::string>> pending;
  AuditHead audit = audit_head_;
  PostingEdits postings;
  TallyEdits tallies;

  for (const v1::Change& change : changes) {
    const std::string& origin = change.version().origin_partner();
    if (!keys::IsValidComponent(origin) || !keys::IsValidComponent(change.kind()) ||
        (!change.withheld() && !keys::IsValidComponent(change.record_id()))) {
      return absl::InvalidArgumentError(absl::StrCat("malformed change ", Name(change)));
    }
    auto [at, fresh] = heads.try_emplace(origin);
    ChainHead& head = at->second;
    if (fresh) {
      if (auto held = heads_.find(origin); held != heads_.end()) head = held->second;
    }
    const uint64_t sequence = change.version().origin_sequence();
    if (sequence <= head.sequence) {
      ++outcome.duplicates;
      continue;
    }
    if (sequence != head.sequence + 1) {
      return absl::FailedPreconditionError(absl::StrCat("gap in ", origin,
                                                        "'s changes: this node holds up to ",
                                                        head.sequence, ", received ", sequence));
    }
    // A withheld or redacted copy cannot be rehashed; its hashes still extend the chain the origin
    // signed.
    if (!change.withheld() && !change.redacted() && ContentHash(change) != change.content_hash()) {
      return absl::UnauthenticatedError(
          absl::StrCat("change ", Name(change), " does not match its hash"));
    }
    if (ChainHash(head.chain_hash, change.content_hash()) != change.chain_hash()) {
      return absl::UnauthenticatedError(
          absl::StrCat("change ", Name(change), " breaks ", origin, "'s chain"));
    }
    if (change.signature().empty()) {
      unsigned_tail.insert(origin);
    } else {
      absl::Status signed_ok = check(origin, SignedMessage(change), change.signature());
      if (!signed_ok.ok()) {
        return absl::UnauthenticatedError(
            absl::StrCat("change ", Name(change), ": bad signature: ", signed_ok.message()));
      }
      unsigned_tail.erase(origin);
    }
    head = {sequence, change.chain_hash()};
    clock_.Observe(change.version().hlc_time());
    batch.Put(Family(keys::kChangesFamily), keys::Change(origin, sequence),
              change.SerializeAsString());
    StageAudit(change, /*remote=*/true, &audit, &batch);

    rocksdb::ColumnFamilyHandle* records = Family(change.kind());
    if (change.withheld() ||
        records == nullptr) {  // a kind this node does not keep is only relayed
      ++outcome.logged_only;
      continue;
    }
    const std::string key = absl::StrCat(change.kind(), std::string(1, '\0'), change.record_id());
    std::optional<std::string> stored;
    if (auto p = pending.find(key); p != pending.end()) {
      stored = p->second;
    } else {
      absl::StatusOr<std::optional<std::string>> read =
          ReadStored(rocksdb::ReadOptions(), records, change.record_id());
      if (!read.ok()) return read.status();
      stored = std::move(*read);
    }
    std::optional<std::string> current;
    if (stored) {
      Envelope envelope;
      absl::Status decoded = DecodeEnvelope(*stored, change.kind(), change.record_id(), &envelope);
      if (!decoded.ok()) return decoded;
      if (!NewerThan(change.version(), envelope.version)) {
        ++outcome.logged_only;
        continue;
      }
      current = std::string(envelope.record);
    }
    absl::StatusOr<RecordWrite> decided = decide(change, current);
    if (!decided.ok()) return decided.status();
    if (change.deleted()) {
      decided->value.reset();
    } else {
      decided->value = change.record();
    }
    if (absl::Status s = Stage(change, *decided, current, &postings, &tallies, &batch); !s.ok()) {
      return s;
    }
    pending[key] =
        decided->value
            ? std::optional<std::string>(EncodeEnvelope(change.version(), *decided->value))
            : std::nullopt;
    ++outcome.applied;
  }
  if (require_signatures && !unsigned_tail.empty()) {
    return absl::UnauthenticatedError(
        absl::StrCat("changes from ", *unsigned_tail.begin(),
                     " end without the signature closing their commit"));
  }
  if (batch.Count() == 0) return outcome;
  postings.StageInto(Family(keys::kIndexFamily), &batch);
  tallies.StageInto(Family(keys::kTallyFamily), &batch);
  if (absl::Status committed = Commit(&batch, &tallies); !committed.ok()) return committed;
  for (auto& [origin, head] : heads) heads_[origin] = std::move(head);
  audit_head_ = std::move(audit);
  return outcome;
}

}  // namespace passerelle::store
