#include "store/cursor.h"

#include <algorithm>
#include <utility>

namespace passerelle::store {
namespace {

class VectorCursor : public PostingCursor {
 public:
  explicit VectorCursor(std::vector<std::string> ids) : ids_(std::move(ids)) {
    std::sort(ids_.begin(), ids_.end());
    ids_.erase(std::unique(ids_.begin(), ids_.end()), ids_.end());
  }
  bool Valid() const override { return pos_ < ids_.size(); }
  absl::string_view id() const override { return ids_[pos_]; }
  void Next() override { ++pos_; }
  void Seek(absl::string_view target) override {
    pos_ = std::max<size_t>(
        pos_, std::lower_bound(ids_.begin(), ids_.end(), target) - ids_.begin());
  }

 private:
  std::vector<std::string> ids_;
  size_t pos_ = 0;
};

// Children are few (the alternatives of one filter), so a linear minimum beats a heap's bookkeeping.
class UnionCursor : public PostingCursor {
 public:
  explicit UnionCursor(std::vector<std::unique_ptr<PostingCursor>> children)
      : children_(std::move(children)) {
    FindCurrent();
  }
  bool Valid() const override { return current_ != nullptr; }
  absl::string_view id() const override { return current_->id(); }
  void Next() override {
    std::string previous(current_->id());
    for (auto& c : children_) {
      if (c->Valid() && c->id() == previous) c->Next();
    }
    FindCurrent();
  }
  void Seek(absl::string_view target) override {
    for (auto& c : children_) c->Seek(target);
    FindCurrent();
  }

 private:
  void FindCurrent() {
    current_ = nullptr;
    for (auto& c : children_) {
      if (c->Valid() && (current_ == nullptr || c->id() < current_->id())) current_ = c.get();
    }
  }
  std::vector<std::unique_ptr<PostingCursor>> children_;
  PostingCursor* current_ = nullptr;
};

class IntersectionCursor : public PostingCursor {
 public:
  explicit IntersectionCursor(std::vector<std::unique_ptr<PostingCursor>> children)
      : children_(std::move(children)) {
    Align();
  }
  bool Valid() const override { return valid_; }
  absl::string_view id() const override { return children_.front()->id(); }
  void Next() override {
    children_.front()->Next();
    Align();
  }
  void Seek(absl::string_view target) override {
    // Once invalid (no children, or one ran out) nothing is common any more.
    if (!valid_) return;
    children_.front()->Seek(target);
    Align();
  }

 private:
  // Leapfrog: seek every child to the largest current id until all agree or one runs out.
  void Align() {
    valid_ = false;
    if (children_.empty()) return;
    std::string target;
    while (true) {
      bool agreed = true;
      for (auto& c : children_) {
        if (!target.empty()) c->Seek(target);
        if (!c->Valid()) return;
        if (target.empty() || c->id() > target) {
          agreed = target.empty() ? agreed : false;
          target = std::string(c->id());
        }
      }
      if (agreed) break;
    }
    valid_ = true;
  }
  std::vector<std::unique_ptr<PostingCursor>> children_;
  bool valid_ = false;
};

}  // namespace

std::unique_ptr<PostingCursor> NewVectorCursor(std::vector<std::string> ids) {
  return std::make_unique<VectorCursor>(std::move(ids));
}

std::unique_ptr<PostingCursor> NewUnionCursor(std::vector<std::unique_ptr<PostingCursor>> children) {
  return std::make_unique<UnionCursor>(std::move(children));
}

std::unique_ptr<PostingCursor> NewIntersectionCursor(
    std::vector<std::unique_ptr<PostingCursor>> children) {
  return std::make_unique<IntersectionCursor>(std::move(children));
}

}  // namespace passerelle::store
