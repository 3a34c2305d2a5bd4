#include "store/posting_list.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "rocksdb/merge_operator.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "store/keys.h"

namespace passerelle::store {
namespace {

constexpr char kAdded = '+';
constexpr char kRemoved = '-';

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
  bool present;
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

// The net edit per id of `operands` applied oldest first, in id order; false on a malformed operand.
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
  std::stable_sort(out->begin(), out->end(), [](const Edit& a, const Edit& b) { return a.id < b.id; });
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
    if (in.existing_value != nullptr) list = {in.existing_value->data(), in.existing_value->size()};
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

class PostingListCursor : public PostingCursor {
 public:
  explicit PostingListCursor(std::unique_ptr<rocksdb::PinnableSlice> list)
      : list_(std::move(list)), rest_(list_->data(), list_->size()) {
    Next();
  }
  bool Valid() const override { return valid_; }
  absl::string_view id() const override { return id_; }
  // A list that does not decode ends where it stops decoding.
  void Next() override { valid_ = !rest_.empty() && ReadId(&rest_, &id_); }
  // Linear: a search stops after one page, so it reads a prefix of each list, and skipping an entry costs
  // a length read.
  void Seek(absl::string_view target) override {
    while (valid_ && id_ < target) Next();
  }

 private:
  std::unique_ptr<rocksdb::PinnableSlice> list_;
  absl::string_view rest_;
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
    // Stable: among edits of one id the last made stays last, and so wins.
    std::stable_sort(edits.begin(), edits.end(), [](const IdEdit& a, const IdEdit& b) { return a.id < b.id; });
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

std::unique_ptr<PostingCursor> NewPostingListCursor(std::unique_ptr<rocksdb::PinnableSlice> list) {
  return std::make_unique<PostingListCursor>(std::move(list));
}

}  // namespace passerelle::store
