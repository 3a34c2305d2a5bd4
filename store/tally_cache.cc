#include "store/tally_cache.h"

#include <algorithm>
#include <utility>

namespace passerelle::store {
namespace {

// Keys whose last write is remembered one by one; past that, they fold into one floor for all keys
// (which empties the cache once: every entry predates it), so a store with millions of distinct
// tallies does not grow this map without bound.
constexpr size_t kMaxTrackedKeys = 1 << 20;

}  // namespace

void TallyCache::Writing(absl::Span<const absl::string_view> keys) {
  absl::MutexLock lock(&mu_);
  for (absl::string_view key : keys) {
    last_write_[key] = kInFlight;
    if (auto entry = entries_.find(key); entry != entries_.end()) {
      bytes_ -= Cost(key, entry->second.value);
      recency_.erase(entry->second.recency);
      entries_.erase(entry);
    }
  }
}

void TallyCache::Written(absl::Span<const absl::string_view> keys, uint64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (last_write_.size() + keys.size() > kMaxTrackedKeys) {
    last_write_.clear();
    last_write_all_ = sequence;
    return;
  }
  for (absl::string_view key : keys) last_write_[key] = sequence;
}

uint64_t TallyCache::LastWrite(absl::string_view key) const {
  auto at = last_write_.find(key);
  const uint64_t own = at == last_write_.end() ? 0 : at->second;
  return std::max(own, last_write_all_);
}

size_t TallyCache::Cost(absl::string_view key, const SharedTally& value) {
  // The key twice (map and recency list) and the value; the bookkeeping around them is small.
  return 2 * key.size() + (value ? value->size() : 0) + 64;
}

std::optional<SharedTally> TallyCache::Find(absl::string_view key, uint64_t snapshot) {
  absl::MutexLock lock(&mu_);
  auto entry = entries_.find(key);
  if (entry == entries_.end()) return std::nullopt;
  // The entry is the key's latest value (Writing removes it otherwise); it is the snapshot's too
  // when the snapshot sees the last write.
  if (LastWrite(key) > snapshot) return std::nullopt;
  recency_.splice(recency_.begin(), recency_, entry->second.recency);
  return entry->second.value;
}

void TallyCache::Offer(absl::string_view key, uint64_t snapshot, SharedTally value) {
  const size_t cost = Cost(key, value);
  absl::MutexLock lock(&mu_);
  // A write after the snapshot (or one being written) made this value stale, or will.
  // An entry already held is this same latest value.
  if (LastWrite(key) > snapshot || cost > max_bytes_ || entries_.contains(key)) return;
  recency_.emplace_front(key);
  entries_.emplace(key, Entry{std::move(value), recency_.begin()});
  bytes_ += cost;
  while (bytes_ > max_bytes_) {
    const std::string& oldest = recency_.back();
    auto victim = entries_.find(oldest);
    bytes_ -= Cost(oldest, victim->second.value);
    entries_.erase(victim);
    recency_.pop_back();
  }
}

size_t TallyCache::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace passerelle::store
