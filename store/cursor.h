#ifndef PASSERELLE_STORE_CURSOR_H_
#define PASSERELLE_STORE_CURSOR_H_

#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

namespace passerelle::store {

// A forward cursor over a sorted, duplicate-free list of record ids (a posting list, or a combination of
// them). Search composes cursors so that it touches only the postings it needs, never every record.
// Not thread-safe; a cursor reads the store as of the snapshot it was opened on.
class PostingCursor {
 public:
  virtual ~PostingCursor() = default;
  virtual bool Valid() const = 0;
  // The current id; only while Valid().
  virtual absl::string_view id() const = 0;
  virtual void Next() = 0;
  // Moves to the first id >= target (never backwards).
  virtual void Seek(absl::string_view target) = 0;
};

// Over an in-memory list; sorts and removes duplicates itself.
std::unique_ptr<PostingCursor> NewVectorCursor(std::vector<std::string> ids);

// Ids present in any child (OR). No children: empty.
std::unique_ptr<PostingCursor> NewUnionCursor(std::vector<std::unique_ptr<PostingCursor>> children);

// Ids present in every child (AND), found by leapfrogging with Seek so the cost follows the rarest child.
// No children: empty.
std::unique_ptr<PostingCursor> NewIntersectionCursor(
    std::vector<std::unique_ptr<PostingCursor>> children);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_CURSOR_H_
