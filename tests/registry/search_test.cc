#include "registry_svc/search.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry_svc/rules.h"
#include "registry_svc/siret.h"
#include "store/store.h"
#include "tests/support/test_node.h"

namespace passerelle::registry {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

struct Sample {
  std::string label;  // what the test calls it; the store knows it by SIRET
  std::string display_name;
  std::vector<v1::Theme> themes;
  std::vector<std::string> departments;
  std::vector<std::string> cpv_prefixes;
  v1::InclusionKind inclusion_kind;
  v1::SizeClass size_class;
  v1::SseStatus sse_status;
};

// A real store holding a handful of structures, indexed exactly as the registry indexes them.
class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.path() + "/db";
    options.partner_id = "les-canaux";
    options.kinds = {"structure"};
    options.block_cache_bytes = 1 << 20;
    options.write_buffer_bytes = 1 << 20;
    auto opened = store::Store::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);

    const std::vector<Sample> samples = {
        {"regie",
         "Régie de quartier Économie solidaire",
         {v1::THEME_INSERTION_EMPLOYMENT, v1::THEME_CONSTRUCTION_WASTE},
         {"93"},
         {"45"},
         v1::INCLUSION_KIND_EI,
         v1::SIZE_CLASS_TPE,
         v1::SSE_STATUS_SSE},
        {"ecole",
         "École du bâtiment",
         {v1::THEME_CONSTRUCTION_WASTE},
         {"75", "93"},
         {"4521"},
         v1::INCLUSION_KIND_UNSPECIFIED,
         v1::SIZE_CLASS_PME,
         v1::SSE_STATUS_SSE},
        {"traiteur",
         "Traiteur solidaire",
         {v1::THEME_SOLIDARITY_CATERING},
         {"75"},
         {"5552"},
         v1::INCLUSION_KIND_ESAT,
         v1::SIZE_CLASS_PME,
         v1::SSE_STATUS_ESUS_APPROVED},
        {"mobilite",
         "Mobilité verte",
         {v1::THEME_GREEN_MOBILITY},
         {"2A"},
         {"60"},
         v1::INCLUSION_KIND_ACI,
         v1::SIZE_CLASS_TPE,
         v1::SSE_STATUS_NOT_SSE},
        {"construction",
         "Construction durable",
         {v1::THEME_CONSTRUCTION_WASTE},
         {"94"},
         {"452"},
         v1::INCLUSION_KIND_NONE,
         v1::SIZE_CLASS_LARGE,
         v1::SSE_STATUS_NOT_SSE},
    };
    int n = 0;
    for (const Sample& sample : samples) {
      std::string first13 = absl::StrCat("1000000000", 100 + n++);
      v1::Structure s;
      s.set_siret(first13 + LuhnCheckDigit(first13));
      s.set_display_name(sample.display_name);
      for (v1::Theme t : sample.themes) s.add_themes(t);
      for (const std::string& d : sample.departments) s.add_departments(d);
      for (const std::string& c : sample.cpv_prefixes) s.add_cpv_prefixes(c);
      s.set_inclusion_kind(sample.inclusion_kind);
      s.set_size_class(sample.size_class);
      s.set_sse_status(sample.sse_status);
      label_of_[s.siret()] = sample.label;
      auto written = store_->Write(
          "structure", s.siret(), [&](const std::optional<std::string>&, const v1::Version&) {
            return absl::StatusOr<store::RecordWrite>(
                store::RecordWrite{s.SerializeAsString(), {}, IndexTerms(s)});
          });
      ASSERT_TRUE(written.ok()) << written.status();
    }
  }

  // The labels of the structures the request matches, in SIRET order.
  std::vector<std::string> Search(const v1::SearchStructuresRequest& request) {
    auto view = store_->Read();
    auto cursor = PlanStructureSearch(*view, request);
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    std::vector<std::string> labels;
    if (!cursor.ok()) return labels;
    for (; (*cursor)->Valid(); (*cursor)->Next())
      labels.push_back(label_of_.at(std::string((*cursor)->id())));
    return labels;
  }

  std::vector<std::string> Query(absl::string_view query) {
    v1::SearchStructuresRequest request;
    request.set_query(std::string(query));
    return Search(request);
  }

  std::vector<std::string> Cpv(std::vector<std::string> prefixes) {
    v1::SearchStructuresRequest request;
    for (const std::string& p : prefixes) request.add_cpv_prefixes(p);
    return Search(request);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::string> label_of_;
};

TEST_F(SearchTest, NoFilterMatchesEveryStructure) {
  EXPECT_THAT(Search({}),
              UnorderedElementsAre("regie", "ecole", "traiteur", "mobilite", "construction"));
}

TEST_F(SearchTest, TwoFiltersIntersect) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  request.add_departments("93");
  EXPECT_THAT(Search(request), UnorderedElementsAre("regie", "ecole"));
}

TEST_F(SearchTest, ValuesWithinOneFilterUnion) {
  v1::SearchStructuresRequest request;
  request.add_departments("93");
  request.add_departments("2A");
  EXPECT_THAT(Search(request), UnorderedElementsAre("regie", "ecole", "mobilite"));
}

TEST_F(SearchTest, UnionsWithinFiltersIntersectAcrossThem) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  request.add_themes(v1::THEME_SOLIDARITY_CATERING);
  request.add_departments("75");
  request.add_departments("94");
  EXPECT_THAT(Search(request), UnorderedElementsAre("ecole", "traiteur", "construction"));
}

TEST_F(SearchTest, EnumFiltersMatchTheirValues) {
  v1::SearchStructuresRequest by_size;
  by_size.add_size_classes(v1::SIZE_CLASS_TPE);
  EXPECT_THAT(Search(by_size), UnorderedElementsAre("regie", "mobilite"));

  v1::SearchStructuresRequest by_status;
  by_status.add_sse_statuses(v1::SSE_STATUS_ESUS_APPROVED);
  EXPECT_THAT(Search(by_status), UnorderedElementsAre("traiteur"));

  // A structure that gave no inclusion kind counts as "none".
  v1::SearchStructuresRequest by_inclusion;
  by_inclusion.add_inclusion_kinds(v1::INCLUSION_KIND_NONE);
  EXPECT_THAT(Search(by_inclusion), UnorderedElementsAre("ecole", "construction"));
}

TEST_F(SearchTest, QueryWordsMatchIndexedWordsByPrefix) {
  EXPECT_THAT(Query("eco"), UnorderedElementsAre("regie", "ecole"));  // économie, école
  EXPECT_THAT(Query("solid"), UnorderedElementsAre("regie", "traiteur"));
  EXPECT_THAT(Query("mobilite"), UnorderedElementsAre("mobilite"));
  EXPECT_THAT(Query("zebre"), IsEmpty());
}

TEST_F(SearchTest, QueryFoldsAccentsAndCaseLikeTheIndex) {
  EXPECT_THAT(Query("ÉCOLE"), UnorderedElementsAre("ecole"));
  EXPECT_THAT(Query("Mobilité"), UnorderedElementsAre("mobilite"));
}

TEST_F(SearchTest, EveryQueryWordMustMatch) {
  EXPECT_THAT(Query("eco solid"), UnorderedElementsAre("regie"));
  EXPECT_THAT(Query("ecole solidaire"), IsEmpty());
}

TEST_F(SearchTest, AQueryWithNoSearchableWordIsRefusedRatherThanMatchingEverything) {
  for (const std::string& query : std::vector<std::string>{"a", std::string(65, 'x'), "é b"}) {
    v1::SearchStructuresRequest request;
    request.set_query(query);
    auto view = store_->Read();
    auto cursor = PlanStructureSearch(*view, request);
    ASSERT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument) << query;
    EXPECT_EQ(common::ViolationsOf(cursor.status()).front().field, "query");
  }
  EXPECT_THAT(Query("  "), SizeIs(5));  // blank: no text filter at all
}

TEST_F(SearchTest, QueryIntersectsWithOtherFilters) {
  v1::SearchStructuresRequest request;
  request.set_query("eco");
  request.add_departments("75");
  EXPECT_THAT(Search(request), UnorderedElementsAre("ecole"));
}

TEST_F(SearchTest, CpvPrefixMatchesSectorsAboveAndBelowIt) {
  // Sectors: regie 45, ecole 4521, construction 452, traiteur 5552, mobilite 60.
  EXPECT_THAT(Cpv({"45"}), UnorderedElementsAre("regie", "ecole", "construction"));
  EXPECT_THAT(Cpv({"452"}), UnorderedElementsAre("regie", "ecole", "construction"));
  EXPECT_THAT(Cpv({"4521"}), UnorderedElementsAre("regie", "ecole", "construction"));
  EXPECT_THAT(Cpv({"45211000"}), UnorderedElementsAre("regie", "ecole", "construction"));
  EXPECT_THAT(Cpv({"4522"}), UnorderedElementsAre("regie", "construction"));
  EXPECT_THAT(Cpv({"46"}), IsEmpty());
  EXPECT_THAT(Cpv({"5552", "60"}), UnorderedElementsAre("traiteur", "mobilite"));
}

TEST_F(SearchTest, InvalidFiltersAreEachReportedByField) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_GREEN_MOBILITY);
  request.add_themes(static_cast<v1::Theme>(99));
  request.add_departments("96");
  request.add_departments("2C");
  request.add_cpv_prefixes("4");
  request.add_size_classes(v1::SIZE_CLASS_UNSPECIFIED);
  auto view = store_->Read();
  auto cursor = PlanStructureSearch(*view, request);
  ASSERT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : common::ViolationsOf(cursor.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, UnorderedElementsAre("themes[1]", "departments[0]", "departments[1]",
                                           "cpv_prefixes[0]", "size_classes[0]"));
}

TEST_F(SearchTest, FingerprintDiffersWhenAFilterDiffers) {
  v1::SearchStructuresRequest base;
  base.set_query("eco");
  base.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  base.add_departments("93");

  const std::string fingerprint = SearchFingerprint(base);
  std::vector<v1::SearchStructuresRequest> variants(7, base);
  variants[0].set_query("ecol");
  variants[1].add_themes(v1::THEME_GREEN_MOBILITY);
  variants[2].set_departments(0, "94");
  variants[3].add_cpv_prefixes("45");
  variants[4].add_inclusion_kinds(v1::INCLUSION_KIND_EI);
  variants[5].add_size_classes(v1::SIZE_CLASS_TPE);
  variants[6].add_sse_statuses(v1::SSE_STATUS_SSE);
  for (size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(SearchFingerprint(variants[i]), fingerprint) << "variant " << i;
  }
}

TEST_F(SearchTest, FingerprintIgnoresPaging) {
  v1::SearchStructuresRequest request;
  request.set_query("eco");
  v1::SearchStructuresRequest paged = request;
  paged.set_page_size(10);
  paged.set_page_token("opaque");
  EXPECT_EQ(SearchFingerprint(paged), SearchFingerprint(request));
}

}  // namespace
}  // namespace passerelle::registry
