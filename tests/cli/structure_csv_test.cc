#include "cli/structure_csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/csv.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

CsvRecord Record(std::vector<std::string> fields, int64_t line) {
  CsvRecord record;
  record.fields = std::move(fields);
  record.line = line;
  return record;
}

v1::Structure FullStructure() {
  v1::Structure s;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        siret: "73282932000074"
        display_name: "Régie de quartier, \"Saint-Denis\""
        legal_form: LEGAL_FORM_ASSOCIATION
        sse_status: SSE_STATUS_ESUS_APPROVED
        inclusion_kind: INCLUSION_KIND_ACI
        size_class: SIZE_CLASS_PME
        headcount: 42
        annual_turnover_cents: 123456700
        themes: [ THEME_INSERTION_EMPLOYMENT, THEME_GREEN_MOBILITY ]
        cpv_prefixes: [ "45", "9091" ]
        departments: [ "93", "75" ]
        max_contract_cents: 50000000
        certifications: [ "Qualibat", "ISO 14001" ]
        contact {
          email: "contact@regie.org"
          phone: "+33 1 48 00 00 00"
          website: "https://regie.org"
        }
        description: "Chantiers d'insertion,\nsur deux lignes."
        solutions { theme: THEME_GREEN_MOBILITY title: "Vélos" description: "Livraisons, à vélo." }
        solutions {
          theme: THEME_INSERTION_EMPLOYMENT
          title: "Parcours"
          description: "Vers l'emploi."
        }
      )pb",
      &s));
  return s;
}

TEST(StructureCsvLayoutTest, MapsColumnsByHeaderNameInAnyOrderAndCase) {
  auto layout = StructureCsvLayout::FromHeader(
      Record({"Departments", " display_name ", "SIRET", "legal_form"}, 1));
  ASSERT_TRUE(layout.ok()) << layout.status();
  auto structure = layout->ToStructure(Record({"93;75", "La Table", "73282932000074", "scop"}, 2));
  ASSERT_TRUE(structure.ok()) << structure.status();
  EXPECT_EQ(structure->siret(), "73282932000074");
  EXPECT_EQ(structure->display_name(), "La Table");
  EXPECT_EQ(structure->legal_form(), v1::LEGAL_FORM_SCOP);
  EXPECT_THAT(structure->departments(), ElementsAre("93", "75"));
}

TEST(StructureCsvLayoutTest, UnknownColumnIsAnError) {
  auto layout = StructureCsvLayout::FromHeader(Record({"siret", "display_name", "colour"}, 1));
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("unknown column 'colour'"));
}

TEST(StructureCsvLayoutTest, SiretAndDisplayNameColumnsAreRequired) {
  auto layout = StructureCsvLayout::FromHeader(Record({"siret", "legal_form"}, 1));
  ASSERT_FALSE(layout.ok());
  EXPECT_THAT(layout.status().message(), HasSubstr("display_name"));
}

TEST(StructureCsvLayoutTest, ColumnNamedTwiceIsAnError) {
  auto layout = StructureCsvLayout::FromHeader(Record({"siret", "display_name", "siret"}, 1));
  EXPECT_FALSE(layout.ok());
}

TEST(StructureCsvLayoutTest, EnumCellsIgnoreCaseAndListsIgnoreSpaces) {
  auto layout = StructureCsvLayout::FromHeader(
      Record({"siret", "display_name", "sse_status", "inclusion_kind", "size_class", "themes"}, 1));
  ASSERT_TRUE(layout.ok());
  auto structure = layout->ToStructure(Record(
      {"1", "x", "ESUS_Approved", " aci ", "TPE", "insertion_employment; Green_Mobility ;"}, 7));
  ASSERT_TRUE(structure.ok()) << structure.status();
  EXPECT_EQ(structure->sse_status(), v1::SSE_STATUS_ESUS_APPROVED);
  EXPECT_EQ(structure->inclusion_kind(), v1::INCLUSION_KIND_ACI);
  EXPECT_EQ(structure->size_class(), v1::SIZE_CLASS_TPE);
  EXPECT_THAT(structure->themes(),
              ElementsAre(v1::THEME_INSERTION_EMPLOYMENT, v1::THEME_GREEN_MOBILITY));
}

TEST(StructureCsvLayoutTest, BadEnumValueNamesTheLineAndTheColumn) {
  auto layout = StructureCsvLayout::FromHeader(Record({"siret", "display_name", "themes"}, 1));
  ASSERT_TRUE(layout.ok());
  auto structure = layout->ToStructure(Record({"1", "x", "green_mobility;foo"}, 12));
  ASSERT_FALSE(structure.ok());
  EXPECT_THAT(structure.status().message(),
              HasSubstr("line 12, column themes: unknown value 'foo'"));
}

TEST(StructureCsvLayoutTest, BadNumberOrSolutionNamesTheColumn) {
  auto layout = StructureCsvLayout::FromHeader(
      Record({"siret", "display_name", "headcount", "solutions"}, 1));
  ASSERT_TRUE(layout.ok());
  auto bad_number = layout->ToStructure(Record({"1", "x", "douze", ""}, 3));
  ASSERT_FALSE(bad_number.ok());
  EXPECT_THAT(bad_number.status().message(), HasSubstr("line 3, column headcount"));
  auto bad_solution =
      layout->ToStructure(Record({"1", "x", "", "green_mobility|no description"}, 4));
  ASSERT_FALSE(bad_solution.ok());
  EXPECT_THAT(bad_solution.status().message(), HasSubstr("line 4, column solutions"));
}

TEST(StructureCsvLayoutTest, RowWithTheWrongNumberOfCellsIsAnError) {
  auto layout = StructureCsvLayout::FromHeader(Record({"siret", "display_name"}, 1));
  ASSERT_TRUE(layout.ok());
  auto structure = layout->ToStructure(Record({"1"}, 5));
  ASSERT_FALSE(structure.ok());
  EXPECT_THAT(structure.status().message(), HasSubstr("line 5"));
}

TEST(EnumCellTest, WritesLowerCaseNamesWithoutThePrefix) {
  EXPECT_EQ(EnumCell(*v1::LegalForm_descriptor(), v1::LEGAL_FORM_ESUS_COMPANY), "esus_company");
  EXPECT_EQ(EnumCell(*v1::SseStatus_descriptor(), v1::SSE_STATUS_NOT_SSE), "not_sse");
  EXPECT_EQ(EnumCell(*v1::Theme_descriptor(), v1::THEME_UNSPECIFIED), "");
  EXPECT_EQ(*ParseEnumCell(*v1::InclusionKind_descriptor(), "GEIQ"), v1::INCLUSION_KIND_GEIQ);
  EXPECT_EQ(*ParseEnumCell(*v1::InclusionKind_descriptor(), ""), v1::INCLUSION_KIND_UNSPECIFIED);
}

TEST(StructureToCsvRowTest, RoundTripThroughCsvGivesAnEqualStructure) {
  const v1::Structure original = FullStructure();
  auto row = StructureToCsvRow(original);
  ASSERT_TRUE(row.ok()) << row.status();

  std::ostringstream out;
  CsvWriter writer(out);
  writer.WriteRecord(StructureCsvColumns());
  writer.WriteRecord(*row);

  std::istringstream in(out.str());
  auto reader = StructureCsvReader::Open(in);
  ASSERT_TRUE(reader.ok()) << reader.status();
  StructureRow read;
  ASSERT_TRUE((*reader)->Next(&read));
  ASSERT_TRUE(read.structure.ok()) << read.structure.status();
  EXPECT_EQ(read.line, 2);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*read.structure, original))
      << read.structure->DebugString();
  EXPECT_FALSE((*reader)->Next(&read));
}

TEST(StructureToCsvRowTest, RefusesAListElementHoldingTheSeparator) {
  v1::Structure s = FullStructure();
  s.add_certifications("A;B");
  auto row = StructureToCsvRow(s);
  ASSERT_FALSE(row.ok());
  EXPECT_THAT(row.status().message(), HasSubstr("certifications"));
}

TEST(StructureCsvReaderTest, ReportsBadRowsAndCarriesOnWithTheRest) {
  std::istringstream in(
      "siret,display_name,legal_form\n"
      "73282932000074,Bonne,scop\n"
      "73282932000075,Mauvaise,sarl\n"
      "73282932000076,\"Sur deux\nlignes\",scic\n"
      "73282932000077,Dernière,\"jamais fermé\n");
  auto reader = StructureCsvReader::Open(in);
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<std::string> outcomes;
  StructureRow row;
  while ((*reader)->Next(&row)) {
    outcomes.push_back(row.structure.ok() ? absl::StrCat(row.line, " ok ", row.structure->siret())
                                          : absl::StrCat(row.line, " error"));
  }
  EXPECT_THAT(outcomes,
              ElementsAre("2 ok 73282932000074", "3 error", "4 ok 73282932000076", "6 error"));
}

TEST(StructureCsvReaderTest, EmptyFileOrBadHeaderFailsToOpen) {
  std::istringstream empty("");
  EXPECT_FALSE(StructureCsvReader::Open(empty).ok());
  std::istringstream bad("siret,nom\n");
  EXPECT_FALSE(StructureCsvReader::Open(bad).ok());
}

}  // namespace
}  // namespace passerelle::cli
