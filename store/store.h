#ifndef PASSERELLE_STORE_STORE_H_
#define PASSERELLE_STORE_STORE_H_

// The node's local state: one RocksDB database with a column family per record kind, a posting-list
// index (one list per term, edited by merge operands) and the change log. Every write commits the
// record, its index entries and its change-log entry in one WriteBatch, so a crash leaves all of
// them or none.
//
// Durability: writes go to the write-ahead log before they are acknowledged, without fsync by
// default; an acknowledged write survives the death of the process (kill -9), and with sync_writes
// also that of the machine.
//
// Thread-safety: all methods may be called concurrently. Writes are serialised (they assign the
// origin sequence); reads never wait for writes.

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "passerelle/v1/common.pb.h"
#include "store/audit.h"
#include "store/change_chain.h"
#include "store/cursor.h"
#include "store/hybrid_clock.h"
#include "store/tally.h"
#include "store/tally_cache.h"

namespace rocksdb {
struct ColumnFamilyDescriptor;
class ColumnFamilyHandle;
class ReadOptions;
class WriteBatch;
class DB;
class Snapshot;
}  // namespace rocksdb

namespace passerelle::store {

// Memtable bytes per column family. Postings and tallies insert with a hint (store.cc), so a
// larger memtable no longer slows inserts; it flushes and compacts less often. Measured against
// 8 MiB: SubmitDeclarations ingest +15-25 %, the import unchanged, node RSS with 100,000
// structures 150 -> 170-195 MB.
inline constexpr int64_t kDefaultWriteBufferBytes = 16 << 20;
inline constexpr int64_t kDefaultBlockCacheBytes = 64 << 20;
inline constexpr int64_t kDefaultTallyCacheBytes = 64 << 20;

// What opening does with a write-ahead log damaged before its end.
enum class WalRecovery {
  // Refuses to open (DATA_LOSS naming the log; IsDamagedWal), so that no acknowledged write is
  // dropped without an operator's say. A torn last record — the write a crash interrupted, never
  // acknowledged — is dropped and the store opens (RocksDB's kTolerateCorruptedTailRecords).
  kRefuseDamaged,
  // Opens what the log holds up to its first damaged record, and drops the rest (RocksDB's
  // kPointInTimeRecovery): the operator's explicit choice, after which the node must take its own
  // lost changes back from its peers before writing again.
  kKeepIntactPrefix,
};

// Whether the store holds every change of its own origin that the node ever acknowledged.
enum class OwnOrigin {
  kUnknown,     // no marker: a new store, or one written before markers existed
  kReady,       // local writes go on from the own origin's head
  kRecovering,  // the node is taking its own changes back from its peers; local writes refused
};

class RecordKinds;

struct StoreOptions {
  std::string path;
  std::string partner_id;          // the origin stamped on every local write
  std::vector<std::string> kinds;  // record kinds; one column family each, created if missing
  int64_t block_cache_bytes = kDefaultBlockCacheBytes;
  int64_t write_buffer_bytes = kDefaultWriteBufferBytes;
  // Folded tally values kept in memory for reads (store/tally_cache.h).
  int64_t tally_cache_bytes = kDefaultTallyCacheBytes;
  bool sync_writes = false;
  // Signs store::SignedMessage of the last change of every local commit (the origin's signature
  // that peers verify). Unset: local changes go unsigned, which only a single development node can
  // live with.
  std::function<std::string(absl::string_view message)> sign;
  // By record kind: what a record contributes to the tallies. Every write of such a kind, local or
  // replicated, moves the tallies by the difference in the same WriteBatch.
  std::map<std::string, TallyFn, std::less<>> tallies;
  // RecomputeTallies holds at most about this many tally cells in memory at once: past it, it
  // recomputes the tallies in parts (one pass over the records each), so that a rebuild of a large
  // store takes longer rather than all the memory (5M declarations took over 20 GB in one pass).
  int64_t recompute_cells_per_pass = 2'000'000;
  WalRecovery wal_recovery = WalRecovery::kRefuseDamaged;
};

// Whether `status` (from Store::Open) says a write-ahead log is damaged before its end.
bool IsDamagedWal(const absl::Status& status);

// How far the tallies kept incrementally stood from a recompute over every record.
struct TallyCheck {
  size_t keys = 0;  // tally keys a recompute gives
  size_t differing =
      0;  // keys whose stored cells differed from the recompute (absent ones included)
};

// What one record write changes besides the change log. Index terms are opaque strings chosen by
// the caller (e.g. "theme:3"); they may not contain '\0'.
struct RecordWrite {
  std::optional<std::string> value;  // the record's new bytes; nullopt deletes it
  std::vector<std::string> remove_terms;
  std::vector<std::string> add_terms;
};

// Decides a write from the record's current bytes (nullopt when absent) and the version the write
// will carry. Runs under the store's write lock, so what it reads cannot change before the write
// commits. An error commits nothing for that record.
using WriteDecision = absl::FunctionRef<absl::StatusOr<RecordWrite>(
    size_t item, const std::optional<std::string>& current, const v1::Version& version)>;

// Applying a change received from another node: given the change (never withheld) and the record's
// current bytes, the RecordWrite to commit — its value is ignored (the change's record is written);
// only the index terms are taken.
using ApplyDecision = absl::FunctionRef<absl::StatusOr<RecordWrite>(
    const v1::Change& change, const std::optional<std::string>& current)>;

// Checks an origin's signature over a message (the key ring lives outside the store).
using SignatureCheck = absl::FunctionRef<absl::Status(
    absl::string_view origin, absl::string_view message, absl::string_view signature)>;

struct ApplyOutcome {
  size_t applied = 0;  // changes whose record was written
  size_t logged_only =
      0;  // withheld, or superseded by a newer version already held: logged, record untouched
  size_t duplicates = 0;  // already held; skipped
};

class Store;
class PostingEdits;

// The column families of the store at `path`, each with what any other opener of its files (an
// offline tool, a test) must give it for the write-ahead log to replay as the store wrote it: the
// index family's merge operator.
absl::Status StoredFamilies(const std::string& path,
                            std::vector<rocksdb::ColumnFamilyDescriptor>* out);

// A consistent view of the store at one instant (a RocksDB snapshot); every read through it agrees.
class ReadView {
 public:
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view kind,
                                                 absl::string_view id) const;
  // Visits the record of `kind` under each of `ids` that exists, in the order of `ids`, with its
  // bytes (valid during the visit only); absent ids are skipped. Reads in batches, without copying
  // the records: for ranking many candidates. Stops at the first error a visit returns.
  absl::Status GetEach(
      absl::string_view kind, const std::vector<std::string>& ids,
      absl::FunctionRef<absl::Status(size_t index, absl::string_view record)> visit) const;
  // Records of `kind` whose id is > `after`, in id order, at most `limit`.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(absl::string_view kind,
                                                                        absl::string_view after,
                                                                        size_t limit) const;
  // The ids of `kind` records indexed under `term`.
  std::unique_ptr<PostingCursor> Postings(absl::string_view kind, absl::string_view term) const;
  // Terms currently indexed for `kind` (with at least one record) that start with `prefix`, in
  // order, at most `limit`.
  std::vector<std::string> TermsWithPrefix(absl::string_view kind, absl::string_view prefix,
                                           size_t limit) const;
  // The cells of tally `key` (none when absent).
  absl::StatusOr<TallyCells> Tally(absl::string_view key) const;
  // How many cells tally `key` has, without decoding them.
  absl::StatusOr<uint64_t> TallySize(absl::string_view key) const;
  // Each cell of tally `key` in name order (none when absent), as ForEachTallyCell.
  absl::Status ForEachTallyCell(
      absl::string_view key,
      absl::FunctionRef<void(absl::string_view name, absl::Span<const int64_t> values)> visit)
      const;
  // Change-log entries of `origin` with sequence > `after`, in order, at most `limit`, and none
  // more once those read hold `max_bytes` (the first is returned whatever its size).
  absl::StatusOr<std::vector<v1::Change>> Changes(
      absl::string_view origin, uint64_t after, size_t limit,
      size_t max_bytes = std::numeric_limits<size_t>::max()) const;
  // The highest sequence of `origin` in the change log (0 when it has none), read off the keys
  // alone: for a reader that must move past changes without looking at them.
  absl::StatusOr<uint64_t> LastSequence(absl::string_view origin) const;

 private:
  friend class Store;
  // The encoded tally under `key`, null when absent; from the tally cache when it holds it.
  absl::StatusOr<SharedTally> TallyValue(absl::string_view key) const;
  ReadView(const Store* store, const rocksdb::Snapshot* snapshot)
      : store_(store), snapshot_(snapshot) {}
  const Store* store_;
  const rocksdb::Snapshot* snapshot_;
};

class Store {
 public:
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  const std::string& partner_id() const { return options_.partner_id; }

  // The own-origin marker (default family, key meta/own-origin) as it stands.
  OwnOrigin own_origin() const;
  // Persists the marker (a synced write). kRecovering closes local writes — Write, WriteEach and
  // WriteAll fail UNAVAILABLE with the refusal below — and kReady opens them; Apply is never
  // gated. A write already past the gate commits before the state changes.
  absl::Status SetOwnOrigin(OwnOrigin state);
  // The UNAVAILABLE message of local writes refused while recovering.
  void SetWriteRefusal(std::string refusal);
  // "ready", or "recovering: " and the refusal, for operators.
  std::string OwnOriginStatus() const;

  // Commits one record write; returns the version it got. Writes that arrive while another commits
  // are decided in arrival order and committed together in one WriteBatch (each its own change,
  // version and result): acknowledged only once that batch is in the write-ahead log.
  absl::StatusOr<v1::Version> Write(
      absl::string_view kind, absl::string_view id,
      absl::FunctionRef<absl::StatusOr<RecordWrite>(const std::optional<std::string>& current,
                                                    const v1::Version& version)>
          decide);

  // Commits many record writes of one kind in a single WriteBatch: the items whose decision
  // succeeds commit together, each with its own version; the others write nothing. An id may
  // repeat: a later item sees the earlier one's bytes. Returns one result per id, or an error if
  // the batch itself failed (then nothing of it is written).
  absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> WriteEach(
      absl::string_view kind, const std::vector<std::string>& ids, WriteDecision decide);

  // Applies changes another node sent, in one WriteBatch, each logged under its own origin and
  // sequence so that this node can relay it. For every origin, changes must continue its chain
  // exactly where this node stands (a change already held is skipped as a duplicate) and the
  // batch's last change of each origin must carry the origin's signature. Records follow
  // last-writer-wins on (hlc_time, origin). Errors commit nothing: FAILED_PRECONDITION for a
  // sequence gap, UNAUTHENTICATED for a broken chain, a bad or missing signature. Without
  // `require_signatures` (a development mesh whose nodes have no signing keys) unsigned commits are
  // accepted, but a signature that is present is still checked.
  absl::StatusOr<ApplyOutcome> Apply(const std::vector<v1::Change>& changes,
                                     bool require_signatures, SignatureCheck check,
                                     ApplyDecision decide);

  // Like WriteEach, but all or nothing: the first decision that fails fails the call with its
  // error, and nothing is written. For writes that keep several records consistent (a record and
  // the one it supersedes).
  absl::StatusOr<std::vector<v1::Version>> WriteAll(absl::string_view kind,
                                                    const std::vector<std::string>& ids,
                                                    WriteDecision decide);

  std::unique_ptr<ReadView> Read() const;

  // Recomputes every tally from the records of the tallied kinds and compares it with what the
  // store kept incrementally, both at one snapshot; with `repair`, adds the difference to the kept
  // tallies (one WriteBatch per part, see StoreOptions::recompute_cells_per_pass). Writes go on
  // meanwhile, and the tallies after the repair count them too. `snapshot_taken` runs once the
  // snapshot is taken, before anything is read.
  absl::StatusOr<TallyCheck> RecomputeTallies(
      bool repair, absl::FunctionRef<void()> snapshot_taken = [] {});

  // The sequence of the latest local write (0 before any).
  uint64_t last_sequence() const;
  // The highest sequence held per origin.
  v1::VersionVector vector() const;

  // Commits so far since the store opened; AwaitCommit blocks until there were more than `seen` or
  // until `deadline`, and returns the count. Lets change-log readers follow new writes without
  // polling.
  uint64_t commit_count() const;
  uint64_t AwaitCommit(uint64_t seen, absl::Time deadline) const;

 private:
  friend class ReadView;
  Store() = default;
  struct ChainHead {
    uint64_t sequence = 0;
    std::string chain_hash = GenesisChainHash();
  };
  using ChainHeads = absl::flat_hash_map<std::string, ChainHead>;

  // One record a local commit writes.
  struct WriteTarget {
    absl::string_view kind;
    absl::string_view id;
  };
  // A Write waiting for the writer that commits it (itself, or one that found it queued).
  struct QueuedWrite;

  rocksdb::ColumnFamilyHandle* Family(absl::string_view name) const;
  // The column family of record kind `kind`; INVALID_ARGUMENT naming the kind when it has none.
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> RecordFamily(absl::string_view kind) const;
  // Decides and commits `targets`, in order, as one local commit. A target of an unknown kind or
  // with an empty id fails alone (with `all_or_nothing`, it fails them all); an error returned
  // fails them all.
  absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> CommitEach(
      const std::vector<WriteTarget>& targets, WriteDecision decide, bool all_or_nothing = false)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status LoadChainHeads();
  absl::Status LoadOwnOrigin();
  // OK unless the own origin is recovering.
  absl::Status WriteGate() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // The stored bytes (an envelope) of record `id` in `family`, nullopt when absent.
  absl::StatusOr<std::optional<std::string>> ReadStored(const rocksdb::ReadOptions& options,
                                                        rocksdb::ColumnFamilyHandle* family,
                                                        absl::string_view id) const;
  // Adds `change` (its record write already decided) to `batch` — the record — and to `postings`
  // and `tallies`, which the caller stages once the whole commit is decided. `previous` is the
  // record's bytes before the change; the tallies move from its contribution to the new record's.
  absl::Status Stage(const v1::Change& change, const RecordWrite& write,
                     const std::optional<std::string>& previous, PostingEdits* postings,
                     TallyEdits* tallies, rocksdb::WriteBatch* batch) const;
  // Adds the audit entry for a change accepted into the log, advancing `head` (a working copy until
  // commit).
  void StageAudit(const v1::Change& change, bool remote, AuditHead* head,
                  rocksdb::WriteBatch* batch) const;
  // Writes `batch`; `tallies`, the tally edits staged into it, keeps the tally cache exact.
  absl::Status Commit(rocksdb::WriteBatch* batch, const TallyEdits* tallies = nullptr)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  HybridClock clock_;
  std::unique_ptr<TallyCache> tally_cache_;
  mutable absl::Mutex write_mu_;
  ChainHeads heads_
      ABSL_GUARDED_BY(write_mu_);  // per origin: last sequence held and its chain hash
  AuditHead audit_head_ ABSL_GUARDED_BY(write_mu_);
  OwnOrigin own_origin_ ABSL_GUARDED_BY(write_mu_) = OwnOrigin::kUnknown;
  std::string write_refusal_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex queue_mu_;  // never held while taking write_mu_
  std::vector<QueuedWrite*> queued_ ABSL_GUARDED_BY(queue_mu_);  // Writes no writer has taken yet
  bool committing_queued_ ABSL_GUARDED_BY(queue_mu_) = false;  // a writer is committing taken ones
  mutable absl::Mutex commit_mu_;
  uint64_t commits_ ABSL_GUARDED_BY(commit_mu_) = 0;
};

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_STORE_H_
