#include "registry_svc/rules.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry_svc/siret.h"

namespace passerelle::registry {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The field paths of the violations, read back through the status clients receive.
std::vector<std::string> FieldsOf(const common::FieldViolations& violations) {
  std::vector<std::string> fields;
  for (const auto& v : common::ViolationsOf(violations.ToStatus())) fields.push_back(v.field);
  return fields;
}

std::vector<std::string> ProblemsOf(const v1::Structure& s) {
  common::FieldViolations violations;
  ValidateStructure(s, "structure.", &violations);
  return FieldsOf(violations);
}

std::vector<std::string> ProblemsOf(const v1::Buyer& b) {
  common::FieldViolations violations;
  ValidateBuyer(b, "buyer.", &violations);
  return FieldsOf(violations);
}

v1::Structure ValidStructure() {
  v1::Structure s;
  s.set_siret("73282932000074");
  s.set_display_name("Régie de quartier");
  s.set_legal_form(v1::LEGAL_FORM_ASSOCIATION);
  s.set_sse_status(v1::SSE_STATUS_SSE);
  s.set_inclusion_kind(v1::INCLUSION_KIND_EI);
  s.set_size_class(v1::SIZE_CLASS_TPE);
  s.set_headcount(8);
  s.set_annual_turnover_cents(120'000'000);
  s.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
  s.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  s.add_cpv_prefixes("45");
  s.add_cpv_prefixes("90500000");
  s.add_departments("93");
  s.add_departments("2A");
  s.add_departments("974");
  s.set_max_contract_cents(50'000'000);
  s.add_certifications("Qualibat");
  s.mutable_contact()->set_email("contact@regie.example");
  s.mutable_contact()->set_phone("+33 1 23.45-67");
  s.mutable_contact()->set_website("https://regie.example");
  s.set_description("Chantiers d'insertion");
  v1::Solution* solution = s.add_solutions();
  solution->set_title("Tri des déchets de chantier");
  solution->set_theme(v1::THEME_CONSTRUCTION_WASTE);
  return s;
}

v1::Buyer ValidBuyer() {
  v1::Buyer b;
  b.set_buyer_id("solideo");
  b.set_display_name("SOLIDEO");
  b.set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
  b.add_departments("93");
  v1::BuyerNeed* need = b.add_needs();
  need->set_cpv_prefix("4521");
  need->set_description("Gros œuvre");
  return b;
}

TEST(ValidateStructure, AValidStructurePasses) {
  EXPECT_THAT(ProblemsOf(ValidStructure()), IsEmpty());
}

TEST(ValidateStructure, FieldPathsStartWithTheGivenPrefix) {
  v1::Structure s = ValidStructure();
  s.clear_display_name();
  common::FieldViolations violations;
  ValidateStructure(s, "structures[3].", &violations);
  EXPECT_THAT(FieldsOf(violations), ElementsAre("structures[3].display_name"));
}

TEST(ValidateStructure, ReportsMissingNameAndSiret) {
  v1::Structure s = ValidStructure();
  s.clear_display_name();
  s.clear_siret();
  EXPECT_THAT(ProblemsOf(s), UnorderedElementsAre("structure.siret", "structure.display_name"));
}

TEST(ValidateStructure, ReportsASiretThatFailsItsCheckDigit) {
  v1::Structure s = ValidStructure();
  s.set_siret("73282932000075");
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.siret"));
  s.set_siret("7328293200007A");
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.siret"));
}

TEST(ValidateStructure, ReportsUnknownEnumValuesWherePresent) {
  v1::Structure s = ValidStructure();
  s.set_legal_form(static_cast<v1::LegalForm>(99));
  s.set_inclusion_kind(static_cast<v1::InclusionKind>(77));
  s.set_themes(1, static_cast<v1::Theme>(42));
  s.mutable_solutions(0)->set_theme(static_cast<v1::Theme>(50));
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.legal_form", "structure.inclusion_kind",
                                   "structure.themes[1]", "structure.solutions[0].theme"));
}

TEST(ValidateStructure, RequiresLegalFormSseStatusAndSizeClassButNotInclusionKind) {
  v1::Structure s = ValidStructure();
  s.clear_legal_form();
  s.clear_sse_status();
  s.clear_size_class();
  s.clear_inclusion_kind();
  EXPECT_THAT(ProblemsOf(s), UnorderedElementsAre("structure.legal_form", "structure.sse_status",
                                                  "structure.size_class"));
}

TEST(ValidateStructure, ReportsEachBadDepartmentByItsIndex) {
  v1::Structure s = ValidStructure();
  s.clear_departments();
  for (const char* code : {"93", "96", "2C", "20", "977", "9", "075", "2B", "971"})
    s.add_departments(code);
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.departments[1]", "structure.departments[2]",
                                   "structure.departments[3]", "structure.departments[4]",
                                   "structure.departments[5]", "structure.departments[6]"));
}

TEST(ValidateStructure, ReportsNegativeCountsAndAmounts) {
  v1::Structure s = ValidStructure();
  s.set_headcount(-1);
  s.set_annual_turnover_cents(-100);
  s.set_max_contract_cents(-1);
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.headcount", "structure.annual_turnover_cents",
                                   "structure.max_contract_cents"));
}

TEST(ValidateStructure, ReportsOversizeText) {
  v1::Structure s = ValidStructure();
  s.set_display_name(std::string(kMaxNameLength + 1, 'a'));
  s.set_description(std::string(kMaxDescriptionLength + 1, 'a'));
  s.set_certifications(0, std::string(kMaxNameLength + 1, 'a'));
  s.mutable_contact()->set_website(std::string(kMaxShortTextLength + 1, 'a'));
  s.mutable_solutions(0)->set_title(std::string(kMaxNameLength + 1, 'a'));
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.display_name", "structure.description",
                                   "structure.certifications[0]", "structure.contact.website",
                                   "structure.solutions[0].title"));
}

TEST(ValidateStructure, AcceptsTextExactlyAtTheLimit) {
  v1::Structure s = ValidStructure();
  s.set_display_name(std::string(kMaxNameLength, 'a'));
  s.set_description(std::string(kMaxDescriptionLength, 'a'));
  EXPECT_THAT(ProblemsOf(s), IsEmpty());
}

TEST(ValidateStructure, ReportsEachBadCpvPrefixByItsIndex) {
  v1::Structure s = ValidStructure();
  s.clear_cpv_prefixes();
  for (const char* cpv : {"45", "4", "123456789", "45a", "12345678"}) s.add_cpv_prefixes(cpv);
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.cpv_prefixes[1]", "structure.cpv_prefixes[2]",
                                   "structure.cpv_prefixes[3]"));
}

TEST(ValidateStructure, ReportsAThemeListedTwice) {
  v1::Structure s = ValidStructure();
  s.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.themes[2]"));
}

TEST(ValidateStructure, ReportsASizeClassTheHeadcountContradicts) {
  v1::Structure s = ValidStructure();
  s.set_headcount(10);  // TPE means fewer than 10
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.size_class"));
  s.set_size_class(v1::SIZE_CLASS_PME);
  EXPECT_THAT(ProblemsOf(s), IsEmpty());
  s.set_headcount(250);
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.size_class"));
}

TEST(ValidateStructure, ReportsTooManyRepeatedValuesOnceForTheList) {
  v1::Structure s = ValidStructure();
  s.clear_departments();
  for (int i = 0; i <= kMaxRepeated; ++i) s.add_departments("93");
  EXPECT_THAT(ProblemsOf(s), ElementsAre("structure.departments"));
}

TEST(ValidateStructure, ReportsMalformedContactDetails) {
  v1::Structure s = ValidStructure();
  s.mutable_contact()->set_email("contact at regie");
  s.mutable_contact()->set_phone("01 23 AB");
  EXPECT_THAT(ProblemsOf(s),
              UnorderedElementsAre("structure.contact.email", "structure.contact.phone"));
}

TEST(ValidateBuyer, AValidBuyerPasses) { EXPECT_THAT(ProblemsOf(ValidBuyer()), IsEmpty()); }

TEST(ValidateBuyer, ReportsEachBadFieldByItsPath) {
  v1::Buyer b = ValidBuyer();
  b.set_buyer_id("Paris 2024");
  b.clear_display_name();
  b.set_kind(static_cast<v1::BuyerKind>(12));
  b.add_departments("96");
  b.mutable_needs(0)->set_cpv_prefix("4");
  b.mutable_needs(0)->set_description(std::string(kMaxDescriptionLength + 1, 'x'));
  EXPECT_THAT(ProblemsOf(b),
              UnorderedElementsAre("buyer.buyer_id", "buyer.display_name", "buyer.kind",
                                   "buyer.departments[1]", "buyer.needs[0].cpv_prefix",
                                   "buyer.needs[0].description"));
}

TEST(ValidateBuyer, RequiresAKindAndAnIdOfThreeTo63Characters) {
  v1::Buyer b = ValidBuyer();
  b.clear_kind();
  b.set_buyer_id("ab");
  EXPECT_THAT(ProblemsOf(b), UnorderedElementsAre("buyer.buyer_id", "buyer.kind"));
  b = ValidBuyer();
  b.set_buyer_id(std::string(64, 'a'));
  EXPECT_THAT(ProblemsOf(b), ElementsAre("buyer.buyer_id"));
  b.set_buyer_id(std::string(63, 'a'));
  EXPECT_THAT(ProblemsOf(b), IsEmpty());
}

TEST(Departments, AcceptMetropolitanCorsicanAndOverseasCodesOnly) {
  for (const char* code : {"01", "19", "21", "2A", "2B", "95", "971", "976"}) {
    EXPECT_TRUE(IsValidDepartment(code)) << code;
  }
  for (const char* code :
       {"", "0", "00", "1", "20", "2C", "2a", "96", "970", "977", "075", "9A", " 93"}) {
    EXPECT_FALSE(IsValidDepartment(code)) << "'" << code << "'";
  }
}

TEST(CpvPrefix, IsTwoToEightDigits) {
  EXPECT_TRUE(IsValidCpvPrefix("45"));
  EXPECT_TRUE(IsValidCpvPrefix("45210000"));
  EXPECT_FALSE(IsValidCpvPrefix("4"));
  EXPECT_FALSE(IsValidCpvPrefix("452100001"));
  EXPECT_FALSE(IsValidCpvPrefix("45-2"));
  EXPECT_FALSE(IsValidCpvPrefix(""));
}

TEST(Tokenize, FoldsCaseAndFrenchAccentsAndKeepsEachWordOnce) {
  EXPECT_THAT(Tokenize("ÉCOLE École école ECOLE"), ElementsAre("ecole"));
  EXPECT_THAT(Tokenize("Ça, naïve, Œuvre, cœur, À Noël, où, dûment"),
              ElementsAre("ca", "naive", "oeuvre", "coeur", "noel", "ou", "dument"));
}

TEST(Tokenize, SplitsOnPunctuationAndDropsOneLetterWords) {
  EXPECT_THAT(Tokenize("L'été à Saint-Denis"), ElementsAre("ete", "saint", "denis"));
  // A typographic apostrophe (three UTF-8 bytes) separates words too.
  EXPECT_THAT(Tokenize("l\u2019économie sociale et solidaire"),
              ElementsAre("economie", "sociale", "et", "solidaire"));
  EXPECT_THAT(Tokenize("ESS 2024"), ElementsAre("ess", "2024"));
  EXPECT_THAT(Tokenize(""), IsEmpty());
  EXPECT_THAT(Tokenize("a - b"), IsEmpty());
}

TEST(IndexTerms, StructureIsIndexedUnderEveryFilterItCanMatch) {
  v1::Structure s;
  s.set_siret("73282932000074");
  s.set_display_name("Régie Verte");
  s.set_size_class(v1::SIZE_CLASS_TPE);
  s.set_sse_status(v1::SSE_STATUS_SSE);
  s.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  s.add_themes(v1::THEME_ENERGY_EFFICIENCY);
  s.add_departments("93");
  s.add_cpv_prefixes("45");
  s.set_description("Chantiers d'insertion, régie");
  s.add_solutions()->set_title("Tri des déchets");

  std::vector<std::string> expected = {
      std::string(terms::kAll),
      terms::Theme(v1::THEME_CONSTRUCTION_WASTE),
      terms::Theme(v1::THEME_ENERGY_EFFICIENCY),
      terms::Department("93"),
      terms::Cpv("45"),
      // No inclusion kind given is indexed as "none", so that it can be searched for.
      terms::InclusionKind(v1::INCLUSION_KIND_NONE),
      terms::SizeClass(v1::SIZE_CLASS_TPE),
      terms::SseStatus(v1::SSE_STATUS_SSE),
      terms::Word("regie"),
      terms::Word("verte"),
      terms::Word("chantiers"),
      terms::Word("insertion"),
      terms::Word("tri"),
      terms::Word("des"),
      terms::Word("dechets"),
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(IndexTerms(s), expected);
}

TEST(IndexTerms, TermFamiliesAreDistinct) {
  // A department and a CPV prefix may share digits; their terms must not collide.
  EXPECT_NE(terms::Department("45"), terms::Cpv("45"));
  EXPECT_NE(terms::Theme(v1::THEME_INSERTION_EMPLOYMENT), terms::SizeClass(v1::SIZE_CLASS_TPE));
}

TEST(IndexTerms, BuyerIsIndexedByDepartmentAndNeeds) {
  std::vector<std::string> expected = {std::string(terms::kAll), terms::Department("93"),
                                       terms::Cpv("4521")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(IndexTerms(ValidBuyer()), expected);
}

TEST(ResourceNames, AreCollectionSlashId) {
  EXPECT_EQ(StructureName("73282932000074"), "structures/73282932000074");
  EXPECT_EQ(BuyerName("solideo"), "buyers/solideo");
}

}  // namespace
}  // namespace passerelle::registry
