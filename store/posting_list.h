#ifndef PASSERELLE_STORE_POSTING_LIST_H_
#define PASSERELLE_STORE_POSTING_LIST_H_

// Posting lists as RocksDB values. The index family holds one key per (kind, term) whose value is the
// sorted ids indexed under that term. A commit never reads a list to change it: it adds one merge operand
// per term it touches — the sorted ids it adds to or removes from that term — and RocksDB folds operands
// into the list when a read or a compaction meets them (PostingMergeOperator). A batch of rows that share
// terms thus writes one key per distinct term instead of one per (term, row).
//
// Encodings (internal to this module): a list is a sequence of (varint length, id) in increasing id order;
// an operand is a sequence of (tag, varint length, id) in increasing id order, one entry per id, the tag
// saying whether the id is added or removed. A folded list starts with a marker byte.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "store/cursor.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class MergeOperator;
struct ReadOptions;
class WriteBatch;
}  // namespace rocksdb

namespace passerelle::store {

// The index changes of one commit, gathered per posting list so that each list gets one operand. Within a
// commit the last edit of an id in a list wins (a record written twice in one batch ends as its second
// write left it). Not thread-safe.
class PostingEdits {
 public:
  void Add(absl::string_view kind, absl::string_view term, absl::string_view id) {
    Edit(kind, term, id, true);
  }
  void Remove(absl::string_view kind, absl::string_view term, absl::string_view id) {
    Edit(kind, term, id, false);
  }
  // Adds one Merge per touched list to `batch`.
  void StageInto(rocksdb::ColumnFamilyHandle* index, rocksdb::WriteBatch* batch);

 private:
  struct IdEdit {
    std::string id;
    bool present;
  };
  void Edit(absl::string_view kind, absl::string_view term, absl::string_view id, bool present);
  // Per list key, edits in the order made: appending is cheaper than keeping each list ordered, which
  // StageInto does once.
  absl::flat_hash_map<std::string, std::vector<IdEdit>> edits_;
  std::string key_;  // reused for lookups, so that a list already touched costs no allocation
};

// The merge operator of the index family; its name is part of the on-disk format.
std::shared_ptr<rocksdb::MergeOperator> NewPostingMergeOperator();

// The ids under list `key` of the index family as `options` (its snapshot) sees them. A list that cannot
// be read (absent, or an I/O error) reads as empty: the PostingCursor contract has no error path.
std::unique_ptr<PostingCursor> ReadPostingList(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                               rocksdb::ColumnFamilyHandle* index, absl::string_view key);

// Whether a folded list, as an iterator over the index family returns it, holds no id (every id once
// added has been removed).
bool IsEmptyPostingList(absl::string_view list);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_POSTING_LIST_H_
