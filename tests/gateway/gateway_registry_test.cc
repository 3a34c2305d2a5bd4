// RegistryService through a real gateway in front of a real in-process node: every route over
// HTTP/JSON, and every way a request can be refused.

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "gateway/json_print.h"
#include "gateway/transcode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/http_client.h"
#include "tests/support/registry_client.h"
#include "tests/support/test_node.h"

namespace passerelle::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// The field each violation of `status` names.
std::vector<std::string> ViolatedFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : common::ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

// HTTPS that cannot be served stops the gateway at start-up, naming the field, rather than later
// failing every handshake.
TEST(GatewayHttpsConfig, MissingOrUnreadableCertificateFilesAreRefusedAtStart) {
  v1::GatewayConfig config = GatewayConfigFor("127.0.0.1:1");
  config.mutable_https()->set_cert_file("/nonexistent/gateway.pem");
  EXPECT_THAT(ViolatedFields(gateway::ValidateConfig(config)), ElementsAre("https.key_file"));
  config.mutable_https()->set_key_file("/nonexistent/gateway.key");
  EXPECT_TRUE(gateway::ValidateConfig(config).ok());
  absl::StatusOr<std::unique_ptr<gateway::Gateway>> started = gateway::Gateway::Start(config);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ViolatedFields(started.status()), ElementsAre("https.cert_file"));
}

std::string StructureJson(int64_t n, const std::string& name = "Régie Test") {
  return gateway::ToJson(MinimalStructure(TestSiret(n), name));
}

class GatewayRegistry : public ::testing::Test {
 protected:
  void StartWith(const v1::GatewayConfig& config) {
    gateway_ = StartGateway(config);
    ASSERT_NE(gateway_, nullptr);
  }
  void SetUp() override { StartWith(GatewayConfigFor(node_.address())); }

  HttpReply Admin(const std::string& method, const std::string& target,
                  const std::string& body = "") {
    return HttpClient(gateway_->port()).CallAs(kAdminToken, method, target, body);
  }

  TestNode node_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

TEST_F(GatewayRegistry, AStructureIsCreatedReadUpdatedAndDeletedOverHttp) {
  HttpClient client(gateway_->port());  // one keep-alive connection for the whole flow
  const std::string siret = TestSiret(1);
  HttpReply created = client.CallAs(
      kAdminToken, "POST", "/v1/structures",
      absl::StrCat(R"({"siret":")", siret, R"(","displayName":"Les Ateliers",)",
                   R"("legalForm":"LEGAL_FORM_ASSOCIATION","sseStatus":"SSE_STATUS_SSE",)",
                   R"("sizeClass":"SIZE_CLASS_TPE"})"));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(created.Json().fields().at("name").string_value(), "structures/" + siret);
  EXPECT_EQ(created.headers["content-type"], "application/json");

  HttpReply got = client.CallAs(kAdminToken, "GET", "/v1/structures/" + siret);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.Json().fields().at("displayName").string_value(), "Les Ateliers");

  HttpReply updated =
      client.CallAs(kAdminToken, "PATCH", "/v1/structures/" + siret + "?updateMask=headcount",
                    R"({"headcount":5,"displayName":"ignored: not in the mask"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json().fields().at("headcount").number_value(), 5);
  EXPECT_EQ(updated.Json().fields().at("displayName").string_value(), "Les Ateliers");

  EXPECT_EQ(client.CallAs(kAdminToken, "DELETE", "/v1/structures/" + siret).status, 200);
  HttpReply gone = client.CallAs(kAdminToken, "GET", "/v1/structures/" + siret);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.ErrorStatus(), "NOT_FOUND");
}

TEST_F(GatewayRegistry, StructuresAreListedPageByPageAndSearched) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Admin("POST", "/v1/structures", StructureJson(10 + i, "Vélo Solidaire")).status, 200);
  HttpReply page = Admin("GET", "/v1/structures?pageSize=2");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Json().fields().at("structures").list_value().values_size(), 2);
  const std::string token = page.Json().fields().at("nextPageToken").string_value();
  HttpReply rest = Admin("GET", "/v1/structures?pageSize=2&pageToken=" + token);
  EXPECT_EQ(rest.Json().fields().at("structures").list_value().values_size(), 1);

  HttpReply found = Admin("POST", "/v1/structures:search", R"({"query":"velo"})");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Json().fields().at("structures").list_value().values_size(), 3);
}

TEST_F(GatewayRegistry, AnNdjsonBodyStreamsOneImportRowPerLine) {
  const std::string body = absl::StrCat(R"({"row":1,"structure":)", StructureJson(20), "}\n\n",
                                        R"({"row":2,"structure":)", StructureJson(21), "}\n",
                                        R"({"row":3,"structure":{"siret":"123"}})", "\n");
  HttpReply imported = Admin("POST", "/v1/structures:import", body);
  ASSERT_EQ(imported.status, 200) << imported.body;
  EXPECT_EQ(imported.Json().fields().at("created").string_value(), "2");
  EXPECT_EQ(imported.Json().fields().at("rejected").list_value().values_size(), 1);
  EXPECT_EQ(RegistryClient(node_).ListAllStructures(10).size(), 2u);
}

TEST_F(GatewayRegistry, ABadNdjsonLineIsRefusedWithItsLineNumberBeforeAnythingIsSent) {
  HttpReply refused = Admin(
      "POST", "/v1/structures:import",
      absl::StrCat(R"({"structure":)", StructureJson(30), "}\n", R"({"structure":{"fax":1}})"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_THAT(refused.ViolationFields(), ElementsAre("structure.fax"));
  EXPECT_THAT(refused.body, HasSubstr("line 2"));
  EXPECT_TRUE(RegistryClient(node_).ListAllStructures(10).empty());
}

TEST_F(GatewayRegistry, TheNodesValidationErrorsArriveAs400WithFieldViolations) {
  HttpReply refused = Admin("POST", "/v1/structures", R"({"siret":"123","displayName":"X"})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.ErrorStatus(), "INVALID_ARGUMENT");
  EXPECT_THAT(refused.ViolationFields(), ::testing::Contains("structure.siret"));
}

TEST_F(GatewayRegistry, ADuplicateIs409) {
  ASSERT_EQ(Admin("POST", "/v1/structures", StructureJson(40)).status, 200);
  HttpReply again = Admin("POST", "/v1/structures", StructureJson(40));
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.ErrorStatus(), "ALREADY_EXISTS");
}

TEST_F(GatewayRegistry, JsonMistakesAre400NamingTheField) {
  HttpReply malformed = Admin("POST", "/v1/structures", R"({"siret": )");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.ViolationFields(), ElementsAre("body"));
  HttpReply unknown = Admin("POST", "/v1/structures", R"({"sirett":"1"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.ViolationFields(), ElementsAre("structure.sirett"));
  HttpReply wrong_type = Admin("POST", "/v1/structures", R"({"headcount":"many"})");
  EXPECT_THAT(wrong_type.ViolationFields(), ElementsAre("structure.headcount"));
  HttpReply missing = Admin("POST", "/v1/structures");
  EXPECT_EQ(missing.status, 400);
  EXPECT_THAT(missing.ViolationFields(), ElementsAre("body"));
}

TEST_F(GatewayRegistry, AnUnknownRouteIs404ListingCloseRoutesAndAWrongMethodIs405) {
  HttpReply unknown = Admin("GET", "/v1/structure");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("/v1/structures"));
  HttpReply wrong = Admin("PUT", "/v1/structures/" + TestSiret(1));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_THAT(wrong.headers["allow"], HasSubstr("PATCH"));
}

TEST_F(GatewayRegistry, MissingUnknownAndRevokedTokensAre401) {
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.Call("GET", "/v1/structures").status, 401);
  HttpReply unknown = client.CallAs("nope", "GET", "/v1/structures");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.headers["www-authenticate"], "Bearer");
  HttpReply revoked = client.CallAs(kRevokedToken, "GET", "/v1/structures");
  EXPECT_EQ(revoked.status, 401);
  EXPECT_THAT(revoked.body, HasSubstr("revoked"));
}

TEST_F(GatewayRegistry, ATokenOutsideItsRoleIs403) {
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.CallAs(kReaderToken, "GET", "/v1/structures").status, 200);
  HttpReply write = client.CallAs(kReaderToken, "POST", "/v1/structures", StructureJson(50));
  EXPECT_EQ(write.status, 403);
  EXPECT_EQ(write.ErrorStatus(), "PERMISSION_DENIED");
}

TEST_F(GatewayRegistry, HealthAndOpenApiNeedNoToken) {
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.Call("GET", "/healthz").status, 200);
  HttpReply openapi = client.Call("GET", "/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  const google::protobuf::Struct document = openapi.Json();
  const auto& paths = document.fields().at("paths").struct_value().fields();
  for (const char* path :
       {"/v1/structures", "/v1/structures/{name}", "/v1/structures/{structure.name}",
        "/v1/structures:search", "/v1/structures:import", "/v1/buyers", "/v1/buyers/{name}"}) {
    EXPECT_TRUE(paths.count(path)) << path;
  }
}

TEST_F(GatewayRegistry, AClientExpecting100ContinueIsToldToSendItsBody) {
  HttpClient client(gateway_->port());
  const std::string body = StructureJson(70);
  client.SendRaw(
      absl::StrCat("POST /v1/structures HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ", kAdminToken,
                   "\r\nExpect: 100-continue\r\nContent-Length: ", body.size(), "\r\n\r\n"));
  EXPECT_THAT(client.ReadUntil("\r\n\r\n"), HasSubstr("HTTP/1.1 100 Continue"));
  client.SendRaw(body);
  EXPECT_THAT(client.ReadUntil("\"name\""), HasSubstr("HTTP/1.1 200 OK"));
}

class GatewayLimits : public GatewayRegistry {
 protected:
  void SetUp() override {}
};

TEST_F(GatewayLimits, ABodyOverTheLimitIs413) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  config.mutable_limits()->set_max_body_bytes(100);
  StartWith(config);
  HttpReply big = Admin("POST", "/v1/structures", StructureJson(60, std::string(200, 'x')));
  EXPECT_EQ(big.status, 413);
}

TEST_F(GatewayLimits, HeadersOverTheLimitAre431) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  config.mutable_limits()->set_max_header_bytes(512);
  StartWith(config);
  HttpReply big = HttpClient(gateway_->port())
                      .CallAs(kAdminToken, "GET", "/v1/structures", "",
                              {{"X-Padding", std::string(1000, 'x')}});
  EXPECT_EQ(big.status, 431);
}

TEST_F(GatewayLimits, AClientTooSlowToSendItsRequestGets408AndIsDisconnected) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  config.mutable_limits()->set_read_timeout_ms(200);
  StartWith(config);
  HttpClient slow(gateway_->port());
  slow.SendRaw("GET /v1/structures HTTP/1.1\r\nHost: x\r\n");  // and never the blank line
  std::string reply = slow.ReadUntilClosed();
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 408"));
}

TEST_F(GatewayLimits, RequestsOverATokensRateAre429) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  config.mutable_limits()->set_requests_per_second(0.001);  // no refill within the test
  config.mutable_limits()->set_burst(2);
  StartWith(config);
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/structures").status, 200);
  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/structures").status, 200);
  HttpReply limited = client.CallAs(kAdminToken, "GET", "/v1/structures");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.ErrorStatus(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(client.CallAs(kReaderToken, "GET", "/v1/structures").status, 200)
      << "another token, another bucket";
}

// Tokens cannot be tried at network speed: after a burst of failures an address is answered 429
// with Retry-After, without its tokens being looked up — while a token that has already served it
// still does.
TEST_F(GatewayLimits, FailedAuthenticationsFromOneAddressAreLimitedButItsWorkingTokenIsServed) {
  v1::GatewayConfig config = GatewayConfigFor(node_.address());
  config.mutable_limits()->set_failed_auths_per_second(0.001);  // no refill within the test
  config.mutable_limits()->set_failed_auth_burst(10);
  StartWith(config);
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/structures").status, 200);
  std::vector<int> statuses;
  HttpReply last;
  for (int i = 0; i < 30; ++i) {
    last = client.CallAs(absl::StrCat("guess-", i, "-", absl::ToUnixNanos(absl::Now())), "GET",
                         "/v1/structures");
    statuses.push_back(last.status);
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.begin() + 10, 401), 10);
  EXPECT_EQ(std::count(statuses.begin() + 10, statuses.end(), 429), 20);
  EXPECT_EQ(last.ErrorStatus(), "RESOURCE_EXHAUSTED");
  EXPECT_GE(std::stoi(last.headers["retry-after"]), 1) << last.body;
  EXPECT_THAT(last.body, ::testing::Not(HasSubstr("guess-")));

  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/structures").status, 200)
      << "the token that already worked from this address";
  EXPECT_EQ(client.CallAs(kReaderToken, "GET", "/v1/structures").status, 429)
      << "a token this address never used is not looked up while it is refused";
}

TEST_F(GatewayLimits, AnUnreachableNodeIs503) {
  StartWith(GatewayConfigFor(absl::StrCat("127.0.0.1:", PickFreePort())));
  HttpReply reply = Admin("GET", "/v1/structures");
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.ErrorStatus(), "UNAVAILABLE");
}

}  // namespace
}  // namespace passerelle::testing
