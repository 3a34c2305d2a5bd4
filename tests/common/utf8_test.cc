// What counts as UTF-8 protobuf can carry, and how other bytes are echoed.

#include "common/utf8.h"

#include "gtest/gtest.h"

namespace passerelle::common {
namespace {

TEST(Utf8, WellFormedTextOfEveryLengthIsUtf8) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("Vélo 93 — 🚲"));
  EXPECT_TRUE(IsUtf8("\xf4\x8f\xbf\xbf")) << "U+10FFFF, the last code point";
  EXPECT_TRUE(IsUtf8(std::string("a\0b", 3))) << "NUL is a character";
}

TEST(Utf8, StrayOverlongSurrogateTruncatedOrOutOfRangeBytesAreNot) {
  EXPECT_FALSE(IsUtf8("caf\xe9")) << "Latin-1";
  EXPECT_FALSE(IsUtf8("\xbf")) << "a continuation byte alone";
  EXPECT_FALSE(IsUtf8("\xc0\xaf")) << "'/' in two bytes";
  EXPECT_FALSE(IsUtf8("\xe0\x80\xaf")) << "'/' in three bytes";
  EXPECT_FALSE(IsUtf8("\xed\xa0\x80")) << "a surrogate";
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80")) << "past U+10FFFF";
  EXPECT_FALSE(IsUtf8("\xe2\x82")) << "cut short";
  EXPECT_FALSE(IsUtf8("\xf8\x88\x80\x80\x80")) << "five bytes";
}

TEST(Utf8, OtherBytesAreEchoedAsReplacementCharacters) {
  EXPECT_EQ(ToUtf8("Vélo"), "Vélo");
  EXPECT_EQ(ToUtf8("caf\xe9!"), "caf\xef\xbf\xbd!");
  EXPECT_EQ(ToUtf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd") << "one per byte";
  EXPECT_TRUE(IsUtf8(ToUtf8("\xff\xc0\xaf\xed\xa0\x80 ok")));
}

}  // namespace
}  // namespace passerelle::common
