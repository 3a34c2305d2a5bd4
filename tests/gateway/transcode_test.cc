// Routes built from the real descriptors (RegistryService and the test-only FeedTestService), and
// HTTP request parts transcoded into their request messages, with every refusal naming its field.

#include "gateway/transcode.h"

#include "common/errors.h"
#include "feed_test_service.pb.h"
#include "gateway/route_table.h"
#include "gmock/gmock.h"
#include "google/protobuf/dynamic_message.h"
#include "gtest/gtest.h"
#include "passerelle/v1/registry.pb.h"
#include "tests/support/proto_matchers.h"
#include "tests/support/status_matchers.h"

namespace passerelle::gateway {
namespace {

using ::testing::ElementsAre;
using testing::EqualsProto;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> out;
  for (const auto& v : common::ViolationsOf(status)) out.push_back(v.field);
  return out;
}

class Transcode : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<RouteTable> table = RouteTable::Build(LinkedServices());
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }

  // Looks the route up and transcodes into a message of its input type.
  absl::Status Build(const std::string& verb, const std::string& target, const std::string& body,
                     google::protobuf::Message* out) {
    const size_t q = target.find('?');
    RouteLookup lookup = table_.Lookup(verb, target.substr(0, q));
    EXPECT_EQ(lookup.outcome, RouteLookup::kFound) << verb << " " << target;
    if (lookup.outcome != RouteLookup::kFound) return absl::NotFoundError(target);
    EXPECT_EQ(lookup.route->method->input_type(), out->GetDescriptor());
    return BuildRequest(*lookup.route, lookup.bindings,
                        q == std::string::npos ? "" : target.substr(q + 1), body, out);
  }

  RouteTable table_;
};

TEST_F(Transcode, EveryRegistryRpcHasARouteAndMeshServiceNone) {
  std::vector<std::string> registry, mesh;
  for (const Route& route : table_.routes()) {
    const std::string& service = route.method->service()->full_name();
    if (service == "passerelle.v1.RegistryService") registry.push_back(route.method->name());
    if (service == "passerelle.v1.MeshService") mesh.push_back(route.method->name());
  }
  EXPECT_EQ(registry.size(), static_cast<size_t>(v1::Structure::descriptor()
                                                     ->file()
                                                     ->FindServiceByName("RegistryService")
                                                     ->method_count()));
  EXPECT_THAT(mesh, IsEmpty());
}

TEST_F(Transcode, UnknownPathsAreNotFoundWithCloseRoutesAndOtherMethodsAreNotAllowed) {
  RouteLookup missing = table_.Lookup("GET", "/v1/structure");
  EXPECT_EQ(missing.outcome, RouteLookup::kNotFound);
  EXPECT_THAT(missing.close_routes, ::testing::Contains(HasSubstr("/v1/structures")));
  RouteLookup wrong = table_.Lookup("PUT", "/v1/structures/12345678901234");
  EXPECT_EQ(wrong.outcome, RouteLookup::kMethodNotAllowed);
  EXPECT_THAT(wrong.allowed, ::testing::UnorderedElementsAre("GET", "PATCH", "DELETE"));
}

TEST_F(Transcode, ABodyFieldFillsThatFieldAndThePathBindingWins) {
  v1::UpdateStructureRequest request;
  ASSERT_TRUE(Build("PATCH", "/v1/structures/12345678901234?update_mask=displayName,headcount",
                    R"({"name":"structures/other","displayName":"Régie","headcount":12})", &request)
                  .ok());
  EXPECT_EQ(request.structure().name(), "structures/12345678901234");
  EXPECT_EQ(request.structure().display_name(), "Régie");
  EXPECT_EQ(request.structure().headcount(), 12);
  EXPECT_THAT(request.update_mask().paths(), ElementsAre("display_name", "headcount"));
}

// Found by the request fuzzer: such paths reached the node as other paths than the client wrote.
TEST_F(Transcode, AFieldMaskPathThatIsNoFieldPathIsRefusedNamingTheMask) {
  for (const std::string& target :
       {std::string("/v1/structures/12345678901234?updateMask=di\"x\",headcount"),
        std::string("/v1/structures/12345678901234?updateMask=display__name"),
        std::string("/v1/structures/12345678901234?updateMask=.headcount")}) {
    v1::UpdateStructureRequest request;
    absl::Status s = Build("PATCH", target, R"({"headcount":12})", &request);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << target;
    EXPECT_THAT(Fields(s), ElementsAre("update_mask")) << target;
  }
  v1::UpdateStructureRequest body_mask;
  absl::Status in_body =
      Build("PATCH", "/v1/structures/12345678901234", R"({"headcount":12})", &body_mask);
  EXPECT_TRUE(in_body.ok()) << in_body;
}

TEST_F(Transcode, AStarBodyIsTheWholeRequestAndAcceptsProtoFieldNames) {
  v1::SearchStructuresRequest request;
  ASSERT_TRUE(Build("POST", "/v1/structures:search",
                    R"({"query":"velo","sse_statuses":["SSE_STATUS_SSE"],"pageSize":5})", &request)
                  .ok());
  v1::SearchStructuresRequest expected;
  expected.set_query("velo");
  expected.add_sse_statuses(v1::SSE_STATUS_SSE);
  expected.set_page_size(5);
  EXPECT_THAT(request, EqualsProto(expected));
}

TEST_F(Transcode, QueryParametersFillNestedRepeatedEnumAndWellKnownFields) {
  testing::EchoRequest request;
  ASSERT_TRUE(
      Build("GET",
            "/v1/test/echo/hello/items/a/b?nested.note=x+y&nested.counts=1&nested.counts=2&"
            "nested.colour=COLOUR_GREEN&tags=a&tags=b&flag=true&size=7&mask=a.b,c&ratio=0.5",
            "", &request)
          .ok());
  EXPECT_EQ(request.label(), "hello");
  EXPECT_EQ(request.path(), "items/a/b");
  EXPECT_EQ(request.nested().note(), "x y");
  EXPECT_THAT(request.nested().counts(), ElementsAre(1, 2));
  EXPECT_EQ(request.nested().colour(), testing::COLOUR_GREEN);
  EXPECT_THAT(request.tags(), ElementsAre("a", "b"));
  EXPECT_TRUE(request.flag());
  EXPECT_EQ(request.size(), 7);
  EXPECT_THAT(request.mask().paths(), ElementsAre("a.b", "c"));
  EXPECT_EQ(request.ratio(), 0.5);
}

TEST_F(Transcode, BadQueryParametersAreRefusedNamingThem) {
  testing::EchoRequest request;
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?size=big", "", &request)),
              ElementsAre("size"));
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?nested.colour=PURPLE", "", &request)),
              ElementsAre("nested.colour"));
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?nested.nope=1", "", &request)),
              ElementsAre("nested.nope"));
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?label=y", "", &request)),
              ElementsAre("label"));
  v1::SearchStructuresRequest search;
  EXPECT_THAT(Fields(Build("POST", "/v1/structures:search?query=x", R"({})", &search)),
              ElementsAre("query"));
}

TEST_F(Transcode, TextThatIsNotUtf8IsRefusedNamingItsFieldWhereverItComesFrom) {
  // A string field holds UTF-8 only: the node could not parse a request carrying other bytes.
  testing::EchoRequest request;
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?nested.note=caf%E9", "", &request)),
              ElementsAre("nested.note"));
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/x/items/a?tags=ok&tags=%ED%A0%80", "", &request)),
              ElementsAre("tags"))
      << "an encoded surrogate is no character";
  EXPECT_THAT(Fields(Build("GET", "/v1/test/echo/%C0%AF/items/a", "", &request)),
              ElementsAre("label"))
      << "nor is an overlong form";
  request.Clear();
  ASSERT_TRUE(
      Build("GET", "/v1/test/echo/%C3%A9t%C3%A9/items/a?nested.note=%F0%9F%9A%B2", "", &request)
          .ok());
  EXPECT_EQ(request.label(), "\u00e9t\u00e9");
  EXPECT_EQ(request.nested().note(), "\U0001F6B2");
}

TEST_F(Transcode, MalformedJsonIsRefusedAsTheBody) {
  v1::CreateStructureRequest request;
  absl::Status status = Build("POST", "/v1/structures", R"({"siret": )", &request);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(status), ElementsAre("body"));
}

TEST_F(Transcode, AnUnknownFieldIsRefusedNamingIt) {
  v1::CreateStructureRequest request;
  EXPECT_THAT(
      Fields(Build("POST", "/v1/structures", R"({"siret":"1","contact":{"fax":"x"}})", &request)),
      ElementsAre("structure.contact.fax"));
  v1::SearchStructuresRequest search;
  EXPECT_THAT(Fields(Build("POST", "/v1/structures:search", R"({"colour":"red"})", &search)),
              ElementsAre("colour"));
}

TEST_F(Transcode, AWrongTypeIsRefusedNamingTheField) {
  v1::CreateStructureRequest request;
  absl::Status status = Build("POST", "/v1/structures", R"({"headcount":"many"})", &request);
  EXPECT_THAT(Fields(status), ElementsAre("structure.headcount"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("many"));
}

TEST_F(Transcode, AMissingBodyIsRefusedAndABodyWhereNoneIsTakenToo) {
  v1::CreateStructureRequest create;
  EXPECT_THAT(Fields(Build("POST", "/v1/structures", "  ", &create)), ElementsAre("body"));
  v1::GetStructureRequest get;
  EXPECT_THAT(Fields(Build("GET", "/v1/structures/1", "{}", &get)), ElementsAre("body"));
}

TEST(Ndjson, BlankLinesAreSkippedAndLinesKeepTheirNumbers) {
  std::vector<NdjsonLine> lines = SplitNdjson("{\"a\":1}\n\n  {\"b\":2}\r\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].number, 1);
  EXPECT_EQ(lines[1].number, 3);
  EXPECT_EQ(lines[1].json, "{\"b\":2}");
}

}  // namespace
}  // namespace passerelle::gateway
