#include "store/tally.h"

#include <algorithm>
#include <deque>
#include <queue>
#include <utility>

#include "rocksdb/merge_operator.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"

namespace passerelle::store {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63; shift += 7) {
    if (in->empty()) return false;
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

bool AllZero(absl::Span<const int64_t> values) {
  return std::all_of(values.begin(), values.end(), [](int64_t v) { return v == 0; });
}

void PutCell(std::string* out, absl::string_view name, absl::Span<const int64_t> values) {
  PutVarint(out, name.size());
  out->append(name.data(), name.size());
  PutVarint(out, values.size());
  for (int64_t v : values) PutVarint(out, ZigZag(v));
}

void AddInto(std::vector<int64_t>* sum, absl::Span<const int64_t> values, int64_t sign) {
  if (sum->size() < values.size()) sum->resize(values.size(), 0);
  for (size_t i = 0; i < values.size(); ++i) (*sum)[i] += sign * values[i];
}

// Walks the cells of one encoded tally (a value or an operand) in name order.
class CellCursor {
 public:
  // False when `encoded` has no readable header.
  bool Open(absl::string_view encoded) {
    rest_ = encoded;
    return GetVarint(&rest_, &remaining_);
  }
  // Moves to the next cell; false at the end, with `ok()` false when the bytes are malformed.
  bool Next() {
    if (remaining_ == 0) return false;
    --remaining_;
    uint64_t length = 0, n = 0;
    if (!GetVarint(&rest_, &length) || length > rest_.size()) return Fail();
    name_ = rest_.substr(0, length);
    rest_.remove_prefix(length);
    if (!GetVarint(&rest_, &n) || n > rest_.size()) return Fail();
    values_.resize(n);
    for (int64_t& v : values_) {
      uint64_t raw = 0;
      if (!GetVarint(&rest_, &raw)) return Fail();
      v = UnZigZag(raw);
    }
    return true;
  }
  bool ok() const { return ok_; }
  absl::string_view name() const { return name_; }
  const std::vector<int64_t>& values() const { return values_; }

 private:
  bool Fail() {
    ok_ = false;
    remaining_ = 0;
    return false;
  }
  absl::string_view rest_;
  uint64_t remaining_ = 0;
  absl::string_view name_;
  std::vector<int64_t> values_;
  bool ok_ = true;
};

// Sums the encoded tallies `inputs` cell by cell into `out`: a k-way merge of their sorted cells,
// so a large folded value meeting a few small operands costs one pass and no per-cell allocation.
bool MergeEncoded(const std::vector<absl::string_view>& inputs, std::string* out) {
  std::vector<CellCursor> cursors(inputs.size());
  auto after = [&cursors](size_t a, size_t b) { return cursors[a].name() > cursors[b].name(); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(after)> heap(after);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!cursors[i].Open(inputs[i])) return false;
    if (cursors[i].Next()) heap.push(i);
    if (!cursors[i].ok()) return false;
  }
  std::string body;
  uint64_t count = 0;
  std::vector<int64_t> sum;
  std::string name;
  while (!heap.empty()) {
    size_t first = heap.top();
    heap.pop();
    name.assign(cursors[first].name().data(), cursors[first].name().size());
    sum.assign(cursors[first].values().begin(), cursors[first].values().end());
    if (cursors[first].Next()) heap.push(first);
    while (!heap.empty() && cursors[heap.top()].name() == name) {
      size_t same = heap.top();
      heap.pop();
      AddInto(&sum, cursors[same].values(), 1);
      if (cursors[same].Next()) heap.push(same);
      if (!cursors[same].ok()) return false;
    }
    if (!cursors[first].ok()) return false;
    if (AllZero(sum)) continue;
    PutCell(&body, name, sum);
    ++count;
  }
  out->clear();
  PutVarint(out, count);
  out->append(body);
  return true;
}

class TallyMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<absl::string_view> inputs;
    inputs.reserve(in.operand_list.size() + 1);
    if (in.existing_value != nullptr) {
      inputs.emplace_back(in.existing_value->data(), in.existing_value->size());
    }
    for (const rocksdb::Slice& op : in.operand_list) inputs.emplace_back(op.data(), op.size());
    return MergeEncoded(inputs, &out->new_value);
  }
  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    std::vector<absl::string_view> inputs;
    inputs.reserve(operands.size());
    for (const rocksdb::Slice& op : operands) inputs.emplace_back(op.data(), op.size());
    return MergeEncoded(inputs, new_value);
  }
  const char* Name() const override { return "passerelle.tally.v1"; }
};

}  // namespace

void TallyEdits::Add(absl::string_view key, absl::string_view cell,
                     absl::Span<const int64_t> values, int sign) {
  if (keep_ && !keep_(key)) return;
  AddInto(&edits_[key][cell], values, sign);
}

std::vector<absl::string_view> TallyEdits::Keys() const {
  std::vector<absl::string_view> keys;
  keys.reserve(edits_.size());
  for (const auto& [key, cells] : edits_) keys.push_back(key);
  return keys;
}

std::map<std::string, TallyCells> TallyEdits::Totals() const {
  std::map<std::string, TallyCells> out;
  for (const auto& [key, cells] : edits_) {
    TallyCells nonzero;
    for (const auto& [cell, values] : cells) {
      if (!AllZero(values)) nonzero.emplace(cell, values);
    }
    if (!nonzero.empty()) out.emplace(key, std::move(nonzero));
  }
  return out;
}

void TallyEdits::StageInto(rocksdb::ColumnFamilyHandle* tallies, rocksdb::WriteBatch* batch) const {
  std::vector<std::pair<absl::string_view, const std::vector<int64_t>*>> cells;
  for (const auto& [key, by_cell] : edits_) {
    cells.clear();
    for (const auto& [cell, values] : by_cell) {
      if (!AllZero(values)) cells.emplace_back(cell, &values);
    }
    if (cells.empty()) continue;
    std::sort(cells.begin(), cells.end());
    std::string operand;
    PutVarint(&operand, cells.size());
    for (const auto& [cell, values] : cells) PutCell(&operand, cell, *values);
    batch->Merge(tallies, key, operand);
  }
}

std::shared_ptr<rocksdb::MergeOperator> NewTallyMergeOperator() {
  return std::make_shared<TallyMergeOperator>();
}

std::string EncodeTally(const TallyCells& cells) {
  std::string out;
  PutVarint(&out, cells.size());
  for (const auto& [name, values] : cells) PutCell(&out, name, values);
  return out;
}

absl::StatusOr<TallyCells> DecodeTally(absl::string_view value) {
  TallyCells out;
  absl::Status read =
      ForEachTallyCell(value, [&out](absl::string_view name, absl::Span<const int64_t> values) {
        out.emplace(name, std::vector<int64_t>(values.begin(), values.end()));
      });
  if (!read.ok()) return read;
  return out;
}

absl::Status ForEachTallyCell(
    absl::string_view value,
    absl::FunctionRef<void(absl::string_view name, absl::Span<const int64_t> values)> visit) {
  CellCursor cursor;
  if (!cursor.Open(value)) return absl::DataLossError("unreadable tally");
  while (cursor.Next()) visit(cursor.name(), cursor.values());
  if (!cursor.ok()) return absl::DataLossError("unreadable tally");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> TallyCellCount(absl::string_view value) {
  uint64_t count = 0;
  if (!GetVarint(&value, &count)) return absl::DataLossError("unreadable tally");
  return count;
}

}  // namespace passerelle::store
