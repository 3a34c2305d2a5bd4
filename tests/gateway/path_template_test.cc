#include "gateway/path_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::gateway {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;

auto Binding(const std::string& path, const std::string& value) {
  return AllOf(Field(&PathBinding::field_path, path), Field(&PathBinding::value, value));
}

PathTemplate Parse(const std::string& text) {
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

TEST(PathTemplate, AVariableWithAPatternCapturesItsSegmentsJoined) {
  std::vector<PathBinding> bindings;
  ASSERT_TRUE(Parse("/v1/{name=structures/*}").Match("/v1/structures/12345678901234", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Binding("name", "structures/12345678901234")));
}

TEST(PathTemplate, ANestedFieldPathIsBound) {
  std::vector<PathBinding> bindings;
  ASSERT_TRUE(Parse("/v1/{structure.name=structures/*}").Match("/v1/structures/1", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Binding("structure.name", "structures/1")));
}

TEST(PathTemplate, ABareVariableTakesOneSegmentAndIsPercentDecoded) {
  std::vector<PathBinding> bindings;
  ASSERT_TRUE(Parse("/v1/feeds/{feed}").Match("/v1/feeds/a%20b%2Fc", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Binding("feed", "a b/c")));
  EXPECT_FALSE(Parse("/v1/feeds/{feed}").Match("/v1/feeds/a/b", &bindings));
}

TEST(PathTemplate, DoubleStarTakesTheRestOfThePath) {
  std::vector<PathBinding> bindings;
  ASSERT_TRUE(Parse("/v1/echo/{label}/{path=items/**}").Match("/v1/echo/x/items/a/b/c", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Binding("label", "x"), Binding("path", "items/a/b/c")));
}

TEST(PathTemplate, AVerbMustBePresentAndIsNotPartOfTheLastSegment) {
  PathTemplate search = Parse("/v1/structures:search");
  EXPECT_TRUE(search.Match("/v1/structures:search", nullptr));
  EXPECT_FALSE(search.Match("/v1/structures", nullptr));
  EXPECT_FALSE(search.Match("/v1/structures:import", nullptr));
  EXPECT_FALSE(Parse("/v1/structures").Match("/v1/structures:search", nullptr));
  std::vector<PathBinding> bindings;
  ASSERT_TRUE(Parse("/v1/feeds/{feed}:watch").Match("/v1/feeds/news:watch", &bindings));
  EXPECT_THAT(bindings, ElementsAre(Binding("feed", "news")));
}

TEST(PathTemplate, LiteralsAndSegmentCountsMustMatchExactly) {
  PathTemplate get = Parse("/v1/{name=structures/*}");
  EXPECT_FALSE(get.Match("/v1/buyers/x", nullptr));
  EXPECT_FALSE(get.Match("/v1/structures", nullptr));
  EXPECT_FALSE(get.Match("/v1/structures/", nullptr));
  EXPECT_FALSE(get.Match("/v1/structures/x/y", nullptr));
  EXPECT_FALSE(get.Match("/v2/structures/x", nullptr));
}

TEST(PathTemplate, MalformedTemplatesAreRefusedWithTheReason) {
  for (const char* bad :
       {"v1/x", "/v1//x", "/v1/{name", "/v1/{a={b}}", "/v1/**/x", "/v1/x/", "/v1/x:", "/v1/{=x}"}) {
    EXPECT_FALSE(PathTemplate::Parse(bad).ok()) << bad;
  }
}

TEST(PathTemplate, OpenApiFormMakesEachWildcardAOneSegmentParameter) {
  std::vector<std::string> parameters;
  EXPECT_EQ(Parse("/v1/{structure.name=structures/*}").OpenApiPath(&parameters),
            "/v1/structures/{structure.name}");
  EXPECT_EQ(Parse("/v1/feeds/{feed}:watch").OpenApiPath(&parameters), "/v1/feeds/{feed}:watch");
  EXPECT_EQ(Parse("/v1/{name=a/*/b/*}").OpenApiPath(&parameters), "/v1/a/{name_1}/b/{name_2}");
  EXPECT_THAT(parameters, ElementsAre("structure.name", "feed", "name_1", "name_2"));
}

TEST(PathTemplate, MatchingPrefixCountsTheLeadingSegmentsAccepted) {
  EXPECT_EQ(Parse("/v1/{name=structures/*}").MatchingPrefix("/v1/structures"), 2);
  EXPECT_EQ(Parse("/v1/buyers").MatchingPrefix("/v1/structures"), 1);
  EXPECT_EQ(Parse("/v1/buyers").MatchingPrefix("/v2"), 0);
}

}  // namespace
}  // namespace passerelle::gateway
