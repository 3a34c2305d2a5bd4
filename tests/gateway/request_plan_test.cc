// What the gateway decides about a request before any I/O: its own replies and refusals, or the
// call to make.

#include "gateway/request_plan.h"

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "passerelle/v1/registry.pb.h"
#include "tests/gateway/gateway_fixture.h"

namespace passerelle::gateway {
namespace {

using ::testing::HasSubstr;
using testing::kAdminToken;
using testing::kReaderToken;

class RequestPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<RequestPlanner>> planner =
        RequestPlanner::Create(testing::GatewayConfigFor("127.0.0.1:1"));
    ASSERT_TRUE(planner.ok()) << planner.status();
    planner_ = *std::move(planner);
  }

  std::variant<OwnReply, NodeCall> Plan(absl::string_view method, absl::string_view target,
                                        absl::string_view token = kAdminToken,
                                        absl::string_view body = "") {
    const std::string authorization = token.empty() ? "" : absl::StrCat("Bearer ", token);
    return planner_->Plan({method, target, authorization, body}, absl::Now());
  }

  static OwnReply Own(const std::variant<OwnReply, NodeCall>& plan) {
    EXPECT_TRUE(std::holds_alternative<OwnReply>(plan));
    return std::holds_alternative<OwnReply>(plan) ? std::get<OwnReply>(plan) : OwnReply{0, "", ""};
  }

  std::unique_ptr<RequestPlanner> planner_;
};

TEST_F(RequestPlan, AnAddressOverItsFailedAuthenticationsIsLoggedOncePerEpisodeAndNeverItsToken) {
  const absl::Time start = absl::Now();
  int logged = 0;
  for (int i = 0; i < 40; ++i) {
    OwnReply reply = Own(planner_->Plan(
        {"GET", "/v1/structures", absl::StrCat("Bearer secret-guess-", i), "", "192.0.2.7"},
        start + absl::Milliseconds(i)));
    EXPECT_EQ(reply.http_status, i < 10 ? 401 : 429) << i;
    if (!reply.log.empty()) {
      ++logged;
      EXPECT_THAT(reply.log, HasSubstr("192.0.2.7"));
      EXPECT_THAT(reply.log, ::testing::Not(HasSubstr("secret-guess")));
    }
  }
  EXPECT_EQ(logged, 1);
  EXPECT_EQ(Own(planner_->Plan({"GET", "/v1/structures", "Bearer nope", "", "192.0.2.8"},
                               start + absl::Seconds(1)))
                .http_status,
            401)
      << "another address, its own bucket";
  // At rest again (the default refills one failure a second), then a new episode is logged again.
  const absl::Time later = start + absl::Minutes(1);
  for (int i = 0; i < 11; ++i) {
    OwnReply reply = Own(planner_->Plan(
        {"GET", "/v1/structures", "Bearer again", "", "192.0.2.7"}, later + absl::Milliseconds(i)));
    if (!reply.log.empty()) ++logged;
  }
  EXPECT_EQ(logged, 2);
}

TEST_F(RequestPlan, HealthAndOpenApiAreAnsweredByTheGatewayWithoutAToken) {
  EXPECT_EQ(Own(Plan("GET", "/healthz", "")).http_status, 200);
  OwnReply openapi = Own(Plan("GET", "/openapi.json", ""));
  EXPECT_EQ(openapi.http_status, 200);
  EXPECT_THAT(openapi.body, HasSubstr("/v1/structures:search"));
}

TEST_F(RequestPlan, TheObservatoryPageIsPublicHtmlThatLoadsNothingFromElsewhere) {
  OwnReply page = Own(Plan("GET", "/", ""));
  EXPECT_EQ(page.http_status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("/v1/impact:report?groupBy=REPORT_DIMENSION_MONTH"));
  EXPECT_THAT(page.body, HasSubstr("default-src 'none'"));
  EXPECT_THAT(page.body, ::testing::Not(HasSubstr("src=\"http")));
  EXPECT_EQ(Own(Plan("POST", "/", "")).http_status, 404) << "only GET serves the page";
}

TEST_F(RequestPlan, RoutingRefusalsComeBeforeTheTokenIsLookedAt) {
  OwnReply unknown = Own(Plan("GET", "/v1/structurez", ""));
  EXPECT_EQ(unknown.http_status, 404);
  EXPECT_THAT(unknown.body, HasSubstr("close routes"));
  OwnReply wrong = Own(Plan("PUT", "/v1/buyers/x", ""));
  EXPECT_EQ(wrong.http_status, 405);
  EXPECT_EQ(wrong.allow, "GET");
}

TEST_F(RequestPlan, TokensDecideBetween401And403) {
  EXPECT_EQ(Own(Plan("GET", "/v1/buyers", "")).http_status, 401);
  EXPECT_EQ(Own(Plan("GET", "/v1/buyers", "forged")).http_status, 401);
  EXPECT_EQ(Own(Plan("POST", "/v1/buyers", kReaderToken, R"({"buyerId":"x"})")).http_status, 403);
}

TEST_F(RequestPlan, AnAcceptedRequestBecomesTheCallWithItsPrincipalAndMessage) {
  std::variant<OwnReply, NodeCall> plan = Plan("GET", "/v1/structures/12345678901234");
  ASSERT_TRUE(std::holds_alternative<NodeCall>(plan));
  NodeCall& call = std::get<NodeCall>(plan);
  EXPECT_EQ(call.method, "/passerelle.v1.RegistryService/GetStructure");
  EXPECT_EQ(call.principal_uri, "spiffe://passerelle/partner/les-canaux/role/partner_admin");
  ASSERT_EQ(call.requests.size(), 1u);
  v1::GetStructureRequest request;
  ASSERT_TRUE(FromByteBuffer(&call.requests[0], &request));
  EXPECT_EQ(request.name(), "structures/12345678901234");
}

TEST_F(RequestPlan, AnNdjsonBodyBecomesOneRequestPerLine) {
  std::variant<OwnReply, NodeCall> plan =
      Plan("POST", "/v1/structures:import", kAdminToken, "{\"row\":1}\n\n{\"row\":2}\n{\"row\":3}");
  ASSERT_TRUE(std::holds_alternative<NodeCall>(plan));
  EXPECT_EQ(std::get<NodeCall>(plan).requests.size(), 3u);
  OwnReply bad =
      Own(Plan("POST", "/v1/structures:import", kAdminToken, "{\"row\":1}\n{\"row\":\"x\"}"));
  EXPECT_EQ(bad.http_status, 400);
  EXPECT_THAT(bad.body, HasSubstr("line 2"));
}

}  // namespace
}  // namespace passerelle::gateway
