#ifndef PASSERELLE_STORE_STORE_H_
#define PASSERELLE_STORE_STORE_H_

// The node's local state: one RocksDB database with a column family per record kind, a posting-list index, a
// term dictionary and the change log. Every write commits the record, its index entries and its change-log
// entry in one WriteBatch, so a crash leaves all of them or none.
//
// Durability: writes go to the write-ahead log before they are acknowledged, without fsync by default; an
// acknowledged write survives the death of the process (kill -9), and with sync_writes also that of the
// machine.
//
// Thread-safety: all methods may be called concurrently. Writes are serialised (they assign the origin
// sequence); reads never wait for writes.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "passerelle/v1/common.pb.h"
#include "store/cursor.h"
#include "store/hybrid_clock.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Snapshot;
}  // namespace rocksdb

namespace passerelle::store {

struct StoreOptions {
  std::string path;
  std::string partner_id;           // the origin stamped on every local write
  std::vector<std::string> kinds;   // record kinds; one column family each, created if missing
  int64_t block_cache_bytes = 64 << 20;
  int64_t write_buffer_bytes = 32 << 20;
  bool sync_writes = false;
};

// What one record write changes besides the change log. Index terms are opaque strings chosen by the caller
// (e.g. "theme:3"); they may not contain '\0'.
struct RecordWrite {
  std::optional<std::string> value;  // the record's new bytes; nullopt deletes it
  std::vector<std::string> remove_terms;
  std::vector<std::string> add_terms;
};

// Decides a write from the record's current bytes (nullopt when absent) and the version the write will carry.
// Runs under the store's write lock, so what it reads cannot change before the write commits. An error
// commits nothing for that record.
using WriteDecision = absl::FunctionRef<absl::StatusOr<RecordWrite>(
    size_t item, const std::optional<std::string>& current, const v1::Version& version)>;

class Store;

// A consistent view of the store at one instant (a RocksDB snapshot); every read through it agrees.
class ReadView {
 public:
  ~ReadView();
  ReadView(const ReadView&) = delete;
  ReadView& operator=(const ReadView&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view kind, absl::string_view id) const;
  // Records of `kind` whose id is > `after`, in id order, at most `limit`.
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> Scan(absl::string_view kind,
                                                                       absl::string_view after,
                                                                       size_t limit) const;
  // The ids of `kind` records indexed under `term`.
  std::unique_ptr<PostingCursor> Postings(absl::string_view kind, absl::string_view term) const;
  // Terms ever indexed for `kind` that start with `prefix`, in order, at most `limit`. A term whose records
  // were all deleted may still be listed; its postings are then empty.
  std::vector<std::string> TermsWithPrefix(absl::string_view kind, absl::string_view prefix,
                                           size_t limit) const;
  // Change-log entries of `origin` with sequence > `after`, in order, at most `limit`.
  absl::StatusOr<std::vector<v1::Change>> Changes(absl::string_view origin, uint64_t after,
                                                  size_t limit) const;

 private:
  friend class Store;
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

  // Commits one record write; returns the version it got.
  absl::StatusOr<v1::Version> Write(absl::string_view kind, absl::string_view id,
                                    absl::FunctionRef<absl::StatusOr<RecordWrite>(
                                        const std::optional<std::string>& current,
                                        const v1::Version& version)>
                                        decide);

  // Commits many record writes of one kind in a single WriteBatch: the items whose decision succeeds commit
  // together, each with its own version; the others write nothing. An id may repeat: a later item sees the
  // earlier one's bytes. Returns one result per id, or an error if the batch itself failed (then nothing of
  // it is written).
  absl::StatusOr<std::vector<absl::StatusOr<v1::Version>>> WriteEach(
      absl::string_view kind, const std::vector<std::string>& ids, WriteDecision decide);

  std::unique_ptr<ReadView> Read() const;

  // The sequence of the latest local write (0 before any).
  uint64_t last_sequence() const;

 private:
  friend class ReadView;
  Store() = default;
  rocksdb::ColumnFamilyHandle* Family(absl::string_view name) const;

  StoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> families_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  HybridClock clock_;
  mutable absl::Mutex write_mu_;
  uint64_t sequence_ ABSL_GUARDED_BY(write_mu_) = 0;
};

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_STORE_H_
