#include "cli/demo_data.h"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "cli/csv.h"
#include "cli/structure_csv.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "registry_svc/siret.h"

namespace passerelle::cli {
namespace {

constexpr int kCount = 20'000;

// Generated once: the properties below are about the same population.
const std::vector<v1::Structure>& Population() {
  static const auto* const kPopulation =
      new std::vector<v1::Structure>(GenerateStructures(kCount, 1));
  return *kPopulation;
}

TEST(GenerateStructuresTest, EverySiretIsValidAndUnique) {
  absl::flat_hash_set<std::string> seen;
  for (const v1::Structure& s : Population()) {
    EXPECT_TRUE(registry::IsValidSiret(s.siret()))
        << s.siret() << ": " << registry::SiretProblem(s.siret());
    EXPECT_NE(s.siret().substr(0, 9), "356000000");
    EXPECT_TRUE(seen.insert(s.siret()).second) << "duplicate " << s.siret();
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount));
}

TEST(GenerateStructuresTest, SameSeedGivesTheSameStructures) {
  std::vector<v1::Structure> again = GenerateStructures(500, 1);
  for (size_t i = 0; i < again.size(); ++i) {
    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again[i], Population()[i]))
        << "structure " << i;
  }
}

TEST(GenerateStructuresTest, DifferentSeedsGiveDifferentStructures) {
  std::vector<v1::Structure> other = GenerateStructures(100, 2);
  int same_siret = 0;
  for (size_t i = 0; i < other.size(); ++i)
    same_siret += other[i].siret() == Population()[i].siret();
  EXPECT_LT(same_siret, 5);
}

TEST(GenerateStructuresTest, SeineSaintDenisIsTheMostFrequentDepartment) {
  std::map<std::string, int> count;
  for (const v1::Structure& s : Population()) {
    EXPECT_GE(s.departments_size(), 1);
    EXPECT_LE(s.departments_size(), 3);
    std::set<std::string> distinct(s.departments().begin(), s.departments().end());
    EXPECT_EQ(distinct.size(), static_cast<size_t>(s.departments_size()));
    for (const std::string& d : s.departments()) ++count[d];
  }
  const std::set<std::string> ile_de_france = {"75", "77", "78", "91", "92", "93", "94", "95"};
  for (const auto& [department, n] : count) {
    EXPECT_TRUE(ile_de_france.count(department)) << department;
    if (department != "93") {
      EXPECT_GT(count["93"], n) << department;
    }
  }
}

TEST(GenerateStructuresTest, EveryThemeIsPresent) {
  std::set<int> themes;
  for (const v1::Structure& s : Population()) {
    EXPECT_GE(s.themes_size(), 1);
    themes.insert(s.themes().begin(), s.themes().end());
  }
  for (int t = 1; t < v1::Theme_descriptor()->value_count(); ++t) {
    EXPECT_TRUE(themes.count(t)) << v1::Theme_Name(t);
  }
}

TEST(GenerateStructuresTest, SizeClassAndTurnoverAgreeWithHeadcount) {
  for (const v1::Structure& s : Population()) {
    ASSERT_GE(s.headcount(), 1);
    const v1::SizeClass expected = s.headcount() < 10    ? v1::SIZE_CLASS_TPE
                                   : s.headcount() < 250 ? v1::SIZE_CLASS_PME
                                                         : v1::SIZE_CLASS_LARGE;
    EXPECT_EQ(s.size_class(), expected) << s.siret() << " headcount " << s.headcount();
    // Turnover ceilings of décret 2008-1354: 2 M€ for a TPE, 50 M€ for a PME.
    if (s.size_class() == v1::SIZE_CLASS_TPE) {
      EXPECT_LE(s.annual_turnover_cents(), 200'000'000);
    }
    if (s.size_class() == v1::SIZE_CLASS_PME) {
      EXPECT_LE(s.annual_turnover_cents(), 5'000'000'000);
    }
    EXPECT_GT(s.max_contract_cents(), 0);
    EXPECT_LE(s.max_contract_cents(), s.annual_turnover_cents());
  }
}

TEST(GenerateStructuresTest, InclusionKindsAgreeWithLegalForms) {
  for (const v1::Structure& s : Population()) {
    switch (s.inclusion_kind()) {
      case v1::INCLUSION_KIND_ACI:
      case v1::INCLUSION_KIND_AI:
      case v1::INCLUSION_KIND_GEIQ:
        EXPECT_EQ(s.legal_form(), v1::LEGAL_FORM_ASSOCIATION) << s.siret();
        break;
      case v1::INCLUSION_KIND_ETTI:
      case v1::INCLUSION_KIND_EITI:
        EXPECT_NE(s.legal_form(), v1::LEGAL_FORM_ASSOCIATION) << s.siret();
        break;
      default:
        break;
    }
    if (s.legal_form() == v1::LEGAL_FORM_COMMERCIAL_COMPANY &&
        s.inclusion_kind() == v1::INCLUSION_KIND_NONE) {
      EXPECT_EQ(s.sse_status(), v1::SSE_STATUS_NOT_SSE);
    }
  }
}

TEST(GenerateStructuresTest, FillsOnlyFieldsAClientMaySet) {
  for (const v1::Structure& s : Population()) {
    ASSERT_TRUE(s.name().empty() && s.owner_partner().empty() && s.etag().empty());
    ASSERT_FALSE(s.has_create_time() || s.has_update_time() || s.has_version());
    ASSERT_FALSE(s.display_name().empty());
    ASSERT_FALSE(s.description().empty());
    for (const std::string& cpv : s.cpv_prefixes()) {
      EXPECT_GE(cpv.size(), 2u);
      EXPECT_LE(cpv.size(), 5u);
    }
  }
}

TEST(GenerateStructuresTest, EveryStructureReadsBackFromCsvUnchanged) {
  std::ostringstream out;
  CsvWriter writer(out);
  writer.WriteRecord(StructureCsvColumns());
  for (const v1::Structure& s : Population()) {
    auto row = StructureToCsvRow(s);
    ASSERT_TRUE(row.ok()) << row.status();
    writer.WriteRecord(*row);
  }
  std::istringstream in(out.str());
  auto reader = StructureCsvReader::Open(in);
  ASSERT_TRUE(reader.ok()) << reader.status();
  StructureRow row;
  for (const v1::Structure& s : Population()) {
    ASSERT_TRUE((*reader)->Next(&row));
    ASSERT_TRUE(row.structure.ok()) << row.structure.status();
    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*row.structure, s))
        << "line " << row.line;
  }
  EXPECT_FALSE((*reader)->Next(&row));
}

}  // namespace
}  // namespace passerelle::cli
