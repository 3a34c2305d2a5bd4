// Exact decimals from cents, hundredths of an hour and basis points: integer arithmetic only, so
// the text reads back to the integer it came from.

#include "cli/decimal.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

TEST(HundredthsDecimal, ShortestDropsTrailingZerosWhileTwoAlwaysWritesTwoDecimals) {
  struct Case {
    int64_t hundredths;
    const char* shortest;
    const char* two;
  };
  for (const Case& c : std::vector<Case>{{0, "0", "0.00"},
                                         {5, "0.05", "0.05"},
                                         {50, "0.5", "0.50"},
                                         {100, "1", "1.00"},
                                         {1025, "10.25", "10.25"},  // basis points as a percent
                                         {123450, "1234.5", "1234.50"},
                                         {123456, "1234.56", "1234.56"},
                                         {123456789012345, "1234567890123.45", "1234567890123.45"},
                                         {-5, "-0.05", "-0.05"},
                                         {-1999, "-19.99", "-19.99"}}) {
    EXPECT_EQ(HundredthsDecimal(c.hundredths, Decimals::kShortest), c.shortest) << c.hundredths;
    EXPECT_EQ(HundredthsDecimal(c.hundredths, Decimals::kTwo), c.two) << c.hundredths;
  }
}

TEST(HundredthsDecimal, TheExtremesOfInt64AreExact) {
  EXPECT_EQ(HundredthsDecimal(std::numeric_limits<int64_t>::min(), Decimals::kShortest),
            "-92233720368547758.08");
  EXPECT_EQ(HundredthsDecimal(std::numeric_limits<int64_t>::max(), Decimals::kTwo),
            "92233720368547758.07");
}

}  // namespace
}  // namespace passerelle::cli
