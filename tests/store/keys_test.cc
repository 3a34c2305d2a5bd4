#include "store/keys.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace passerelle::store::keys {
namespace {

TEST(Keys, BigEndianRoundTripsAndOrdersBytesAsNumbers) {
  for (uint64_t v :
       {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{1} << 32, ~uint64_t{0}}) {
    std::string bytes;
    AppendBigEndian64(&bytes, v);
    ASSERT_EQ(bytes.size(), 8u);
    EXPECT_EQ(ReadBigEndian64(bytes), v);
  }
  std::string one, two_fifty_six;
  AppendBigEndian64(&one, 1);
  AppendBigEndian64(&two_fifty_six, 256);
  EXPECT_LT(one, two_fifty_six);
}

TEST(Keys, ChangeKeysSortByOriginThenNumericSequence) {
  const std::vector<uint64_t> sequences = {1,
                                           2,
                                           255,
                                           256,
                                           257,
                                           65535,
                                           65536,
                                           (uint64_t{1} << 32) - 1,
                                           uint64_t{1} << 32,
                                           (uint64_t{1} << 32) + 1};
  std::vector<std::string> expected;
  for (const char* origin : {"a", "paris-2024", "paris-2024b", "solideo"}) {
    for (uint64_t s : sequences) expected.push_back(Change(origin, s));
  }
  std::vector<std::string> sorted = expected;
  std::reverse(sorted.begin(), sorted.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, expected);
}

TEST(Keys, ChangeKeysOfOneOriginShareItsPrefixAndNoOther) {
  EXPECT_EQ(Change("paris-2024", 7).rfind(ChangePrefix("paris-2024"), 0), 0u);
  EXPECT_NE(Change("paris-2024b", 7).rfind(ChangePrefix("paris-2024"), 0), 0u);
}

TEST(Keys, ChangeSequenceInvertsChange) {
  for (uint64_t s : {uint64_t{1}, uint64_t{256}, uint64_t{1} << 32, ~uint64_t{0}}) {
    EXPECT_EQ(ChangeSequence(Change("les-canaux", s)), s);
  }
}

TEST(Keys, PostingListKeysGroupByKindThenTerm) {
  const std::vector<std::string> expected = {
      PostingList("buyer", "dept:93"),    PostingList("structure", "dept:93"),
      PostingList("structure", "dept:930"), PostingList("structure", "theme:1"),
      PostingList("structurex", "dept:93"),
  };
  std::vector<std::string> sorted = expected;
  std::reverse(sorted.begin(), sorted.end());
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, expected);
}

TEST(Keys, PostingListKeysOfATermPrefixShareTheTermKey) {
  EXPECT_EQ(PostingList("structure", "dept:930").rfind(Term("structure", "dept:93"), 0), 0u);
  // A longer term is another list, not a continuation of the shorter one's.
  EXPECT_NE(PostingList("structure", "dept:930").rfind(PostingList("structure", "dept:93"), 0), 0u);
}

TEST(Keys, TermKeysOfAKindShareItsPrefix) {
  EXPECT_EQ(Term("structure", "word:economie").rfind(Term("structure", "word:eco"), 0), 0u);
  EXPECT_NE(Term("structures", "word:economie").rfind(Term("structure", ""), 0), 0u);
}

TEST(Keys, PrefixEndIsTheSmallestKeyAfterEveryKeyWithThePrefix) {
  EXPECT_EQ(PrefixEnd("abc"), "abd");
  EXPECT_EQ(PrefixEnd(absl::string_view("a\0", 2)), "a\x01");
  // Trailing 0xff bytes cannot be incremented; they are dropped and the byte before is.
  EXPECT_EQ(PrefixEnd("a\xff\xff"), "b");
  EXPECT_EQ(PrefixEnd("\xff\xff"), "");
  EXPECT_EQ(PrefixEnd(""), "");

  const std::string prefix = ChangePrefix("paris-2024");
  const std::string end = PrefixEnd(prefix);
  EXPECT_LT(Change("paris-2024", ~uint64_t{0}), end);
  EXPECT_GE(Change("paris-2024b", 0), end);
}

TEST(Keys, IsValidComponentRejectsEmptyAndNulBytes) {
  EXPECT_TRUE(IsValidComponent("73282932000074"));
  EXPECT_FALSE(IsValidComponent(""));
  EXPECT_FALSE(IsValidComponent(absl::string_view("a\0b", 3)));
  EXPECT_FALSE(IsValidComponent(absl::string_view("\0", 1)));
}

}  // namespace
}  // namespace passerelle::store::keys
