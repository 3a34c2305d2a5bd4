#include "store/store.h"

#include <algorithm>
#include <filesystem>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/utilities/options_util.h"
#include "rocksdb/write_batch.h"
#include "store/change_chain.h"
#include "store/envelope.h"
#include "store/keys.h"
#include "store/posting_list.h"
#include "store/record_kind.h"

namespace passerelle::store {
namespace {

// The payload that marks Store::Open's error for a damaged write-ahead log (IsDamagedWal).
constexpr absl::string_view kDamagedWalPayload = "passerelle.store/damaged-wal";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": ", s.ToString()));
  // A full disk, a failing one or damaged files reach the caller as an error, which may end in a
  // client's retry loop: the node's log must say so too. The operation and RocksDB's words only,
  // which name files and never record contents.
  if (s.IsIOError() || s.IsCorruption() || s.IsNoSpace()) {
    common::LogLine(absl::StrCat("store: ", what, " failed: ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

// The write-ahead logs in `path` (RocksDB names them NNNNNN.log), in name order.
std::vector<std::string> WriteAheadLogs(const std::string& path) {
  std::vector<std::string> logs;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 && absl::EndsWith(name, ".log") &&
        std::all_of(name.begin(), name.end() - 4, [](char c) { return c >= '0' && c <= '9'; })) {
      logs.push_back(entry.path().string());
    }
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

// Whether the store at `path`, which failed to open with `s`, is damaged in its write-ahead log
// alone: it opens read-only (nothing written) when the log's replay may stop at the damage.
bool OnlyWalDamaged(const rocksdb::Status& s, rocksdb::DBOptions options, const std::string& path,
                    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors) {
  if (!s.IsCorruption() || WriteAheadLogs(path).empty()) return false;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* probe = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(options, path, descriptors, &handles, &probe).ok()) {
    return false;
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) probe->DestroyColumnFamilyHandle(handle);
  delete probe;
  return true;
}

absl::Status DamagedWal(const std::string& path, const rocksdb::Status& s) {
  const std::string logs = absl::StrJoin(WriteAheadLogs(path), ", ");
  common::LogLine(absl::StrCat("store: opening ", path, " refused: write-ahead log ", logs,
                               " damaged before its last record: ", s.ToString()));
  absl::Status damaged = absl::DataLossError(absl::StrCat(
      "store at ", path, ": the write-ahead log ", logs, " is damaged before its last record (",
      s.ToString(),
      "); replaying it up to the damage would drop the acknowledged writes after it without a "
      "word, so the store refuses to open. Opening what is intact (RocksDB's point-in-time "
      "recovery) is the operator's choice, after which the node must take its own lost changes "
      "back from its peers"));
  damaged.SetPayload(kDamagedWalPayload, absl::Cord(logs));
  return damaged;
}

// All tuning lives here. Point lookups dominate (records by id), so bloom filters pay; the index
// and change log are read by prefix ranges.
rocksdb::ColumnFamilyOptions FamilyOptions(const StoreOptions& options,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_bytes;
  cf.compression = rocksdb::kLZ4Compression;
  // Records are keyed by id and postings by term, so every flushed file overlaps all of level 1 and
  // each level-0 compaction rewrites that level whole: what compactions write goes as the inverse
  // of the level-0 files gathered per compaction. Eight instead of four: a node taking in a million
  // structures wrote 30 % fewer bytes in flushes and compactions, and spent 12 % less CPU per
  // change; a read checks a few more bloom filters.
  cf.level0_file_num_compaction_trigger = 8;
  cf.level0_slowdown_writes_trigger = 24;
  cf.level0_stop_writes_trigger = 40;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// An iterator over the keys of `family` that start with `prefix`, as of `snapshot`; positioned
// nowhere until sought. RocksDB keeps a pointer to the upper bound for the iterator's whole life,
// so the bound lives here, beside it, and the pair never moves.
struct PrefixIterator {
  PrefixIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family,
                 const rocksdb::Snapshot* snapshot, absl::string_view prefix)
      : upper(keys::PrefixEnd(prefix)), upper_slice(upper) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    ro.iterate_upper_bound = &upper_slice;
    it.reset(db->NewIterator(ro, family));
  }
  PrefixIterator(const PrefixIterator&) = delete;
  PrefixIterator& operator=(const PrefixIterator&) = delete;

  rocksdb::Iterator* operator->() const { return it.get(); }

  const std::string upper;
  const rocksdb::Slice upper_slice;
  std::unique_ptr<rocksdb::Iterator> it;
};

// The memtable insert hint's "prefix": the whole key (see Store::Open).
class WholeKeyTransform : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "passerelle.WholeKey"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return key; }
  bool InDomain(const rocksdb::Slice&) const override { return true; }
};

}  // namespace

bool IsDamagedWal(const absl::Status& status) {
  return status.GetPayload(kDamagedWalPayload).has_value();
}

absl::Status StoredFamilies(const std::string& path,
                            std::vector<rocksdb::ColumnFamilyDescriptor>* out) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names);
  if (!s.ok()) return absl::NotFoundError(absl::StrCat("no store at ", path, ": ", s.ToString()));
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions options;
    if (name == keys::kIndexFamily) options.merge_operator = NewPostingMergeOperator();
    if (name == keys::kTallyFamily) options.merge_operator = NewTallyMergeOperator();
    out->emplace_back(name, options);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (!keys::IsValidComponent(options.partner_id)) {
    return absl::InvalidArgumentError("store: partner id must be non-empty");
  }
  std::unique_ptr<Store> store(new Store());
  store->options_ = options;
  store->tally_cache_ = std::make_unique<TallyCache>(
      static_cast<size_t>(std::max<int64_t>(options.tally_cache_bytes, 0)));

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.IncreaseParallelism(2);
  // Measured on RocksDB 7.8 (300 records, the process killed with kill -9): a byte flipped in the
  // middle of the log is refused by kTolerateCorruptedTailRecords and kAbsoluteConsistency, while
  // the default kPointInTimeRecovery opened with 150 of them and said nothing; a torn last record
  // opens under kTolerateCorruptedTailRecords (299) and is refused by kAbsoluteConsistency.
  db_options.wal_recovery_mode = options.wal_recovery == WalRecovery::kKeepIntactPrefix
                                     ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                     : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_options = FamilyOptions(options, cache);
  rocksdb::ColumnFamilyOptions index_options = cf_options;
  index_options.merge_operator = NewPostingMergeOperator();
  // A posting list is one value, so a block-cache miss on a large one decompressed all of it for a
  // search that reads one page; the index is a small share of the store's bytes.
  index_options.compression = rocksdb::kNoCompression;
  rocksdb::ColumnFamilyOptions tally_options = cf_options;
  tally_options.merge_operator = NewTallyMergeOperator();
  // Postings and tallies take a merge operand on the same few keys at every write, and each new
  // operand sorts just before that key's previous one. Without a hint, every insert searched the
  // memtable's skiplist from the top (half of a create's CPU went there); with the key itself as
  // the hint's prefix, it starts from where that key was last inserted.
  auto whole_key = std::make_shared<WholeKeyTransform>();
  index_options.memtable_insert_with_hint_prefix_extractor = whole_key;
  tally_options.memtable_insert_with_hint_prefix_extractor = whole_key;

  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(db_options, options.path, &existing).ok() &&
      std::count(existing.begin(), existing.end(), keys::kLegacyIndexFamily) > 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "store at ", options.path,
        " keeps one key per posting, a format this version no longer reads; re-import it"));
  }

  std::vector<std::string> names = {
      rocksdb::kDefaultColumnFamilyName, std::string(keys::kIndexFamily),
      std::string(keys::kChangesFamily), std::string(keys::kAuditFamily),
      std::string(keys::kTallyFamily)};
  for (const std::string& kind : options.kinds) {
    if (!keys::IsValidComponent(kind) || std::count(names.begin(), names.end(), kind) > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("store: bad or duplicate record kind '", kind, "'"));
    }
    names.push_back(kind);
  }
  // Creating, importing or applying a record first reads its key, which for a new record is absent:
  // a memtable bloom answers that without searching the skiplist (in-process import +7 %, for 5 %
  // of each record family's memtable bytes).
  rocksdb::ColumnFamilyOptions record_options = cf_options;
  record_options.memtable_whole_key_filtering = true;
  record_options.memtable_prefix_bloom_size_ratio = 0.05;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) {
    const bool record_kind = std::count(options.kinds.begin(), options.kinds.end(), name) > 0;
    descriptors.emplace_back(name, name == keys::kIndexFamily   ? index_options
                                   : name == keys::kTallyFamily ? tally_options
                                   : record_kind                ? record_options
                                                                : cf_options);
  }

  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &db);
  if (options.wal_recovery == WalRecovery::kRefuseDamaged &&
      OnlyWalDamaged(s, db_options, options.path, descriptors)) {
    return DamagedWal(options.path, s);
  }
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening store at ", options.path));
  store->db_.reset(db);
  for (size_t i = 0; i < names.size(); ++i) store->families_[names[i]] = store->handles_[i];

  if (absl::Status loaded = store->LoadChainHeads(); !loaded.ok()) return loaded;
  if (absl::Status loaded = store->LoadOwnOrigin(); !loaded.ok()) return loaded;
  return store;
}

absl::Status Store::LoadOwnOrigin() {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Family(rocksdb::kDefaultColumnFamilyName),
                               rocksdb::Slice(keys::kOwnOriginMarker.data(), keys::kOwnOriginMarker.size()),
                               &value);
  absl::MutexLock lock(&write_mu_);
  if (s.IsNotFound()) return absl::OkStatus();
  if (!s.ok()) return FromRocks(s, "reading the own-origin marker");
  if (value == "ready") {
    own_origin_ = OwnOrigin::kReady;
  } else if (value == "recovering") {
    own_origin_ = OwnOrigin::kRecovering;
    write_refusal_ = "this node is taking its own changes back from its peers";
  } else {
    return absl::DataLossError(absl::StrCat("store: unreadable own-origin marker '", value, "'"));
  }
  return absl::OkStatus();
}

OwnOrigin Store::own_origin() const {
  absl::MutexLock lock(&write_mu_);
  return own_origin_;
}

absl::Status Store::SetOwnOrigin(OwnOrigin state) {
  if (state == OwnOrigin::kUnknown) {
    return absl::InvalidArgumentError("own origin: ready or recovering");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;  // the marker must outlive a crash of the machine, whatever sync_writes says
  absl::MutexLock lock(&write_mu_);
  if (absl::Status written = FromRocks(
          db_->Put(wo, Family(rocksdb::kDefaultColumnFamilyName),
                   rocksdb::Slice(keys::kOwnOriginMarker.data(), keys::kOwnOriginMarker.size()),
                   state == OwnOrigin::kReady ? "ready" : "recovering"),
          "writing the own-origin marker");
      !written.ok()) {
    return written;
  }
  own_origin_ = state;
  if (state == OwnOrigin::kRecovering && write_refusal_.empty()) {
    write_refusal_ = "this node is taking its own changes back from its peers";
  }
  return absl::OkStatus();
}

void Store::SetWriteRefusal(std::string refusal) {
  absl::MutexLock lock(&write_mu_);
  write_refusal_ = std::move(refusal);
}

std::string Store::OwnOriginStatus() const {
  absl::MutexLock lock(&write_mu_);
  if (own_origin_ == OwnOrigin::kRecovering) return absl::StrCat("recovering: ", write_refusal_);
  return "ready";
}

absl::Status Store::WriteGate() const {
  if (own_origin_ != OwnOrigin::kRecovering) return absl::OkStatus();
  return absl::UnavailableError(write_refusal_);
}

absl::Status Store::LoadChainHeads() {
  // One seek per origin: the last entry under each origin's prefix is its head.
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Family(keys::kChangesFamily)));
  absl::MutexLock lock(&write_mu_);
  for (it->SeekToFirst(); it->Valid();) {
    absl::string_view key(it->key().data(), it->key().size());
    std::string prefix = keys::ChangePrefix(key.substr(0, key.find('\0')));
    it->SeekForPrev(keys::PrefixEnd(prefix));
    v1::Change change;
    if (!it->Valid() ||
        !change.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError("store: unreadable change-log entry");
    }
    heads_[change.version().origin_partner()] = {change.version().origin_sequence(),
                                                 change.chain_hash()};
    // Local and remote times alike: the clock must never fall behind a time it has seen.
    clock_.Observe(change.version().hlc_time());
    it->Seek(keys::PrefixEnd(prefix));
  }
  if (absl::Status read = FromRocks(it->status(), "reading the change log"); !read.ok())
    return read;

  std::unique_ptr<rocksdb::Iterator> audit(db_->NewIterator(ro, Family(keys::kAuditFamily)));
  audit->SeekToLast();
  if (audit->Valid()) {
    v1::AuditEntry entry;
    if (!entry.ParseFromArray(audit->value().data(), static_cast<int>(audit->value().size()))) {
      return absl::DataLossError("store: unreadable audit entry");
    }
    audit_head_ = {entry.index(), entry.hash()};
  }
  return FromRocks(audit->status(), "reading the audit chain");
}

void Store::StageAudit(const v1::Change& change, bool remote, AuditHead* head,
                       rocksdb::WriteBatch* batch) const {
  v1::AuditEntry entry = NextAuditEntry(*head, change, remote, absl::ToUnixMillis(absl::Now()));
  std::string key;
  keys::AppendBigEndian64(&key, entry.index());
  batch->Put(Family(keys::kAuditFamily), key, entry.SerializeAsString());
  *head = {entry.index(), entry.hash()};
}

Store::~Store() {
  if (db_ == nullptr) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

rocksdb::ColumnFamilyHandle* Store::Family(absl::string_view name) const {
  auto it = families_.find(name);
  return it == families_.end() ? nullptr : it->second;
}

absl::StatusOr<rocksdb::ColumnFamilyHandle*> Store::RecordFamily(absl::string_view kind) const {
  rocksdb::ColumnFamilyHandle* family = Family(kind);
  if (family == nullptr) return UnknownRecordKind(kind);
  return family;
}

absl::StatusOr<std::optional<std::string>> Store::ReadStored(const rocksdb::ReadOptions& options,
                                                             rocksdb::ColumnFamilyHandle* family,
                                                             absl::string_view id) const {
  std::string value;
  rocksdb::Status s = db_->Get(options, family, rocksdb::Slice(id.data(), id.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, absl::StrCat("reading record ", id));
  return value;
}

uint64_t Store::last_sequence() const {
  absl::MutexLock lock(&write_mu_);
  auto head = heads_.find(options_.partner_id);
  return head == heads_.end() ? 0 : head->second.sequence;
}

v1::VersionVector Store::vector() const {
  v1::VersionVector out;
  absl::MutexLock lock(&write_mu_);
  for (const auto& [origin, head] : heads_) (*out.mutable_sequences())[origin] = head.sequence;
  return out;
}

uint64_t Store::commit_count() const {
  absl::MutexLock lock(&commit_mu_);
  return commits_;
}

uint64_t Store::AwaitCommit(uint64_t seen, absl::Time deadline) const {
  absl::MutexLock lock(&commit_mu_);
  auto advanced = [this, seen]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_) { return commits_ > seen; };
  commit_mu_.AwaitWithDeadline(absl::Condition(&advanced), deadline);
  return commits_;
}

absl::Status Store::Stage(const v1::Change& change, const RecordWrite& write,
                          const std::optional<std::string>& previous, PostingEdits* postings,
                          TallyEdits* tallies, rocksdb::WriteBatch* batch) const {
  const std::string& kind = change.kind();
  const std::string& id = change.record_id();
  if (auto tally = options_.tallies.find(kind); tally != options_.tallies.end()) {
    if (previous) {
      if (absl::Status s = tally->second(*previous, -1, tallies); !s.ok()) return s;
    }
    if (write.value) {
      if (absl::Status s = tally->second(*write.value, +1, tallies); !s.ok()) return s;
    }
  }
  for (const std::string& term : write.remove_terms) postings->Remove(kind, term, id);
  for (const std::string& term : write.add_terms) postings->Add(kind, term, id);
  if (write.value) {
    batch->Put(Family(kind), id, EncodeEnvelope(change.version(), *write.value));
  } else {
    batch->Delete(Family(kind), id);
  }
  return absl::OkStatus();
}

absl::Status Store::Commit(rocksdb::WriteBatch* batch, const TallyEdits* tallies) {
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  // Commits without tallies (most of them) leave the cache alone.
  const std::vector<absl::string_view> tally_keys =
      tallies != nullptr ? tallies->Keys() : std::vector<absl::string_view>();
  if (!tally_keys.empty()) tally_cache_->Writing(tally_keys);
  absl::Status written = FromRocks(db_->Write(wo, batch), "committing write batch");
  // Every write holds write_mu_, so the latest sequence is this batch's last (a batch that failed
  // wrote nothing, and then it is the one before).
  if (!tally_keys.empty()) tally_cache_->Written(tally_keys, db_->GetLatestSequenceNumber());
  if (!written.ok()) return written;
  absl::MutexLock lock(&commit_mu_);
  ++commits_;
  return absl::OkStatus();
}

struct Store::QueuedWrite {
  WriteTarget target;
  absl::FunctionRef<absl::StatusOr<RecordWrite>(const std::optional<std::string>&,
                                                const v1::Version&)>
      decide;
  std::optional<absl::StatusOr<v1::Version>> result;  // set by the writer that committed it
};

absl::StatusOr<v1::Version> Store::Write(absl::string_view kind, absl::string_view id,
                                         absl::FunctionRef<absl::StatusOr<RecordWrite>(
                                             const std::optional<std::string>&, const v1::Version&)>
                                             decide) {
  // Group commit: under concurrent single writes the commit — read, WAL append, memtable inserts —
  // is the bottleneck, and the write lock ran one at a time. The first writer to find nobody
  // committing takes every queued write and commits them as one batch; the rest wait for their
  // result. Terms shared by the group's records then cost one posting operand each, and the WAL one
  // append.
  QueuedWrite mine{{kind, id}, decide, std::nullopt};
  std::vector<QueuedWrite*> group;
  {
    absl::MutexLock queue(&queue_mu_);
    queued_.push_back(&mine);
    auto taken_or_free = [this, &mine]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(queue_mu_) {
      return mine.result.has_value() || !committing_queued_;
    };
    queue_mu_.Await(absl::Condition(&taken_or_free));
    if (mine.result) return *std::move(mine.result);
    committing_queued_ = true;
    group.swap(queued_);
  }
  std::vector<WriteTarget> targets;
  targets.reserve(group.size());
  for (const QueuedWrite* w : group) targets.push_back(w->target);
  absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> results;
  {
    absl::MutexLock lock(&write_mu_);
    // Checked under the write lock, which SetOwnOrigin takes: no write slips past a closing gate.
    if (absl::Status open = WriteGate(); !open.ok()) {
      results = open;
    } else {
      results = CommitEach(
          targets, [&](size_t item, const std::optional<std::string>& current,
                       const v1::Version& version) { return group[item]->decide(current, version); });
    }
  }
  absl::MutexLock queue(&queue_mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->result =
        results.ok() ? std::move((*results)[i]) : absl::StatusOr<v1::Version>(results.status());
  }
  committing_queued_ = false;
  return *std::move(mine.result);
}

absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> Store::WriteEach(
    absl::string_view kind, const std::vector<std::string>& ids, WriteDecision decide) {
  if (absl::StatusOr<rocksdb::ColumnFamilyHandle*> family = RecordFamily(kind); !family.ok())
    return family.status();
  std::vector<WriteTarget> targets;
  targets.reserve(ids.size());
  for (const std::string& id : ids) targets.push_back({kind, id});
  absl::MutexLock lock(&write_mu_);
  if (absl::Status open = WriteGate(); !open.ok()) return open;
  return CommitEach(targets, decide);
}

absl::StatusOr<std::vector<v1::Version>> Store::WriteAll(absl::string_view kind,
                                                         const std::vector<std::string>& ids,
                                                         WriteDecision decide) {
  std::vector<WriteTarget> targets;
  targets.reserve(ids.size());
  for (const std::string& id : ids) targets.push_back({kind, id});
  absl::MutexLock lock(&write_mu_);
  if (absl::Status open = WriteGate(); !open.ok()) return open;
  auto results = CommitEach(targets, decide, /*all_or_nothing=*/true);
  if (!results.ok()) return results.status();
  std::vector<v1::Version> versions;
  for (absl::StatusOr<v1::Version>& r : *results) versions.push_back(*std::move(r));
  return versions;
}

absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> Store::CommitEach(
    const std::vector<WriteTarget>& targets, WriteDecision decide, bool all_or_nothing) {
  rocksdb::ColumnFamilyHandle* changes = Family(keys::kChangesFamily);
  std::vector<absl::StatusOr<v1::Version>> results;
  results.reserve(targets.size());
  rocksdb::WriteBatch batch;
  ChainHead head = heads_[options_.partner_id];
  // Bytes written earlier in this batch (by kind \0 id), so a repeated record sees them rather than
  // the database.
  absl::flat_hash_map<std::string, std::optional<std::string>> pending;
  // The change-log entries are written last: the final one carries the commit's signature.
  std::vector<v1::Change> log;
  PostingEdits postings;
  TallyEdits tallies;

  for (size_t i = 0; i < targets.size(); ++i) {
    const auto [kind, id] = targets[i];
    absl::StatusOr<rocksdb::ColumnFamilyHandle*> records = RecordFamily(kind);
    if (!records.ok()) {
      if (all_or_nothing) return records.status();
      results.push_back(records.status());
      continue;
    }
    if (!keys::IsValidComponent(id)) {
      absl::Status bad = absl::InvalidArgumentError("record id must be non-empty");
      if (all_or_nothing) return bad;
      results.push_back(std::move(bad));
      continue;
    }
    std::string pending_key = absl::StrCat(kind, absl::string_view("\0", 1), id);
    std::optional<std::string> current;
    if (auto p = pending.find(pending_key); p != pending.end()) {
      current = p->second;
    } else {
      absl::StatusOr<std::optional<std::string>> stored =
          ReadStored(rocksdb::ReadOptions(), *records, id);
      if (!stored.ok()) return stored.status();
      if (*stored) {
        Envelope envelope;
        if (absl::Status s = DecodeEnvelope(**stored, kind, id, &envelope); !s.ok()) return s;
        current = std::string(envelope.record);
      }
    }
    v1::Version version;
    version.set_origin_partner(options_.partner_id);
    version.set_origin_sequence(head.sequence + 1);
    version.set_hlc_time(clock_.Now());
    absl::StatusOr<RecordWrite> decided = decide(i, current, version);
    if (!decided.ok()) {
      if (all_or_nothing) return decided.status();
      results.push_back(decided.status());
      continue;
    }
    v1::Change& change = log.emplace_back();
    change.set_kind(std::string(kind));
    change.set_record_id(std::string(id));
    *change.mutable_version() = version;
    if (decided->value) {
      change.set_record(*decided->value);
    } else {
      change.set_deleted(true);
    }
    change.set_content_hash(ContentHash(change));
    change.set_chain_hash(ChainHash(head.chain_hash, change.content_hash()));
    head = {version.origin_sequence(), change.chain_hash()};
    if (absl::Status s = Stage(change, *decided, current, &postings, &tallies, &batch); !s.ok()) {
      return s;
    }
    pending[std::move(pending_key)] = std::move(decided->value);
    results.push_back(std::move(version));
  }
  if (log.empty()) return results;
  if (options_.sign) log.back().set_signature(options_.sign(SignedMessage(log.back())));
  AuditHead audit = audit_head_;
  for (const v1::Change& change : log) {
    batch.Put(changes, keys::Change(options_.partner_id, change.version().origin_sequence()),
              change.SerializeAsString());
    StageAudit(change, /*remote=*/false, &audit, &batch);
  }
  postings.StageInto(Family(keys::kIndexFamily), &batch);
  tallies.StageInto(Family(keys::kTallyFamily), &batch);
  if (absl::Status committed = Commit(&batch, &tallies); !committed.ok()) return committed;
  heads_[options_.partner_id] = std::move(head);
  audit_head_ = std::move(audit);
  return results;
}

std::unique_ptr<ReadView> Store::Read() const {
  return std::unique_ptr<ReadView>(new ReadView(this, db_->GetSnapshot()));
}

ReadView::~ReadView() { store_->db_->ReleaseSnapshot(snapshot_); }

absl::StatusOr<std::optional<std::string>> ReadView::Get(absl::string_view kind,
                                                         absl::string_view id) const {
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> family = store_->RecordFamily(kind);
  if (!family.ok()) return family.status();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  absl::StatusOr<std::optional<std::string>> stored = store_->ReadStored(ro, *family, id);
  if (!stored.ok() || !*stored) return stored;
  absl::string_view record;
  if (absl::Status s = EnvelopeRecord(**stored, kind, id, &record); !s.ok()) return s;
  // The record is the envelope's tail: dropping the header in place spares a copy.
  (*stored)->erase(0, record.data() - (*stored)->data());
  return stored;
}

absl::Status ReadView::GetEach(
    absl::string_view kind, const std::vector<std::string>& ids,
    absl::FunctionRef<absl::Status(size_t index, absl::string_view record)> visit) const {
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> family = store_->RecordFamily(kind);
  if (!family.ok()) return family.status();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  // Batches bound what stays pinned (memtable entries, cached blocks) at once.
  constexpr size_t kBatch = 64;
  std::vector<rocksdb::Slice> keys(kBatch);
  std::vector<rocksdb::PinnableSlice> values(kBatch);
  std::vector<rocksdb::Status> statuses(kBatch);
  for (size_t start = 0; start < ids.size(); start += kBatch) {
    const size_t n = std::min(kBatch, ids.size() - start);
    for (size_t i = 0; i < n; ++i) {
      keys[i] = rocksdb::Slice(ids[start + i].data(), ids[start + i].size());
      values[i].Reset();
    }
    store_->db_->MultiGet(ro, *family, n, keys.data(), values.data(), statuses.data());
    for (size_t i = 0; i < n; ++i) {
      const std::string& id = ids[start + i];
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], absl::StrCat("reading record ", id));
      absl::string_view record;
      if (absl::Status s = EnvelopeRecord(absl::string_view(values[i].data(), values[i].size()),
                                          kind, id, &record);
          !s.ok())
        return s;
      if (absl::Status s = visit(start + i, record); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SharedTally> ReadView::TallyValue(absl::string_view key) const {
  const uint64_t at = snapshot_->GetSequenceNumber();
  if (std::optional<SharedTally> cached = store_->tally_cache_->Find(key, at)) return *cached;
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  absl::StatusOr<std::optional<std::string>> stored =
      store_->ReadStored(ro, store_->Family(keys::kTallyFamily), key);
  if (!stored.ok()) return stored.status();
  SharedTally value =
      *stored ? std::make_shared<const std::string>(*std::move(*stored)) : SharedTally();
  store_->tally_cache_->Offer(key, at, value);
  return value;
}

absl::StatusOr<TallyCells> ReadView::Tally(absl::string_view key) const {
  absl::StatusOr<SharedTally> stored = TallyValue(key);
  if (!stored.ok()) return stored.status();
  return *stored ? DecodeTally(**stored) : TallyCells();
}

absl::Status ReadView::ForEachTallyCell(
    absl::string_view key,
    absl::FunctionRef<void(absl::string_view name, absl::Span<const int64_t> values)> visit) const {
  absl::StatusOr<SharedTally> stored = TallyValue(key);
  if (!stored.ok()) return stored.status();
  return *stored ? store::ForEachTallyCell(**stored, visit) : absl::OkStatus();
}

absl::StatusOr<uint64_t> ReadView::TallySize(absl::string_view key) const {
  absl::StatusOr<SharedTally> stored = TallyValue(key);
  if (!stored.ok()) return stored.status();
  return *stored ? TallyCellCount(**stored) : 0;
}

absl::StatusOr<TallyCheck> Store::RecomputeTallies(bool repair,
                                                   absl::FunctionRef<void()> snapshot_taken) {
  // No write lock while reading: on millions of records the recompute takes a while, and writes go
  // on. Recompute and kept tallies are compared at one snapshot; since tallies are sums folded by
  // merge, the repair adds the difference found there, and what later writes added stays.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  snapshot_taken();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.snapshot();
  rocksdb::ColumnFamilyHandle* tallies = Family(keys::kTallyFamily);

  // As many parts as the kept tallies' cells need to stay within recompute_cells_per_pass each;
  // a key belongs to the part its hash says.
  uint64_t held_cells = 0;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, tallies));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      absl::StatusOr<uint64_t> cells =
          TallyCellCount(absl::string_view(it->value().data(), it->value().size()));
      if (!cells.ok()) return cells.status();
      held_cells += *cells;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading tallies");
  }
  const uint64_t per_pass =
      static_cast<uint64_t>(std::max<int64_t>(options_.recompute_cells_per_pass, 1));
  const uint64_t parts = std::max<uint64_t>(1, (held_cells + per_pass - 1) / per_pass);

  TallyCheck check;
  for (uint64_t part = 0; part < parts; ++part) {
    auto mine = [parts, part](absl::string_view key) {
      return parts == 1 || absl::Hash<absl::string_view>()(key) % parts == part;
    };
    TallyEdits recomputed(mine);
    for (const auto& [kind, tally] : options_.tallies) {
      rocksdb::ColumnFamilyHandle* family = Family(kind);
      if (family == nullptr) continue;
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, family));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        Envelope envelope;
        absl::string_view id(it->key().data(), it->key().size());
        if (absl::Status s = DecodeEnvelope(
                absl::string_view(it->value().data(), it->value().size()), kind, id, &envelope);
            !s.ok()) {
          return s;
        }
        if (absl::Status s = tally(envelope.record, +1, &recomputed); !s.ok()) return s;
      }
      if (!it->status().ok()) return FromRocks(it->status(), "reading records to tally");
    }
    std::map<std::string, TallyCells> want = recomputed.Totals();
    check.keys += want.size();

    TallyEdits repairs;
    auto add = [&repairs](const std::string& key, const TallyCells& cells, int sign) {
      for (const auto& [cell, values] : cells) repairs.Add(key, cell, values, sign);
    };
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, tallies));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string key = it->key().ToString();
      if (!mine(key)) continue;
      absl::StatusOr<TallyCells> held =
          DecodeTally(absl::string_view(it->value().data(), it->value().size()));
      if (!held.ok()) return held.status();
      auto expected = want.find(key);
      if (expected == want.end()) {
        // Every cell back to zero is the same as absent.
        if (held->empty()) continue;
        ++check.differing;
        add(key, *held, -1);
        continue;
      }
      if (expected->second != *held) {
        ++check.differing;
        add(key, *held, -1);
        add(key, expected->second, +1);
      }
      want.erase(expected);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading tallies");
    for (const auto& [key, cells] : want) add(key, cells, +1);  // kept nowhere
    check.differing += want.size();
    if (!repair || repairs.empty()) continue;
    rocksdb::WriteBatch batch;
    repairs.StageInto(tallies, &batch);
    absl::MutexLock lock(&write_mu_);  // Commit's tally-cache bookkeeping needs it
    if (absl::Status committed = Commit(&batch, &repairs); !committed.ok()) return committed;
  }
  return check;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ReadView::Scan(
    absl::string_view kind, absl::string_view after, size_t limit) const {
  absl::StatusOr<rocksdb::ColumnFamilyHandle*> family = store_->RecordFamily(kind);
  if (!family.ok()) return family.status();
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(store_->db_->NewIterator(ro, *family));
  std::vector<std::pair<std::string, std::string>> out;
  for (it->Seek(rocksdb::Slice(after.data(), after.size())); it->Valid() && out.size() < limit;
       it->Next()) {
    if (absl::string_view(it->key().data(), it->key().size()) == after) continue;
    Envelope envelope;
    if (absl::Status s =
            DecodeEnvelope(absl::string_view(it->value().data(), it->value().size()), kind,
                           absl::string_view(it->key().data(), it->key().size()), &envelope);
        !s.ok()) {
      return s;
    }
    out.emplace_back(it->key().ToString(), std::string(envelope.record));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning records");
  return out;
}

std::unique_ptr<PostingCursor> ReadView::Postings(absl::string_view kind,
                                                  absl::string_view term) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  return ReadPostingList(store_->db_.get(), ro, store_->Family(keys::kIndexFamily),
                         keys::PostingList(kind, term));
}

std::vector<std::string> ReadView::TermsWithPrefix(absl::string_view kind, absl::string_view prefix,
                                                   size_t limit) const {
  // The index itself is the dictionary: one key per term, whose list may have become empty.
  const std::string start = keys::Term(kind, prefix);
  PrefixIterator it(store_->db_.get(), store_->Family(keys::kIndexFamily), snapshot_, start);
  const size_t skip = keys::Term(kind, "").size();
  std::vector<std::string> out;
  for (it->Seek(start); it->Valid() && out.size() < limit; it->Next()) {
    if (IsEmptyPostingList(absl::string_view(it->value().data(), it->value().size()))) continue;
    absl::string_view key(it->key().data(), it->key().size());
    out.emplace_back(key.substr(skip, key.size() - 1 - skip));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Change>> ReadView::Changes(absl::string_view origin, uint64_t after,
                                                          size_t limit, size_t max_bytes) const {
  PrefixIterator it(store_->db_.get(), store_->Family(keys::kChangesFamily), snapshot_,
                    keys::ChangePrefix(origin));
  std::vector<v1::Change> out;
  if (after == UINT64_MAX) return out;  // after + 1 would wrap to the start of the log
  size_t bytes = 0;
  for (it->Seek(keys::Change(origin, after + 1));
       it->Valid() && out.size() < limit && bytes < max_bytes; it->Next()) {
    bytes += it->value().size();
    if (!out.emplace_back().ParseFromArray(it->value().data(),
                                           static_cast<int>(it->value().size()))) {
      return absl::DataLossError("unreadable change-log entry");
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the change log");
  return out;
}

absl::StatusOr<uint64_t> ReadView::LastSequence(absl::string_view origin) const {
  const std::string prefix = keys::ChangePrefix(origin);
  PrefixIterator it(store_->db_.get(), store_->Family(keys::kChangesFamily), snapshot_, prefix);
  // The bound is an upper one only: the last key below it may be another origin's.
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the change log");
  if (!it->Valid()) return 0;
  const absl::string_view key(it->key().data(), it->key().size());
  return absl::StartsWith(key, prefix) ? keys::ChangeSequence(key) : 0;
}

}  // namespace passerelle::store
