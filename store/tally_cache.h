#ifndef PASSERELLE_STORE_TALLY_CACHE_H_
#define PASSERELLE_STORE_TALLY_CACHE_H_

// Folded tally values kept in memory, so that a report reads them without RocksDB. A report reads
// the same few tallies again and again (the event by month, its member sets per month), and in
// RocksDB each read copies the whole value and folds whatever merge operands the writes since the
// last compaction left: its latency followed the store's merge backlog, not the report.
//
// Snapshot-exact: an entry is always its key's latest value (a write removes it), served to a read
// at snapshot S only when S sees the key's last write. The store marks a commit's keys as being
// written before the commit and stamps them with its sequence after, so a read never takes a value
// that a commit it can see has changed. Bounded by bytes, least recently used out first.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"

namespace passerelle::store {

// An encoded tally, shared between the cache and its readers; null when the key holds nothing.
using SharedTally = std::shared_ptr<const std::string>;

class TallyCache {
 public:
  explicit TallyCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // A commit touching `keys` is about to be written: until Written, reads of them miss.
  void Writing(absl::Span<const absl::string_view> keys);
  // The commit touching `keys` is written (or failed) with every sequence up to `sequence`.
  void Written(absl::Span<const absl::string_view> keys, uint64_t sequence);

  // The value of `key` at a snapshot of sequence `snapshot`, if the cache holds it: an engaged
  // optional (whose pointer is null when the key holds nothing), else nullopt.
  std::optional<SharedTally> Find(absl::string_view key, uint64_t snapshot);
  // Offers `value`, read at `snapshot`; kept only while it is still the key's latest value.
  void Offer(absl::string_view key, uint64_t snapshot, SharedTally value);

  size_t bytes() const;

 private:
  static constexpr uint64_t kInFlight = UINT64_MAX;
  struct Entry {
    SharedTally value;
    std::list<std::string>::iterator recency;
  };
  // The sequence of the last commit touching `key` (kInFlight while one is being written).
  uint64_t LastWrite(absl::string_view key) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  static size_t Cost(absl::string_view key, const SharedTally& value);

  const size_t max_bytes_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> last_write_ ABSL_GUARDED_BY(mu_);
  uint64_t last_write_all_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> recency_ ABSL_GUARDED_BY(mu_);  // most recently used first
  size_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_TALLY_CACHE_H_
