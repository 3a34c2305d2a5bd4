#ifndef PASSERELLE_STORE_TALLY_H_
#define PASSERELLE_STORE_TALLY_H_

// Tallies: counters a service derives from its records and the store keeps up to date in the same
// WriteBatch as every record write, local or replicated, so that a report reads a handful of keys
// instead of scanning records.
//
// A tally is one key of the tallies family; its value is a set of cells, each a name and a vector
// of int64 counters. A record of a tallied kind contributes to cells through the kind's TallyFn; a
// write subtracts what the old record contributed and adds what the new one does. Like posting
// lists, a commit never reads a tally: it adds one merge operand per key it touches (the net deltas
// of its cells), and RocksDB folds operands when a read or a compaction meets them. Cells whose
// counters are all zero disappear, so a tally used as a set of reference counts (one cell per
// member) holds exactly the members present, and its cell count is the set's size, readable without
// decoding the cells.
//
// Encoding (internal to this module): varint cell count, then per cell in increasing name order
// (varint length, name, varint n, n zigzag varints).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace rocksdb {
class ColumnFamilyHandle;
class MergeOperator;
class WriteBatch;
}  // namespace rocksdb

namespace passerelle::store {

// Cells by name, each with its counters.
using TallyCells = std::map<std::string, std::vector<int64_t>, std::less<>>;

// The tally deltas of one commit, gathered per key so that each key gets one operand. Not
// thread-safe.
class TallyEdits {
 public:
  TallyEdits() = default;
  // Keeps only the keys `keep` accepts; the others' edits are dropped as they come.
  explicit TallyEdits(std::function<bool(absl::string_view key)> keep) : keep_(std::move(keep)) {}

  // Adds `sign` × `values` to cell `cell` of tally `key` (a shorter vector than the cell's is
  // padded with zeros).
  void Add(absl::string_view key, absl::string_view cell, absl::Span<const int64_t> values,
           int sign);
  // Adds one Merge per key whose net change is not zero to `batch`.
  void StageInto(rocksdb::ColumnFamilyHandle* tallies, rocksdb::WriteBatch* batch) const;
  // Every key with its cells, zero cells dropped (what StageInto would write onto empty tallies).
  std::map<std::string, TallyCells> Totals() const;
  bool empty() const { return edits_.empty(); }
  // The keys edited (views into this object).
  std::vector<absl::string_view> Keys() const;

 private:
  std::function<bool(absl::string_view key)> keep_;
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::vector<int64_t>>> edits_;
};

// What a record of one kind contributes to the tallies: adds `sign` (+1 or -1) times its
// contribution to `edits`. An error means the record cannot be read.
using TallyFn = std::function<absl::Status(absl::string_view record, int sign, TallyEdits* edits)>;

// The merge operator of the tallies family; its name is part of the on-disk format.
std::shared_ptr<rocksdb::MergeOperator> NewTallyMergeOperator();

std::string EncodeTally(const TallyCells& cells);
absl::StatusOr<TallyCells> DecodeTally(absl::string_view value);
// Calls `visit` with each cell of an encoded tally, in name order, without building TallyCells: a
// report over a large tally (a buyer's contractors by month) then allocates nothing per cell.
absl::Status ForEachTallyCell(
    absl::string_view value,
    absl::FunctionRef<void(absl::string_view name, absl::Span<const int64_t> values)> visit);
// The number of cells of an encoded tally, read from its header.
absl::StatusOr<uint64_t> TallyCellCount(absl::string_view value);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_TALLY_H_
