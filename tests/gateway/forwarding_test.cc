// The principal a gateway forwards in metadata is believed only from a gateway certificate, and only
// for that gateway's own partner: checked on a real mTLS node with certificates from the real
// deploy/pki, directly and through a real gateway.

#include "absl/strings/str_cat.h"
#include "gateway/json_print.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "mesh/identity.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/http_client.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"

namespace passerelle::testing {
namespace {

class Forwarding : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT les-canaux solideo");
  }
  static void TearDownTestSuite() { delete pki_; }

  static v1::TlsConfig Client(const std::string& stem) {
    v1::TlsConfig tls;
    tls.set_ca_file(pki_->Path("ca.pem"));
    tls.set_cert_file(pki_->Path(stem + ".pem"));
    tls.set_key_file(pki_->Path(stem + ".key"));
    return tls;
  }

  static v1::NodeConfig NodeConfig() {
    v1::NodeConfig config;
    config.set_partner_id("les-canaux");
    *config.mutable_tls() = Client("les-canaux/node");
    config.set_signing_key_file(pki_->Path("les-canaux/signing.key"));
    v1::PartnerKey* key = config.add_partner_keys();
    key->set_partner_id("les-canaux");
    key->set_public_key_file(pki_->Path("les-canaux/signing.pub"));
    return config;
  }

  // CreateStructure on the node as certificate `stem`, with `forwarded` in the principal metadata
  // if not empty.
  grpc::Status Create(const std::string& stem, const std::string& forwarded, int64_t n) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!forwarded.empty())
      context.AddMetadata(std::string(mesh::kForwardedPrincipalMetadata), forwarded);
    v1::CreateStructureRequest request;
    *request.mutable_structure() = MinimalStructure(TestSiret(n));
    v1::Structure created;
    return v1::RegistryService::NewStub(node_.ChannelAs(Client(stem)))
        ->CreateStructure(&context, request, &created);
  }

  static TestPki* pki_;
  TestNode node_{NodeConfig()};
};

TestPki* Forwarding::pki_ = nullptr;

TEST_F(Forwarding, FromItsPartnersGatewayCertificateTheForwardedPrincipalIsTheCaller) {
  EXPECT_THAT(Create("les-canaux/gateway", "", 1), HasCode(grpc::StatusCode::PERMISSION_DENIED))
      << "the gateway calling as itself may do nothing";
  EXPECT_THAT(
      Create("les-canaux/gateway", "spiffe://passerelle/partner/les-canaux/role/partner_admin", 2),
      IsOk());
  // Observers only read.
  EXPECT_THAT(
      Create("les-canaux/gateway", "spiffe://passerelle/partner/les-canaux/role/observer", 3),
      HasCode(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(Forwarding, AGatewayMayNotForwardAnotherPartnersPrincipal) {
  EXPECT_THAT(
      Create("les-canaux/gateway", "spiffe://passerelle/partner/solideo/role/partner_admin", 4),
      HasCode(grpc::StatusCode::PERMISSION_DENIED));
  // SOLIDEO's gateway speaks for SOLIDEO's admin, who may not write through Les Canaux's node.
  EXPECT_THAT(
      Create("solideo/gateway", "spiffe://passerelle/partner/les-canaux/role/partner_admin", 12),
      HasCode(grpc::StatusCode::PERMISSION_DENIED));
}

TEST_F(Forwarding, AMalformedOrPrivilegedForwardedPrincipalIsUnauthenticated) {
  EXPECT_THAT(
      Create("les-canaux/gateway", "spiffe://passerelle/partner/les-canaux/role/x/siret/12", 5),
      HasCode(grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_THAT(Create("les-canaux/gateway", "spiffe://passerelle/partner/les-canaux", 6),
              HasCode(grpc::StatusCode::UNAUTHENTICATED));
}

TEST_F(Forwarding, FromAnyOtherCertificateTheMetadataIsIgnored) {
  // If believed, these would be refused (an observer; another partner writing through this node).
  EXPECT_THAT(Create("les-canaux/admin", "spiffe://passerelle/partner/les-canaux/role/observer", 7),
              IsOk());
  EXPECT_THAT(
      Create("les-canaux/admin", "spiffe://passerelle/partner/solideo/role/partner_admin", 8),
      IsOk());
  EXPECT_THAT(
      Create("solideo/admin", "spiffe://passerelle/partner/les-canaux/role/partner_admin", 9),
      HasCode(grpc::StatusCode::PERMISSION_DENIED))
      << "solideo's admin stays solideo's admin, whatever its metadata claims";
}

TEST_F(Forwarding, ThroughTheGatewayTheNodeJudgesEachTokensPrincipal) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  *config.mutable_tls() = Client("les-canaux/gateway");
  std::unique_ptr<gateway::Gateway> gateway = StartGateway(config);
  ASSERT_NE(gateway, nullptr);
  HttpClient client(gateway->port());
  const std::string body = gateway::ToJson(MinimalStructure(TestSiret(10)));
  HttpReply refused = client.CallAs(kReaderToken, "POST", "/v1/structures", body);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(client.CallAs(kAdminToken, "POST", "/v1/structures", body).status, 200);
  EXPECT_EQ(client.CallAs(kReaderToken, "GET", "/v1/structures/" + TestSiret(10)).status, 200);
}

TEST_F(Forwarding, AGatewayConfigWithAnotherPartnersTokenIsRefusedNamingTheField) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  *config.mutable_tls() = Client("les-canaux/gateway");
  v1::GatewayToken* stranger = config.add_tokens();
  stranger->set_sha256(gateway::TokenHash("solideo-token"));
  stranger->mutable_principal()->set_partner_id("solideo");
  stranger->mutable_principal()->set_role("partner_admin");
  absl::StatusOr<std::unique_ptr<gateway::Gateway>> started = gateway::Gateway::Start(config);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(started.status().message()),
              ::testing::HasSubstr("tokens[3].principal.partner_id"));
  EXPECT_THAT(std::string(started.status().message()), ::testing::HasSubstr("solideo"));
  config.clear_partner_id();
  started = gateway::Gateway::Start(config);
  EXPECT_THAT(std::string(started.status().message()), ::testing::HasSubstr("partner_id"))
      << "with tls the gateway must say whose it is";
}

// The whole path encrypted: HTTPS from the client to the gateway, mTLS from the gateway to the
// node.
TEST_F(Forwarding, OverHttpsTheGatewayAnswersTlsClientsOnly) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  *config.mutable_tls() = Client("les-canaux/gateway");
  config.mutable_https()->set_cert_file(pki_->Path("les-canaux/node.pem"));
  config.mutable_https()->set_key_file(pki_->Path("les-canaux/node.key"));
  std::unique_ptr<gateway::Gateway> gateway = StartGateway(config);
  ASSERT_NE(gateway, nullptr);
  HttpClient client(gateway->port(), pki_->Path("ca.pem"));
  const std::string siret = TestSiret(11);
  EXPECT_EQ(
      client.CallAs(kAdminToken, "POST", "/v1/structures", gateway::ToJson(MinimalStructure(siret)))
          .status,
      200);
  HttpReply read = client.CallAs(kAdminToken, "GET", "/v1/structures/" + siret);
  EXPECT_EQ(read.status, 200);
  EXPECT_THAT(read.body, ::testing::HasSubstr(siret));
  // A plain-HTTP request gets no HTTP answer: the connection closes once it fails as a handshake.
  HttpClient plain(gateway->port());
  EXPECT_EQ(plain.Call("GET", "/healthz").status, 0);
}

}  // namespace
}  // namespace passerelle::testing
