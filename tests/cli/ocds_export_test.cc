// `passerelle tenders ocds` against a real in-process node: every notice, page after page, with the
// names of its buyer and of the structures holding its awards.

#include "cli/ocds_export.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle::cli {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using ::testing::Not;

class OcdsExport : public ::testing::Test {
 protected:
  grpc::Status Create(const std::string& id) {
    grpc::ClientContext context;
    v1::CreateTenderRequest request;
    *request.mutable_tender() = testing::SampleTender(id);
    v1::Tender created;
    return tenders_->CreateTender(&context, request, &created);
  }
  template <typename Request>
  grpc::Status Move(grpc::Status (v1::TenderService::Stub::*rpc)(grpc::ClientContext*,
                                                                 const Request&, v1::Tender*),
                    const std::string& id) {
    grpc::ClientContext context;
    Request request;
    request.set_name("tenders/" + id);
    v1::Tender moved;
    return (tenders_.get()->*rpc)(&context, request, &moved);
  }
  grpc::Status Award(const std::string& id, int lot, const std::string& siret) {
    grpc::ClientContext context;
    v1::AwardLotRequest request;
    request.set_tender("tenders/" + id);
    request.mutable_award()->set_lot_number(lot);
    request.mutable_award()->set_structure("structures/" + siret);
    request.mutable_award()->set_amount_cents(12'345'678);
    request.mutable_award()->set_award_date("2029-06-01");
    v1::Award award;
    return tenders_->AwardLot(&context, request, &award);
  }

  testing::TestNode node_;
  std::unique_ptr<v1::TenderService::Stub> tenders_ = v1::TenderService::NewStub(node_.channel());
  std::unique_ptr<v1::RegistryService::Stub> registry_ = node_.Registry();
};

TEST_F(OcdsExport, EveryNoticeOfEveryPageIsAReleaseWithItsBuyerAndSuppliersNamed) {
  testing::RegistryClient registry(node_);
  v1::Buyer buyer = testing::SampleBuyer();
  buyer.set_display_name("SOLIDEO");
  ASSERT_THAT(registry.CreateBuyer(buyer).status, IsOk());
  const std::string siret = testing::TestSiret(1);
  ASSERT_THAT(registry.CreateStructure(testing::MatchingStructure(siret)).status, IsOk());
  for (const char* id : {"t-1", "t-2", "t-3"}) ASSERT_THAT(Create(id), IsOk());
  ASSERT_THAT(Move(&v1::TenderService::Stub::PublishTender, "t-2"), IsOk());
  ASSERT_THAT(Move(&v1::TenderService::Stub::CloseTender, "t-2"), IsOk());
  ASSERT_THAT(Award("t-2", 1, siret), IsOk());
  ASSERT_THAT(Award("t-2", 2, siret), IsOk());

  OcdsPublication publication;
  publication.publisher_name = "Les Canaux";
  publication.uri = "urn:test";
  publication.ocid_prefix = "ocds-test01-";
  publication.published_date = "2029-06-02T00:00:00Z";
  std::string json;
  ASSERT_THAT(ExportOcds(*registry_, *tenders_, publication, &json, /*page_size=*/1), IsOk());

  google::protobuf::Value package;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &package).ok()) << json;
  const auto& releases = package.struct_value().fields().at("releases").list_value();
  ASSERT_EQ(releases.values_size(), 3);  // three pages of one
  EXPECT_EQ(releases.values(1).struct_value().fields().at("ocid").string_value(),
            "ocds-test01-t-2");
  EXPECT_THAT(json, HasSubstr("\"name\": \"SOLIDEO\""));
  EXPECT_THAT(json, HasSubstr(absl::StrCat("\"id\": \"FR-RCS-", siret, "\"")));
  EXPECT_THAT(json, HasSubstr("\"legalName\": \"Chantier d'insertion du 93\""));
  EXPECT_THAT(json, HasSubstr("\"scale\": \"micro\""));
  EXPECT_THAT(json, HasSubstr("\"amount\": 123456.78,"));
  EXPECT_THAT(json, HasSubstr("\"id\": \"t-2-lot-2\""));
  EXPECT_THAT(json, Not(HasSubstr("\"id\": \"t-1-lot-1\"")));
}

TEST_F(OcdsExport, ANodeThatCannotBeReadIsAnErrorAndWritesNothing) {
  node_.Stop();
  std::string json = "unchanged";
  EXPECT_THAT(ExportOcds(*registry_, *tenders_, OcdsPublication(), &json), Not(IsOk()));
  EXPECT_EQ(json, "unchanged");
  node_.Start();
}

}  // namespace
}  // namespace passerelle::cli
