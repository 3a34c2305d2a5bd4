#include "store/posting_list.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "rocksdb/db.h"
#include "rocksdb/merge_operator.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "store/keys.h"

namespace passerelle::store {
namespace {

constexpr char kAdded = '+';
constexpr char kRemoved = '-';
// The first byte of a folded list, so that a reader given the base value and the operands side by
// side (GetMergeOperands) tells them apart: an operand starts with an edit's tag.
constexpr char kListMarker = 'L';

void AppendId(std::string* out, absl::string_view id) {
  uint32_t n = static_cast<uint32_t>(id.size());
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(id.data(), id.size());
}

// Takes one (varint length, id) off the front of `in`; false when `in` does not start with one.
bool ReadId(absl::string_view* in, absl::string_view* id) {
  uint32_t n = 0;
  for (int shift = 0;; shift += 7) {
    if (in->empty() || shift > 28) return false;
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    n |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  if (n > in->size()) return false;
  *id = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

struct Edit {
  absl::string_view id;
  bool present = false;
};

bool ReadEdit(absl::string_view* in, Edit* edit) {
  if (in->empty() || (in->front() != kAdded && in->front() != kRemoved)) return false;
  edit->present = in->front() == kAdded;
  in->remove_prefix(1);
  return ReadId(in, &edit->id);
}

void AppendEdit(std::string* out, absl::string_view id, bool present) {
  out->push_back(present ? kAdded : kRemoved);
  AppendId(out, id);
}

// The net edit per id of `operands` applied oldest first, in id order; false on a malformed
// operand.
template <typename Operands>
bool CombineEdits(const Operands& operands, std::vector<Edit>* out) {
  for (const rocksdb::Slice& operand : operands) {
    absl::string_view in(operand.data(), operand.size());
    for (Edit e; !in.empty();) {
      if (!ReadEdit(&in, &e)) return false;
      out->push_back(e);
    }
  }
  // Stable: among edits of one id, the newest operand's stays last, and so wins.
  std::stable_sort(out->begin(), out->end(),
                   [](const Edit& a, const Edit& b) { return a.id < b.id; });
  size_t kept = 0;
  for (const Edit& e : *out) {
    if (kept > 0 && (*out)[kept - 1].id == e.id) {
      (*out)[kept - 1] = e;
    } else {
      (*out)[kept++] = e;
    }
  }
  out->resize(kept);
  return true;
}

// `list` with `edits` (sorted, one per id) applied; false when `list` is malformed.
bool ApplyEdits(absl::string_view list, const std::vector<Edit>& edits, std::string* out) {
  out->reserve(list.size() + edits.size() * 16);
  absl::string_view id;
  absl::string_view entry_start = list;
  bool has = !list.empty();
  if (has && !ReadId(&list, &id)) return false;
  auto advance = [&]() {
    entry_start = list;
    has = !list.empty();
    return !has || ReadId(&list, &id);
  };
  for (const Edit& e : edits) {
    while (has && id < e.id) {
      AppendId(out, id);
      if (!advance()) return false;
    }
    if (has && id == e.id && !advance()) return false;
    if (e.present) AppendId(out, e.id);
  }
  // The rest is already encoded and in order.
  if (has) out->append(entry_start.data(), entry_start.size());
  return true;
}

class PostingMergeOperator : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "passerelle.PostingList.v1"; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    std::vector<Edit> edits;
    if (!CombineEdits(in.operand_list, &edits)) return false;
    absl::string_view list;
    if (in.existing_value != nullptr) {
      list = {in.existing_value->data(), in.existing_value->size()};
      if (list.empty() || list.front() != kListMarker) return false;
      list.remove_prefix(1);
    }
    out->new_value.push_back(kListMarker);
    return ApplyEdits(list, edits, &out->new_value);
  }

  bool PartialMergeMulti(const rocksdb::Slice&, const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value, rocksdb::Logger*) const override {
    std::vector<Edit> edits;
    if (!CombineEdits(operands, &edits)) return false;
    for (const Edit& e : edits) AppendEdit(new_value, e.id, e.present);
    return true;
  }
};

// Folds a list and the operands not yet merged into it while walking them, instead of merging them
// into a copy first: a search reads one page, so it touches only the start of each list. Each part
// is a sorted run of ids; for an id, the newest part that mentions it decides whether it is
// present. A list written in many commits and not yet compacted has many parts, so the runs wait in
// a heap: a step costs the log of their count, not the count.
class FoldingCursor : public PostingCursor {
 public:
  // `parts`: the folded list (if any) then the operands, oldest first.
  FoldingCursor(std::unique_ptr<rocksdb::PinnableSlice[]> parts, int count)
      : parts_(std::move(parts)) {
    runs_.resize(count);
    for (int i = 0; i < count; ++i) {
      Run& run = runs_[i];
      run.rest = absl::string_view(parts_[i].data(), parts_[i].size());
      run.is_list = !run.rest.empty() && run.rest.front() == kListMarker;
      if (run.is_list) run.rest.remove_prefix(1);
      Advance(run);
      if (run.valid) heap_.push_back(i);
    }
    std::make_heap(heap_.begin(), heap_.end(), Order());
    Settle();
  }
  bool Valid() const override { return valid_; }
  absl::string_view id() const override { return id_; }
  void Next() override {
    SkipBelow(id_, /*inclusive=*/true);
    Settle();
  }
  void Seek(absl::string_view target) override {
    if (!valid_ || id_ >= target) return;
    SkipBelow(target, /*inclusive=*/false);
    Settle();
  }

 private:
  struct Run {
    absl::string_view rest;
    absl::string_view id;
    bool is_list = false;
    bool present = true;
    bool valid = false;
  };
  // Heap order: the smallest id on top and, for one id, the newest run (the highest index) first.
  struct Later {
    const std::vector<Run>* runs;
    bool operator()(int a, int b) const {
      const Run& x = (*runs)[a];
      const Run& y = (*runs)[b];
      return x.id != y.id ? x.id > y.id : a < b;
    }
  };
  Later Order() const { return {&runs_}; }

  // A part that does not decode ends where it stops decoding.
  static void Advance(Run& run) {
    if (run.rest.empty()) {
      run.valid = false;
    } else if (run.is_list) {
      run.valid = ReadId(&run.rest, &run.id);
    } else {
      Edit e;
      run.valid = ReadEdit(&run.rest, &e);
      run.id = e.id;
      run.present = e.present;
    }
  }
  // Moves every run past the ids below `bound` (and at it, when `inclusive`).
  void SkipBelow(absl::string_view bound, bool inclusive) {
    // `bound` may be a run's id: a view into the parts, which stay put while the runs move on.
    auto below = [&](const Run& run) { return run.id < bound || (inclusive && run.id == bound); };
    while (!heap_.empty() && below(runs_[heap_.front()])) {
      std::pop_heap(heap_.begin(), heap_.end(), Order());
      Run& run = runs_[heap_.back()];
      do {
        Advance(run);
      } while (run.valid && below(run));
      if (run.valid) {
        std::push_heap(heap_.begin(), heap_.end(), Order());
      } else {
        heap_.pop_back();
      }
    }
  }
  // Finds the smallest id whose newest mention says present.
  void Settle() {
    while (true) {
      valid_ = !heap_.empty();
      if (!valid_) return;
      const Run& newest = runs_[heap_.front()];
      id_ = newest.id;
      if (newest.present) return;
      SkipBelow(id_, /*inclusive=*/true);
    }
  }

  std::unique_ptr<rocksdb::PinnableSlice[]> parts_;
  std::vector<Run> runs_;
  std::vector<int> heap_;  // the runs not exhausted
  absl::string_view id_;
  bool valid_ = false;
};

}  // namespace

void PostingEdits::Edit(absl::string_view kind, absl::string_view term, absl::string_view id,
                        bool present) {
  keys::PostingList(kind, term, &key_);
  auto list = edits_.find(key_);
  if (list == edits_.end()) list = edits_.try_emplace(key_).first;
  list->second.push_back({std::string(id), present});
}

void PostingEdits::StageInto(rocksdb::ColumnFamilyHandle* index, rocksdb::WriteBatch* batch) {
  std::string operand;
  for (auto& [key, edits] : edits_) {
    // Stable: among edits of one id the last made stays last, and so wins. Writers that commit in
    // id order (an import) make every list sorted already.
    auto by_id = [](const IdEdit& a, const IdEdit& b) { return a.id < b.id; };
    if (!std::is_sorted(edits.begin(), edits.end(), by_id)) {
      std::stable_sort(edits.begin(), edits.end(), by_id);
    }
    operand.clear();
    for (size_t i = 0; i < edits.size(); ++i) {
      if (i + 1 < edits.size() && edits[i + 1].id == edits[i].id) continue;
      AppendEdit(&operand, edits[i].id, edits[i].present);
    }
    batch->Merge(index, key, operand);
  }
}

std::shared_ptr<rocksdb::MergeOperator> NewPostingMergeOperator() {
  return std::make_shared<PostingMergeOperator>();
}

std::unique_ptr<PostingCursor> ReadPostingList(rocksdb::DB* db, const rocksdb::ReadOptions& options,
                                               rocksdb::ColumnFamilyHandle* index,
                                               absl::string_view key) {
  rocksdb::GetMergeOperandsOptions limits;
  limits.expected_max_number_of_operands = 16;
  while (true) {
    auto parts = std::make_unique<rocksdb::PinnableSlice[]>(limits.expected_max_number_of_operands);
    int count = 0;
    rocksdb::Status s = db->GetMergeOperands(options, index, rocksdb::Slice(key.data(), key.size()),
                                             parts.get(), &limits, &count);
    if (s.IsIncomplete() && count > limits.expected_max_number_of_operands) {
      limits.expected_max_number_of_operands = count;
      continue;
    }
    return std::make_unique<FoldingCursor>(std::move(parts), s.ok() ? count : 0);
  }
}

bool IsEmptyPostingList(absl::string_view list) { return list.size() <= 1; }

}  // namespace passerelle::store
