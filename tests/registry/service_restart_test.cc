// What RegistryService acknowledged survives a node restart on the same data directory.

#include <set>
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

using ::testing::ElementsAre;
using testing::EqualsProto;
using testing::HasCode;
using testing::IsOk;
using testing::MinimalStructure;
using testing::RegistryClient;
using testing::TestNode;
using testing::TestSiret;

std::string NameOf(int n) { return "structures/" + TestSiret(n); }

TEST(RestartTest, EverythingAcknowledgedIsThereWithTheSameEtagsAndNewWritesGetFreshOnes) {
  TestNode node;
  RegistryClient registry(node);
  std::set<std::string> etags_seen;
  auto remember = [&](const std::string& etag) {
    EXPECT_TRUE(etags_seen.insert(etag).second) << "etag " << etag << " given twice";
  };

  // Before: create 1, 2, 3; update 1; delete 2; import 4, 5 and an update of 3; one buyer.
  for (int n : {1, 2, 3}) {
    v1::Structure s = MinimalStructure(TestSiret(n), "Avant le redémarrage");
    s.add_departments("93");
    testing::Reply<v1::Structure> created = registry.CreateStructure(s);
    ASSERT_THAT(created.status, IsOk());
    remember(created.response.etag());
  }
  v1::Structure patch;
  patch.set_name(NameOf(1));
  patch.set_headcount(7);
  testing::Reply<v1::Structure> updated = registry.UpdateStructure(patch, {"headcount"});
  ASSERT_THAT(updated.status, IsOk());
  remember(updated.response.etag());
  ASSERT_THAT(registry.DeleteStructure(NameOf(2)), IsOk());
  v1::Structure moved = MinimalStructure(TestSiret(3), "Importée");
  moved.add_departments("94");
  testing::Reply<v1::ImportStructuresResponse> imported = registry.ImportStructures(
      testing::ImportRows({MinimalStructure(TestSiret(4)), MinimalStructure(TestSiret(5)), moved}));
  ASSERT_THAT(imported.status, IsOk());
  ASSERT_EQ(imported.response.created(), 2);
  ASSERT_EQ(imported.response.updated(), 1);
  v1::Buyer buyer;
  buyer.set_buyer_id("solideo");
  buyer.set_display_name("SOLIDEO");
  buyer.set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
  testing::Reply<v1::Buyer> created_buyer = registry.CreateBuyer(buyer);
  ASSERT_THAT(created_buyer.status, IsOk());
  remember(created_buyer.response.etag());

  std::vector<v1::Structure> before = registry.ListAllStructures(100);
  ASSERT_EQ(before.size(), 4u);
  for (const v1::Structure& s : before) {
    if (s.siret() != TestSiret(1)) remember(s.etag());  // 1's current etag is the update's
  }

  node.Restart();

  // Every acknowledged write is there, byte for byte, etags included; the deleted one stays
  // deleted.
  std::vector<v1::Structure> after = registry.ListAllStructures(100);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_THAT(after[i], EqualsProto(before[i]));
    testing::Reply<v1::Structure> got = registry.GetStructure(before[i].name());
    ASSERT_THAT(got.status, IsOk());
    EXPECT_THAT(got.response, EqualsProto(before[i]));
  }
  EXPECT_EQ(after[0].etag(), updated.response.etag());
  EXPECT_EQ(after[0].headcount(), 7);
  EXPECT_THAT(registry.GetStructure(NameOf(2)).status, HasCode(grpc::StatusCode::NOT_FOUND));
  testing::Reply<v1::Buyer> got_buyer = registry.GetBuyer("buyers/solideo");
  ASSERT_THAT(got_buyer.status, IsOk());
  EXPECT_THAT(got_buyer.response, EqualsProto(created_buyer.response));

  // The index came back with the records.
  v1::SearchStructuresRequest in_93;
  in_93.add_departments("93");
  EXPECT_THAT(registry.SearchAllSirets(in_93), ElementsAre(TestSiret(1)));
  v1::SearchStructuresRequest in_94;
  in_94.add_departments("94");
  EXPECT_THAT(registry.SearchAllSirets(in_94), ElementsAre(TestSiret(3)));

  // New writes get etags never given before the restart, and an etag from before still guards.
  patch.set_etag(updated.response.etag());
  patch.set_headcount(8);
  testing::Reply<v1::Structure> updated_again = registry.UpdateStructure(patch, {"headcount"});
  ASSERT_THAT(updated_again.status, IsOk());
  remember(updated_again.response.etag());
  EXPECT_THAT(registry.UpdateStructure(patch, {"headcount"}).status,
              HasCode(grpc::StatusCode::ABORTED));
  testing::Reply<v1::Structure> recreated =
      registry.CreateStructure(MinimalStructure(TestSiret(2)));
  ASSERT_THAT(recreated.status, IsOk());
  remember(recreated.response.etag());
  testing::Reply<v1::Structure> created_after =
      registry.CreateStructure(MinimalStructure(TestSiret(6)));
  ASSERT_THAT(created_after.status, IsOk());
  remember(created_after.response.etag());
}

}  // namespace
}  // namespace passerelle
