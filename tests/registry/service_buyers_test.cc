// RegistryService buyer RPCs (create, get, list) through a real in-process node.

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
using ::testing::ElementsAreArray;
using testing::EqualsProto;
using testing::HasCode;
using ::testing::IsEmpty;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::RegistryClient;
using testing::TestNode;
using ::testing::UnorderedElementsAre;

v1::Buyer SampleBuyer(const std::string& id) {
  v1::Buyer b;
  b.set_buyer_id(id);
  b.set_display_name("Société de livraison des ouvrages olympiques");
  b.set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
  b.add_departments("93");
  b.add_departments("75");
  v1::BuyerNeed* need = b.add_needs();
  need->set_cpv_prefix("4521");
  need->set_description("Gros œuvre du village des athlètes");
  return b;
}

class BuyerServiceTest : public ::testing::Test {
 protected:
  // Every buyer id, in pages of `page_size` (0: the default of 50).
  std::vector<std::string> ListedIds(int32_t page_size) const {
    std::vector<std::string> ids;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      testing::Reply<v1::ListBuyersResponse> page = registry_.ListBuyers(page_size, token);
      EXPECT_THAT(page.status, IsOk());
      if (!page.status.ok()) break;
      EXPECT_LE(page.response.buyers_size(), page_size == 0 ? 50 : page_size);
      for (const v1::Buyer& b : page.response.buyers()) ids.push_back(b.buyer_id());
      token = page.response.next_page_token();
      if (token.empty()) break;
    }
    return ids;
  }

  TestNode node_;
  RegistryClient registry_{node_};
};

class CreateBuyerTest : public BuyerServiceTest {};

TEST_F(CreateBuyerTest, ReturnsTheRecordNamedByBuyerIdOwnedByThisNode) {
  testing::Reply<v1::Buyer> created = registry_.CreateBuyer(SampleBuyer("solideo"));
  ASSERT_THAT(created.status, IsOk());
  const v1::Buyer& b = created.response;
  EXPECT_EQ(b.name(), "buyers/solideo");
  EXPECT_EQ(b.owner_partner(), "les-canaux");
  EXPECT_TRUE(b.has_create_time());
  EXPECT_THAT(b.update_time(), EqualsProto(b.create_time()));
  EXPECT_FALSE(b.etag().empty());

  v1::Buyer client_fields = b;
  client_fields.clear_name();
  client_fields.clear_owner_partner();
  client_fields.clear_create_time();
  client_fields.clear_update_time();
  client_fields.clear_etag();
  client_fields.clear_version();
  EXPECT_THAT(client_fields, EqualsProto(SampleBuyer("solideo")));
}

TEST_F(CreateBuyerTest, GetReturnsExactlyWhatCreateReturned) {
  testing::Reply<v1::Buyer> created = registry_.CreateBuyer(SampleBuyer("solideo"));
  ASSERT_THAT(created.status, IsOk());
  testing::Reply<v1::Buyer> got = registry_.GetBuyer("buyers/solideo");
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(created.response));
}

TEST_F(CreateBuyerTest, NamesEveryBadFieldAndWritesNothing) {
  v1::Buyer b;
  b.set_buyer_id("Paris_2024");
  b.add_departments("93");
  b.add_departments("00");
  b.add_needs()->set_cpv_prefix("4");
  b.add_needs()->set_cpv_prefix("45");
  b.mutable_needs(1)->set_description(std::string(4001, 'x'));

  EXPECT_THAT(registry_.CreateBuyer(b).status,
              IsInvalidArgumentOn(UnorderedElementsAre(
                  "buyer.buyer_id", "buyer.display_name", "buyer.kind", "buyer.departments[1]",
                  "buyer.needs[0].cpv_prefix", "buyer.needs[1].description")));
  EXPECT_THAT(ListedIds(10), IsEmpty());
}

TEST_F(CreateBuyerTest, RefusesBuyerIdsOutsideThreeToSixtyThreeLowerCaseLettersDigitsOrDashes) {
  for (const std::string& id : std::vector<std::string>{
           std::string(), std::string("ab"), std::string(64, 'a'), std::string("paris 2024"),
           std::string("Paris-2024"), std::string("paris/2024")}) {
    EXPECT_THAT(registry_.CreateBuyer(SampleBuyer(id)).status,
                IsInvalidArgumentOn(ElementsAre("buyer.buyer_id")))
        << "buyer_id '" << id << "'";
  }
  EXPECT_THAT(registry_.CreateBuyer(SampleBuyer(std::string(63, 'a'))).status, IsOk());
  EXPECT_THAT(registry_.CreateBuyer(SampleBuyer("ville-2")).status, IsOk());
  EXPECT_THAT(ListedIds(10), ElementsAre(std::string(63, 'a'), "ville-2"));
}

TEST_F(CreateBuyerTest, RefusesAnUnknownKindAndAnOversizeName) {
  v1::Buyer b = SampleBuyer("solideo");
  b.set_kind(static_cast<v1::BuyerKind>(42));
  b.set_display_name(std::string(201, 'x'));
  EXPECT_THAT(registry_.CreateBuyer(b).status,
              IsInvalidArgumentOn(UnorderedElementsAre("buyer.kind", "buyer.display_name")));
  EXPECT_THAT(registry_.GetBuyer("buyers/solideo").status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(CreateBuyerTest, ASecondBuyerWithTheSameIdIsAlreadyExistsAndLeavesTheFirst) {
  testing::Reply<v1::Buyer> first = registry_.CreateBuyer(SampleBuyer("solideo"));
  ASSERT_THAT(first.status, IsOk());
  v1::Buyer second = SampleBuyer("solideo");
  second.set_display_name("Autre");
  EXPECT_THAT(registry_.CreateBuyer(second).status, HasCode(grpc::StatusCode::ALREADY_EXISTS));
  testing::Reply<v1::Buyer> got = registry_.GetBuyer("buyers/solideo");
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(first.response));
}

class GetBuyerTest : public BuyerServiceTest {};

TEST_F(GetBuyerTest, AnUnknownBuyerIsNotFound) {
  ASSERT_THAT(registry_.CreateBuyer(SampleBuyer("solideo")).status, IsOk());
  EXPECT_THAT(registry_.GetBuyer("buyers/paris-2024").status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(GetBuyerTest, AMalformedNameIsInvalidArgumentOnName) {
  ASSERT_THAT(registry_.CreateBuyer(SampleBuyer("solideo")).status, IsOk());
  for (const std::string& name : std::vector<std::string>{
           std::string(), std::string("solideo"), std::string("buyers/"),
           std::string("structures/solideo"), std::string("buyers/solideo/x")}) {
    EXPECT_THAT(registry_.GetBuyer(name).status, IsInvalidArgumentOn(ElementsAre("name")))
        << "name '" << name << "'";
  }
}

TEST_F(GetBuyerTest, BuyersAndStructuresAreSeparateCollections) {
  ASSERT_THAT(registry_.CreateBuyer(SampleBuyer("solideo")).status, IsOk());
  ASSERT_THAT(registry_.CreateStructure(testing::MinimalStructure(testing::TestSiret(1))).status,
              IsOk());
  EXPECT_THAT(registry_.GetStructure("structures/solideo").status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(registry_.GetBuyer("buyers/" + testing::TestSiret(1)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(ListedIds(10), ElementsAre("solideo"));
}

class ListBuyersTest : public BuyerServiceTest {};

TEST_F(ListBuyersTest, PagingReturnsEveryBuyerExactlyOnceInIdOrder) {
  std::vector<std::string> ids = {"cd-93", "paris-2024", "solideo", "ville-de-paris",
                                  "ville-de-saint-denis"};
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    ASSERT_THAT(registry_.CreateBuyer(SampleBuyer(*it)).status, IsOk());
  }
  EXPECT_THAT(ListedIds(2), ElementsAreArray(ids));
  EXPECT_THAT(ListedIds(0), ElementsAreArray(ids));
}

TEST_F(ListBuyersTest, AnOutOfRangePageSizeIsInvalidArgumentOnPageSize) {
  for (int32_t size : {-1, 1001}) {
    EXPECT_THAT(registry_.ListBuyers(size).status, IsInvalidArgumentOn(ElementsAre("page_size")))
        << "page_size " << size;
  }
}

TEST_F(ListBuyersTest, AMalformedOrForeignPageTokenIsInvalidArgumentOnPageToken) {
  for (int n = 1; n <= 2; ++n) {
    ASSERT_THAT(registry_.CreateStructure(testing::MinimalStructure(testing::TestSiret(n))).status,
                IsOk());
  }
  const std::string structures_token = registry_.ListStructures(1).response.next_page_token();
  ASSERT_NE(structures_token, "");
  for (const std::string& token :
       std::vector<std::string>{std::string("%%%"), std::string("AAAA"), structures_token}) {
    EXPECT_THAT(registry_.ListBuyers(1, token).status,
                IsInvalidArgumentOn(ElementsAre("page_token")))
        << "token '" << token << "'";
  }
}

}  // namespace
}  // namespace passerelle
