#include "store/cursor.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::store {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using Ids = std::vector<std::string>;
using Cursors = std::vector<std::unique_ptr<PostingCursor>>;

Ids Drain(PostingCursor& cursor) {
  Ids out;
  for (; cursor.Valid(); cursor.Next()) out.emplace_back(cursor.id());
  return out;
}

template <typename... Lists>
Cursors Vectors(Lists... lists) {
  Cursors out;
  (out.push_back(NewVectorCursor(std::move(lists))), ...);
  return out;
}

// A cursor that counts how often it is moved, to show which child an intersection walks.
class CountingCursor : public PostingCursor {
 public:
  CountingCursor(Ids ids, int* moves) : inner_(NewVectorCursor(std::move(ids))), moves_(moves) {}
  bool Valid() const override { return inner_->Valid(); }
  absl::string_view id() const override { return inner_->id(); }
  void Next() override {
    ++*moves_;
    inner_->Next();
  }
  void Seek(absl::string_view target) override {
    ++*moves_;
    inner_->Seek(target);
  }

 private:
  std::unique_ptr<PostingCursor> inner_;
  int* moves_;
};

TEST(VectorCursor, YieldsIdsSortedWithoutDuplicates) {
  auto c = NewVectorCursor({"c", "a", "b", "a", "c"});
  EXPECT_THAT(Drain(*c), ElementsAre("a", "b", "c"));
}

TEST(VectorCursor, EmptyListIsNeverValid) {
  auto c = NewVectorCursor({});
  EXPECT_FALSE(c->Valid());
  c->Seek("a");
  EXPECT_FALSE(c->Valid());
}

TEST(VectorCursor, SeekMovesToTheFirstIdAtOrAfterTheTarget) {
  auto c = NewVectorCursor({"10", "20", "30"});
  c->Seek("15");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "20");
  c->Seek("20");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "20");
  c->Seek("31");
  EXPECT_FALSE(c->Valid());
}

TEST(VectorCursor, SeekNeverMovesBackwards) {
  auto c = NewVectorCursor({"10", "20", "30"});
  c->Seek("30");
  c->Seek("10");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "30");
  c->Next();
  c->Seek("10");
  EXPECT_FALSE(c->Valid());
}

TEST(UnionCursor, YieldsEveryIdOfAnyChildOnceInOrder) {
  auto c = NewUnionCursor(Vectors(Ids{"b", "d", "f"}, Ids{"a", "b", "c"}, Ids{"f", "g"}));
  EXPECT_THAT(Drain(*c), ElementsAre("a", "b", "c", "d", "f", "g"));
}

TEST(UnionCursor, NoChildrenIsEmpty) {
  auto c = NewUnionCursor({});
  EXPECT_FALSE(c->Valid());
  c->Seek("a");
  EXPECT_FALSE(c->Valid());
}

TEST(UnionCursor, EmptyChildrenAreIgnored) {
  auto c = NewUnionCursor(Vectors(Ids{}, Ids{"x"}, Ids{}));
  EXPECT_THAT(Drain(*c), ElementsAre("x"));
}

TEST(UnionCursor, SeekMovesEveryChildToTheTarget) {
  auto c = NewUnionCursor(Vectors(Ids{"a", "e"}, Ids{"b", "d", "f"}));
  c->Seek("c");
  EXPECT_THAT(Drain(*c), ElementsAre("d", "e", "f"));
}

TEST(UnionCursor, SeekNeverMovesBackwards) {
  auto c = NewUnionCursor(Vectors(Ids{"a", "e"}, Ids{"b", "d"}));
  c->Seek("d");
  c->Seek("a");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "d");
}

TEST(IntersectionCursor, YieldsIdsPresentInEveryChild) {
  auto c = NewIntersectionCursor(
      Vectors(Ids{"a", "b", "c", "d", "e"}, Ids{"b", "c", "e", "f"}, Ids{"a", "c", "e"}));
  EXPECT_THAT(Drain(*c), ElementsAre("c", "e"));
}

TEST(IntersectionCursor, NoChildrenIsEmpty) {
  auto c = NewIntersectionCursor({});
  EXPECT_FALSE(c->Valid());
  c->Seek("a");
  EXPECT_FALSE(c->Valid());
}

TEST(IntersectionCursor, AnEmptyChildEmptiesTheResult) {
  auto c = NewIntersectionCursor(Vectors(Ids{"a", "b"}, Ids{}));
  EXPECT_FALSE(c->Valid());
}

TEST(IntersectionCursor, DisjointChildrenGiveNothing) {
  auto c = NewIntersectionCursor(Vectors(Ids{"a", "c", "e"}, Ids{"b", "d", "f"}));
  EXPECT_THAT(Drain(*c), IsEmpty());
}

TEST(IntersectionCursor, OneChildIsThatChild) {
  auto c = NewIntersectionCursor(Vectors(Ids{"b", "a"}));
  EXPECT_THAT(Drain(*c), ElementsAre("a", "b"));
}

TEST(IntersectionCursor, LeapfrogsSoTheCostFollowsTheRarestChild) {
  Ids many;
  for (int i = 0; i < 10000; ++i) many.push_back(absl::StrCat("id", 100000 + i));
  int long_moves = 0;
  Cursors children;
  children.push_back(std::make_unique<CountingCursor>(many, &long_moves));
  children.push_back(NewVectorCursor({"id100500", "id105000", "id109999", "id2"}));
  auto c = NewIntersectionCursor(std::move(children));
  EXPECT_THAT(Drain(*c), ElementsAre("id100500", "id105000", "id109999"));
  // A few moves per rare id, never a walk over the long list.
  EXPECT_LT(long_moves, 20);
}

TEST(IntersectionCursor, SeekMovesToTheFirstCommonIdAtOrAfterTheTarget) {
  auto c = NewIntersectionCursor(Vectors(Ids{"a", "c", "e", "g"}, Ids{"a", "b", "e", "g"}));
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "a");
  c->Seek("b");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "e");
  c->Seek("a");
  ASSERT_TRUE(c->Valid());
  EXPECT_EQ(c->id(), "e");
  c->Seek("h");
  EXPECT_FALSE(c->Valid());
}

TEST(IntersectionCursor, ComposesWithUnions) {
  // (theme 1 OR theme 2) AND department 93.
  Cursors themes = Vectors(Ids{"a", "d"}, Ids{"b", "e"});
  Cursors filters;
  filters.push_back(NewUnionCursor(std::move(themes)));
  filters.push_back(NewVectorCursor({"b", "c", "d"}));
  auto c = NewIntersectionCursor(std::move(filters));
  EXPECT_THAT(Drain(*c), ElementsAre("b", "d"));
}

}  // namespace
}  // namespace passerelle::store
