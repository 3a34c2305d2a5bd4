// The gateway's pure edges: the gRPC → HTTP error mapping, tokens and rate limits, the OpenAPI
// document.

#include "absl/time/clock.h"
#include "common/errors.h"
#include "gateway/access.h"
#include "gateway/http_error.h"
#include "gateway/openapi.h"
#include "gateway/route_table.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace passerelle::gateway {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct out;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &out).ok()) << json;
  return out;
}

TEST(HttpError, GrpcCodesMapAsGoogleDoes) {
  using C = grpc::StatusCode;
  const std::vector<std::pair<C, int>> expected = {{C::INVALID_ARGUMENT, 400},
                                                   {C::FAILED_PRECONDITION, 400},
                                                   {C::OUT_OF_RANGE, 400},
                                                   {C::UNAUTHENTICATED, 401},
                                                   {C::PERMISSION_DENIED, 403},
                                                   {C::NOT_FOUND, 404},
                                                   {C::ALREADY_EXISTS, 409},
                                                   {C::ABORTED, 409},
                                                   {C::RESOURCE_EXHAUSTED, 429},
                                                   {C::CANCELLED, 499},
                                                   {C::UNKNOWN, 500},
                                                   {C::INTERNAL, 500},
                                                   {C::DATA_LOSS, 500},
                                                   {C::UNIMPLEMENTED, 501},
                                                   {C::UNAVAILABLE, 503},
                                                   {C::DEADLINE_EXCEEDED, 504}};
  for (const auto& [code, http] : expected) EXPECT_EQ(HttpStatusFor(code), http) << code;
}

TEST(HttpError, TheBodyCarriesCodeStatusMessageAndDecodedFieldViolations) {
  common::FieldViolations violations;
  violations.Add("structure.siret", "must be 14 digits");
  HttpError error = ErrorFromStatus(violations.ToStatus());
  EXPECT_EQ(error.http_status, 400);
  google::protobuf::Struct body = ParseJson(error.json);
  const auto& e = body.fields().at("error").struct_value().fields();
  EXPECT_EQ(e.at("code").number_value(), 400);
  EXPECT_EQ(e.at("status").string_value(), "INVALID_ARGUMENT");
  EXPECT_THAT(e.at("message").string_value(), HasSubstr("structure.siret"));
  const auto& detail = e.at("details").list_value().values(0).struct_value().fields();
  EXPECT_EQ(detail.at("@type").string_value(), "type.googleapis.com/google.rpc.BadRequest");
  const auto& violation =
      detail.at("fieldViolations").list_value().values(0).struct_value().fields();
  EXPECT_EQ(violation.at("field").string_value(), "structure.siret");
}

TEST(HttpError, GatewayOwnStatusesKeepTheirHttpStatus) {
  HttpError error =
      ErrorWithHttpStatus(431, absl::StatusCode::kResourceExhausted, "headers too large");
  EXPECT_EQ(error.http_status, 431);
  EXPECT_THAT(error.json, HasSubstr("RESOURCE_EXHAUSTED"));
}

v1::GatewayConfig ConfigWithToken(const std::string& token, bool revoked = false) {
  v1::GatewayConfig config;
  v1::GatewayToken* t = config.add_tokens();
  t->set_sha256(TokenHash(token));
  t->mutable_principal()->set_partner_id("les-canaux");
  t->mutable_principal()->set_role("contractor");
  t->mutable_principal()->set_siret("12345678901234");
  t->set_revoked(revoked);
  t->add_methods("/passerelle.v1.RegistryService/Get*");
  return config;
}

TEST(Tokens, ABearerTokenIsFoundByItsHashAndForwardsItsPrincipal) {
  absl::StatusOr<TokenBook> book = TokenBook::FromConfig(ConfigWithToken("s3cret"));
  ASSERT_TRUE(book.ok()) << book.status();
  absl::StatusOr<const v1::GatewayToken*> token = book->Authenticate("Bearer s3cret");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(ForwardedPrincipalUri((*token)->principal()),
            "spiffe://passerelle/partner/les-canaux/role/contractor/siret/12345678901234");
}

TEST(Tokens, MissingUnknownMalformedAndRevokedTokensAreUnauthenticated) {
  TokenBook book = *TokenBook::FromConfig(ConfigWithToken("s3cret"));
  for (const char* header : {"", "Bearer other", "Basic s3cret", "s3cret"}) {
    EXPECT_EQ(book.Authenticate(header).status().code(), absl::StatusCode::kUnauthenticated)
        << header;
  }
  TokenBook revoked = *TokenBook::FromConfig(ConfigWithToken("s3cret", true));
  EXPECT_THAT(std::string(revoked.Authenticate("Bearer s3cret").status().message()),
              HasSubstr("revoked"));
}

TEST(Tokens, BadHashesAndPrincipalsAreRefusedNamingTheToken) {
  v1::GatewayConfig config = ConfigWithToken("a");
  config.mutable_tokens(0)->set_sha256("ABC");
  *config.add_tokens() = ConfigWithToken("b").tokens(0);
  config.mutable_tokens(1)->mutable_principal()->set_role("gateway");
  std::vector<std::string> fields;
  for (const auto& v : common::ViolationsOf(TokenBook::FromConfig(config).status()))
    fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("tokens[0].sha256", "tokens[1].principal"));
}

TEST(Tokens, ATokenMayCallOnlyTheMethodsItIsLimitedTo) {
  v1::GatewayToken token = ConfigWithToken("a").tokens(0);
  EXPECT_TRUE(MayCall(token, "/passerelle.v1.RegistryService/GetStructure").ok());
  EXPECT_EQ(MayCall(token, "/passerelle.v1.RegistryService/CreateStructure").code(),
            absl::StatusCode::kPermissionDenied);
  token.clear_methods();
  EXPECT_TRUE(MayCall(token, "/passerelle.v1.RegistryService/CreateStructure").ok());
}

TEST(RateLimiter, ABurstPassesThenRequestsWaitForTheRate) {
  RateLimiter limiter(/*rate=*/2, /*burst=*/3);
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", t0).ok());
  EXPECT_EQ(limiter.Take("a", t0).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(limiter.Take("b", t0).ok()) << "each token has its own bucket";
  EXPECT_TRUE(limiter.Take("a", t0 + absl::Milliseconds(500)).ok());
  EXPECT_FALSE(limiter.Take("a", t0 + absl::Milliseconds(500)).ok());
}

TEST(RateLimiter, RateZeroMeansUnlimited) {
  RateLimiter limiter(0, 0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Take("a", absl::UnixEpoch()).ok());
}

TEST(OpenApi, EveryRouteAppearsWithItsMethodParametersAndSchemas) {
  RouteTable routes = *RouteTable::Build(LinkedServices());
  google::protobuf::Struct doc = ParseJson(OpenApiDocument(routes, "Passerelle"));
  EXPECT_EQ(doc.fields().at("openapi").string_value(), "3.0.3");
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  ASSERT_GT(routes.routes().size(), 10u);
  for (const Route& route : routes.routes()) {
    const std::string path = route.path.OpenApiPath();
    ASSERT_TRUE(paths.count(path)) << path;
    std::string verb = route.http_method;
    for (char& c : verb) c = static_cast<char>(std::tolower(c));
    EXPECT_TRUE(paths.at(path).struct_value().fields().count(verb)) << verb << " " << path;
  }
  const auto& get =
      paths.at("/v1/structures/{name}").struct_value().fields().at("get").struct_value().fields();
  EXPECT_EQ(get.at("operationId").string_value(), "RegistryService_GetStructure");
  const auto& list =
      paths.at("/v1/structures").struct_value().fields().at("get").struct_value().fields();
  bool has_page_size = false;
  for (const auto& p : list.at("parameters").list_value().values()) {
    has_page_size |= p.struct_value().fields().at("name").string_value() == "page_size";
  }
  EXPECT_TRUE(has_page_size);
  const auto& schemas =
      doc.fields().at("components").struct_value().fields().at("schemas").struct_value().fields();
  EXPECT_TRUE(schemas.count("passerelle.v1.Structure"));
  EXPECT_TRUE(schemas.at("passerelle.v1.Structure")
                  .struct_value()
                  .fields()
                  .at("properties")
                  .struct_value()
                  .fields()
                  .count("displayName"));
}

}  // namespace
}  // namespace passerelle::gateway
