#include "registry_svc/siret.h"

#include "gtest/gtest.h"
#include "registry_svc/rules.h"

namespace passerelle::registry {
namespace {

TEST(Siret, AcceptsAValidLuhnSiret) { EXPECT_TRUE(IsValidSiret("73282932000074")); }

TEST(Siret, RejectsAWrongCheckDigit) { EXPECT_FALSE(IsValidSiret("73282932000075")); }

TEST(Siret, RejectsWrongLengthAndNonDigits) {
  EXPECT_EQ(SiretProblem("7328293200007"), "must be exactly 14 digits");
  EXPECT_EQ(SiretProblem("7328293200007A"), "must contain digits only");
}

TEST(Siret, AcceptsLaPosteEstablishmentsWhoseDigitSumIsAMultipleOfFive) {
  // Digit sum 15: a multiple of 5, not of 10.
  EXPECT_TRUE(IsValidSiret("35600000000001"));
  EXPECT_FALSE(IsValidSiret("35600000000002"));
}

TEST(Siret, CheckDigitMakesAValidSiret) {
  std::string first13 = "1234567890123";
  EXPECT_TRUE(IsValidSiret(first13 + LuhnCheckDigit(first13)));
}

TEST(Rules, DepartmentsIncludeCorsicaAndOverseasButNotTwenty) {
  EXPECT_TRUE(IsValidDepartment("93"));
  EXPECT_TRUE(IsValidDepartment("2A"));
  EXPECT_TRUE(IsValidDepartment("974"));
  EXPECT_FALSE(IsValidDepartment("20"));
  EXPECT_FALSE(IsValidDepartment("96"));
  EXPECT_FALSE(IsValidDepartment("977"));
}

TEST(Rules, TokenizeFoldsFrenchAccents) {
  EXPECT_EQ(Tokenize("Économie Sociale, Régie"), (std::vector<std::string>{"economie", "sociale", "regie"}));
}

}  // namespace
}  // namespace passerelle::registry
