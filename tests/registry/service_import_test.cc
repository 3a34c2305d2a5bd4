// RegistryService.ImportStructures (client streaming) through a real in-process node: each row
// accepted or rejected on its own, and streams longer than the service's commit batch.

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/proto_matchers.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::ElementsAreArray;
using testing::EqualsProto;
using testing::HasCode;
using ::testing::HasSubstr;
using testing::ImportRows;
using ::testing::IsEmpty;
using testing::IsOk;
using testing::MinimalStructure;
using testing::RegistryClient;
using testing::TestNode;
using testing::TestSiret;

v1::ImportStructuresRequest Row(int64_t row, const v1::Structure& structure) {
  v1::ImportStructuresRequest request;
  request.set_row(row);
  *request.mutable_structure() = structure;
  return request;
}

class ImportStructuresTest : public ::testing::Test {
 protected:
  std::vector<std::string> ListedSirets() const {
    std::vector<std::string> sirets;
    for (const v1::Structure& s : registry_.ListAllStructures(1000)) sirets.push_back(s.siret());
    return sirets;
  }

  TestNode node_;
  RegistryClient registry_{node_};
};

TEST_F(ImportStructuresTest, NewExistingAndBadRowsAreCountedAndEachRejectionSaysRowSiretAndReason) {
  v1::Structure existing = MinimalStructure(TestSiret(1), "Ancien nom");
  existing.set_description("Avant l'import");
  testing::Reply<v1::Structure> before = registry_.CreateStructure(existing);
  ASSERT_THAT(before.status, IsOk());

  v1::Structure renamed = MinimalStructure(TestSiret(1), "Nouveau nom");
  v1::Structure unnamed = MinimalStructure(TestSiret(3));
  unnamed.clear_display_name();
  v1::Structure misplaced = MinimalStructure(TestSiret(5));
  misplaced.add_departments("99");
  testing::Reply<v1::ImportStructuresResponse> imported = registry_.ImportStructures({
      Row(10, MinimalStructure(TestSiret(2))),
      Row(11, renamed),
      Row(12, MinimalStructure("12345")),
      Row(13, unnamed),
      Row(14, MinimalStructure(TestSiret(4))),
      Row(15, misplaced),
  });
  ASSERT_THAT(imported.status, IsOk());

  EXPECT_EQ(imported.response.created(), 2);
  EXPECT_EQ(imported.response.updated(), 1);
  ASSERT_EQ(imported.response.rejected_size(), 3);
  EXPECT_EQ(imported.response.rejected(0).row(), 12);
  EXPECT_EQ(imported.response.rejected(0).siret(), "12345");
  EXPECT_THAT(imported.response.rejected(0).reason(), HasSubstr("siret"));
  EXPECT_EQ(imported.response.rejected(1).row(), 13);
  EXPECT_EQ(imported.response.rejected(1).siret(), TestSiret(3));
  EXPECT_THAT(imported.response.rejected(1).reason(), HasSubstr("display_name"));
  EXPECT_EQ(imported.response.rejected(2).row(), 15);
  EXPECT_EQ(imported.response.rejected(2).siret(), TestSiret(5));
  EXPECT_THAT(imported.response.rejected(2).reason(), HasSubstr("departments[0]"));

  // Good rows all written, bad rows nothing.
  EXPECT_THAT(ListedSirets(), ElementsAreArray({TestSiret(1), TestSiret(2), TestSiret(4)}));
  EXPECT_THAT(registry_.GetStructure("structures/" + TestSiret(3)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(registry_.GetStructure("structures/" + TestSiret(5)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  v1::SearchStructuresRequest by_old_name;
  by_old_name.set_query("ancien");
  EXPECT_THAT(registry_.SearchAllSirets(by_old_name), IsEmpty());

  // The existing structure took the row as a whole (an upsert, not a merge) and kept its identity.
  testing::Reply<v1::Structure> after = registry_.GetStructure(before.response.name());
  ASSERT_THAT(after.status, IsOk());
  EXPECT_EQ(after.response.display_name(), "Nouveau nom");
  EXPECT_EQ(after.response.description(), "");
  EXPECT_THAT(after.response.create_time(), EqualsProto(before.response.create_time()));
  EXPECT_EQ(after.response.owner_partner(), "les-canaux");
  EXPECT_NE(after.response.etag(), before.response.etag());
}

TEST_F(ImportStructuresTest, AnImportedStructureIsStampedLikeACreatedOne) {
  v1::Structure input = MinimalStructure(TestSiret(1));
  input.set_owner_partner("paris-2024");
  input.set_etag("forged");
  testing::Reply<v1::ImportStructuresResponse> imported =
      registry_.ImportStructures({Row(1, input)});
  ASSERT_THAT(imported.status, IsOk());
  ASSERT_EQ(imported.response.created(), 1);

  testing::Reply<v1::Structure> got = registry_.GetStructure("structures/" + TestSiret(1));
  ASSERT_THAT(got.status, IsOk());
  EXPECT_EQ(got.response.name(), "structures/" + TestSiret(1));
  EXPECT_EQ(got.response.owner_partner(), "les-canaux");
  EXPECT_NE(got.response.etag(), "forged");
  EXPECT_FALSE(got.response.etag().empty());
  EXPECT_TRUE(got.response.has_create_time());
  EXPECT_THAT(got.response.update_time(), EqualsProto(got.response.create_time()));
}

TEST_F(ImportStructuresTest, AnEmptyStreamImportsNothing) {
  testing::Reply<v1::ImportStructuresResponse> imported = registry_.ImportStructures({});
  ASSERT_THAT(imported.status, IsOk());
  EXPECT_EQ(imported.response.created(), 0);
  EXPECT_EQ(imported.response.updated(), 0);
  EXPECT_THAT(imported.response.rejected(), IsEmpty());
  EXPECT_THAT(ListedSirets(), IsEmpty());
}

TEST_F(ImportStructuresTest, TheSameSiretTwiceInOneStreamIsCreatedThenUpdatedAndIndexedOnce) {
  testing::Reply<v1::ImportStructuresResponse> imported = registry_.ImportStructures({
      Row(1, MinimalStructure(TestSiret(1), "Premier passage")),
      Row(2, MinimalStructure(TestSiret(1), "Second passage")),
  });
  ASSERT_THAT(imported.status, IsOk());
  EXPECT_EQ(imported.response.created(), 1);
  EXPECT_EQ(imported.response.updated(), 1);

  testing::Reply<v1::Structure> got = registry_.GetStructure("structures/" + TestSiret(1));
  ASSERT_THAT(got.status, IsOk());
  EXPECT_EQ(got.response.display_name(), "Second passage");
  v1::SearchStructuresRequest by_first;
  by_first.set_query("premier");
  EXPECT_THAT(registry_.SearchAllSirets(by_first), IsEmpty());
  v1::SearchStructuresRequest by_second;
  by_second.set_query("second");
  EXPECT_THAT(registry_.SearchAllSirets(by_second), ElementsAreArray({TestSiret(1)}));
}

TEST_F(ImportStructuresTest, MoreRowsThanOneCommitBatchAllLandAndRejectionsKeepTheirRowNumbers) {
  // The service commits every 512 rows: 1100 rows make two full batches and a partial one.
  constexpr int kRows = 1100;
  std::vector<v1::Structure> structures;
  std::vector<std::string> expected;
  for (int n = 1; n <= kRows; ++n) {
    v1::Structure s = MinimalStructure(TestSiret(n), "Structure importée");
    if (n == 3 || n == 600 || n == 1050) {
      s.set_headcount(-1);
    } else {
      expected.push_back(s.siret());
    }
    s.add_departments(n % 2 == 0 ? "93" : "75");
    structures.push_back(std::move(s));
  }
  // The 700th row updates the 100th, moving it from 93 to 75: across batches, the later row wins.
  structures[699].set_display_name("Structure mise à jour");
  structures[699].set_siret(TestSiret(100));
  structures[699].set_departments(0, "75");
  expected.erase(std::find(expected.begin(), expected.end(), TestSiret(700)));

  testing::Reply<v1::ImportStructuresResponse> imported =
      registry_.ImportStructures(ImportRows(structures));
  ASSERT_THAT(imported.status, IsOk());
  EXPECT_EQ(imported.response.created(), kRows - 4);
  EXPECT_EQ(imported.response.updated(), 1);
  ASSERT_EQ(imported.response.rejected_size(), 3);
  EXPECT_EQ(imported.response.rejected(0).row(), 3);
  EXPECT_EQ(imported.response.rejected(1).row(), 600);
  EXPECT_EQ(imported.response.rejected(1).siret(), TestSiret(600));
  EXPECT_EQ(imported.response.rejected(2).row(), 1050);

  EXPECT_THAT(ListedSirets(), ElementsAreArray(expected));
  testing::Reply<v1::Structure> updated = registry_.GetStructure("structures/" + TestSiret(100));
  ASSERT_THAT(updated.status, IsOk());
  EXPECT_EQ(updated.response.display_name(), "Structure mise à jour");
  v1::SearchStructuresRequest in_93;
  in_93.add_departments("93");
  in_93.set_page_size(1000);
  // Even rows are in 93, but for the rejected 600th and 1050th, the 700th (which landed on the
  // 100th) and the 100th (which moved).
  EXPECT_EQ(registry_.SearchAllSirets(in_93).size(), static_cast<size_t>(kRows / 2 - 4));
}

}  // namespace
}  // namespace passerelle
