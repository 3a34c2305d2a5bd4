// Reads through a partner's gateway follow the token's principal: a contractor token bound to one
// SIRET reads that company's declarations and no other's, on a real mTLS node of SOLIDEO's with
// certificates from the real deploy/pki behind SOLIDEO's own gateway.

#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/access.h"
#include "gateway/gateway.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/http_client.h"
#include "tests/impact/awarded_programme.h"
#include "tests/impact/sample_declarations.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/test_node.h"

namespace passerelle::testing {
namespace {

constexpr char kContractorAToken[] = "contractor-a-token";
constexpr char kSolideoAdminToken[] = "solideo-admin-token";

class GatewayReadScope : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT solideo");
    secret_dir_ = new TempDir();
    v1::NodeConfig config = ImpactNodeConfig(secret_dir_->path());
    *config.mutable_tls() = Tls("solideo/node");
    config.set_signing_key_file(pki_->Path("solideo/signing.key"));
    v1::PartnerKey* key = config.add_partner_keys();
    key->set_partner_id("solideo");
    key->set_public_key_file(pki_->Path("solideo/signing.pub"));
    node_ = new TestNode(config);
    ASSERT_NO_FATAL_FAILURE(LoadAwardedProgramme(node_->ChannelAs(Tls("solideo/admin"))));

    v1::GatewayConfig gateway;
    gateway.set_listen_address("127.0.0.1:0");
    gateway.set_node_address(node_->address());
    gateway.set_threads(2);
    gateway.set_partner_id("solideo");
    *gateway.mutable_tls() = Tls("solideo/gateway");
    v1::GatewayToken* contractor = gateway.add_tokens();
    contractor->set_sha256(gateway::TokenHash(kContractorAToken));
    contractor->mutable_principal()->set_partner_id("solideo");
    contractor->mutable_principal()->set_role("contractor");
    contractor->mutable_principal()->set_siret(ContractorSiret('A'));
    v1::GatewayToken* admin = gateway.add_tokens();
    admin->set_sha256(gateway::TokenHash(kSolideoAdminToken));
    admin->mutable_principal()->set_partner_id("solideo");
    admin->mutable_principal()->set_role("partner_admin");
    gateway_ = StartGateway(gateway).release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete node_;
    delete secret_dir_;
    delete pki_;
  }

  static v1::TlsConfig Tls(const std::string& stem) {
    v1::TlsConfig tls;
    tls.set_ca_file(pki_->Path("ca.pem"));
    tls.set_cert_file(pki_->Path(stem + ".pem"));
    tls.set_key_file(pki_->Path(stem + ".key"));
    return tls;
  }

  // The contractor SIRETs of every declaration GET /v1/declarations gives `token`, page after page.
  static std::multiset<std::string> ListedSirets(const std::string& token) {
    HttpClient client(gateway_->port());
    std::multiset<std::string> sirets;
    std::string page_token;
    for (int pages = 0; pages < 10; ++pages) {
      HttpReply reply = client.CallAs(
          token, "GET", absl::StrCat("/v1/declarations?pageSize=1&pageToken=", page_token));
      EXPECT_EQ(reply.status, 200) << reply.body;
      if (reply.status != 200) break;
      google::protobuf::Struct body = reply.Json();
      for (const auto& d : body.fields().at("declarations").list_value().values()) {
        sirets.insert(d.struct_value().fields().at("contractorSiret").string_value());
      }
      auto next = body.fields().find("nextPageToken");
      if (next == body.fields().end() || next->second.string_value().empty()) break;
      page_token = next->second.string_value();
    }
    return sirets;
  }

  static TestPki* pki_;
  static TempDir* secret_dir_;
  static TestNode* node_;
  static gateway::Gateway* gateway_;
};

TestPki* GatewayReadScope::pki_ = nullptr;
TempDir* GatewayReadScope::secret_dir_ = nullptr;
TestNode* GatewayReadScope::node_ = nullptr;
gateway::Gateway* GatewayReadScope::gateway_ = nullptr;

TEST_F(GatewayReadScope, AContractorTokenReadsItsOwnDeclarationAndIsRefusedAnotherCompanys) {
  ASSERT_NE(gateway_, nullptr);
  HttpClient client(gateway_->port());
  HttpReply own = client.CallAs(kContractorAToken, "GET", "/v1/" + ProgrammeDeclaration("AX"));
  EXPECT_EQ(own.status, 200) << own.body;
  HttpReply other = client.CallAs(kContractorAToken, "GET", "/v1/" + ProgrammeDeclaration("BX"));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.ErrorStatus(), "PERMISSION_DENIED");
}

TEST_F(GatewayReadScope, AContractorTokenListsOnlyItsOwnCompanysDeclarations) {
  ASSERT_NE(gateway_, nullptr);
  const std::string a = ContractorSiret('A');
  EXPECT_EQ(ListedSirets(kContractorAToken), (std::multiset<std::string>{a, a}));
  EXPECT_EQ(ListedSirets(kSolideoAdminToken).size(), 4u) << "the partner's admin lists them all";
  HttpClient client(gateway_->port());
  HttpReply filtered = client.CallAs(kContractorAToken, "GET",
                                     "/v1/declarations?contractorSiret=" + ContractorSiret('B'));
  EXPECT_EQ(filtered.status, 403) << filtered.body;
}

}  // namespace
}  // namespace passerelle::testing
