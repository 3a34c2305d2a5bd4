// RegistryService listing and search through a real in-process node: page sizes, page tokens,
// paging through everything while the registry changes, and every search filter.

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::HasCode;
using testing::ImportRows;
using ::testing::IsEmpty;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::MinimalStructure;
using testing::RegistryClient;
using ::testing::SizeIs;
using testing::TestNode;
using testing::TestSiret;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Sirets(const std::vector<int>& numbers) {
  std::vector<std::string> sirets;
  for (int n : numbers) sirets.push_back(TestSiret(n));
  return sirets;
}

class RegistryListingTest : public ::testing::Test {
 protected:
  // Registers MinimalStructure(TestSiret(n)) for each n, in one import.
  void ImportNumbered(const std::vector<int>& numbers) const {
    std::vector<v1::Structure> structures;
    for (int n : numbers) structures.push_back(MinimalStructure(TestSiret(n)));
    testing::Reply<v1::ImportStructuresResponse> imported =
        registry_.ImportStructures(ImportRows(structures));
    ASSERT_THAT(imported.status, IsOk());
    ASSERT_EQ(imported.response.created(), static_cast<int64_t>(numbers.size()));
  }

  TestNode node_;
  RegistryClient registry_{node_};
};

// --- ListStructures
// ----------------------------------------------------------------------------------

class ListStructuresTest : public RegistryListingTest {};

TEST_F(ListStructuresTest, AnEmptyRegistryListsNothingAndNoNextPage) {
  testing::Reply<v1::ListStructuresResponse> page = registry_.ListStructures(0);
  ASSERT_THAT(page.status, IsOk());
  EXPECT_THAT(page.response.structures(), IsEmpty());
  EXPECT_EQ(page.response.next_page_token(), "");
}

TEST_F(ListStructuresTest, PageSizeZeroGivesPagesOfFifty) {
  std::vector<int> numbers;
  for (int n = 1; n <= 51; ++n) numbers.push_back(n);
  ImportNumbered(numbers);

  testing::Reply<v1::ListStructuresResponse> first = registry_.ListStructures(0);
  ASSERT_THAT(first.status, IsOk());
  EXPECT_THAT(first.response.structures(), SizeIs(50));
  ASSERT_NE(first.response.next_page_token(), "");
  testing::Reply<v1::ListStructuresResponse> second =
      registry_.ListStructures(0, first.response.next_page_token());
  ASSERT_THAT(second.status, IsOk());
  ASSERT_THAT(second.response.structures(), SizeIs(1));
  EXPECT_EQ(second.response.structures(0).siret(), TestSiret(51));
  EXPECT_EQ(second.response.next_page_token(), "");
}

TEST_F(ListStructuresTest, APageSizeOfExactlyTheMaximumIsAccepted) {
  ImportNumbered({1, 2});
  testing::Reply<v1::ListStructuresResponse> page = registry_.ListStructures(1000);
  ASSERT_THAT(page.status, IsOk());
  EXPECT_THAT(page.response.structures(), SizeIs(2));
}

TEST_F(ListStructuresTest, ANegativeOrTooLargePageSizeIsInvalidArgumentOnPageSize) {
  ImportNumbered({1});
  for (int32_t size : {-1, -1000, 1001, 1 << 30}) {
    EXPECT_THAT(registry_.ListStructures(size).status,
                IsInvalidArgumentOn(ElementsAre("page_size")))
        << "page_size " << size;
  }
}

TEST_F(ListStructuresTest, AMalformedOrForeignPageTokenIsInvalidArgumentOnPageToken) {
  ImportNumbered({1, 2, 3});
  testing::Reply<v1::ListStructuresResponse> page = registry_.ListStructures(1);
  ASSERT_THAT(page.status, IsOk());
  const std::string good = page.response.next_page_token();
  ASSERT_NE(good, "");

  v1::Buyer buyer;
  buyer.set_display_name("Acheteur");
  buyer.set_kind(v1::BUYER_KIND_PUBLIC_BODY);
  for (const char* id : {"buyer-a", "buyer-b"}) {
    buyer.set_buyer_id(id);
    ASSERT_THAT(registry_.CreateBuyer(buyer).status, IsOk());
  }
  const std::string buyers_token = registry_.ListBuyers(1).response.next_page_token();
  ASSERT_NE(buyers_token, "");
  v1::SearchStructuresRequest search;
  search.set_page_size(1);
  const std::string search_token = registry_.SearchStructures(search).response.next_page_token();
  ASSERT_NE(search_token, "");

  for (const std::string& token :
       std::vector<std::string>{std::string("not a token!"), std::string("AAAA"),
                                "x" + good.substr(1), buyers_token, search_token}) {
    EXPECT_THAT(registry_.ListStructures(1, token).status,
                IsInvalidArgumentOn(ElementsAre("page_token")))
        << "token '" << token << "'";
  }
}

TEST_F(ListStructuresTest, PagingReturnsEveryStructureExactlyOnceInSiretOrder) {
  std::vector<int> numbers;
  for (int n = 1; n <= 23; ++n) numbers.push_back(n * 7);
  ImportNumbered(numbers);

  std::vector<std::string> listed;
  int pages = 0;
  std::string token;
  do {
    testing::Reply<v1::ListStructuresResponse> page = registry_.ListStructures(5, token);
    ASSERT_THAT(page.status, IsOk());
    EXPECT_LE(page.response.structures_size(), 5);
    for (const v1::Structure& s : page.response.structures()) listed.push_back(s.siret());
    token = page.response.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 100);

  EXPECT_EQ(pages, 5);
  EXPECT_THAT(listed, ElementsAreArray(Sirets(numbers)));
}

TEST_F(ListStructuresTest, ChangesBetweenPagesNeverRepeatOrSkipTheStructuresThatStayed) {
  ImportNumbered({10, 20, 30, 40, 50, 60, 70, 80, 90});
  testing::Reply<v1::ListStructuresResponse> first = registry_.ListStructures(3);
  ASSERT_THAT(first.status, IsOk());
  std::vector<std::string> listed;
  for (const v1::Structure& s : first.response.structures()) listed.push_back(s.siret());
  ASSERT_THAT(listed, ElementsAreArray(Sirets({10, 20, 30})));

  // Between pages: delete two listed records (offsets would then skip), one not yet listed, and
  // insert before the cursor (offsets would then repeat) and after it.
  for (int n : {20, 30, 60})
    ASSERT_THAT(registry_.DeleteStructure("structures/" + TestSiret(n)), IsOk());
  ImportNumbered({5, 15, 35, 65});

  std::string token = first.response.next_page_token();
  for (int pages = 0; !token.empty() && pages < 100; ++pages) {
    testing::Reply<v1::ListStructuresResponse> page = registry_.ListStructures(3, token);
    ASSERT_THAT(page.status, IsOk());
    for (const v1::Structure& s : page.response.structures()) listed.push_back(s.siret());
    token = page.response.next_page_token();
  }

  std::map<std::string, int> times_listed;
  for (const std::string& siret : listed) ++times_listed[siret];
  for (const auto& [siret, times] : times_listed) EXPECT_EQ(times, 1) << siret << " listed twice";
  for (int n : {10, 40, 50, 70, 80, 90}) {
    EXPECT_EQ(times_listed[TestSiret(n)], 1) << TestSiret(n) << " (" << n << ") was skipped";
  }
  EXPECT_EQ(times_listed.count(TestSiret(60)), 0u)
      << "a structure deleted before its page was listed";
}

// --- SearchStructures
// --------------------------------------------------------------------------------

// Four structures that differ on every filter:
//   1 Régie de quartier     waste            93      4521   ACI    TPE    SSE
//   2 Traiteur solidaire    catering         75      55     EA     PME    ESUS approved
//   3 Bâtiment durable      waste, mobility  93, 94  45     (none) PME    not SSE
//   4 Mobilité verte        mobility         2A      60112  none   large  SSE
void RegisterSearchCorpus(const RegistryClient& registry) {
  v1::Structure regie = MinimalStructure(TestSiret(1), "Régie de quartier");
  regie.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  regie.add_departments("93");
  regie.add_cpv_prefixes("4521");
  regie.set_inclusion_kind(v1::INCLUSION_KIND_ACI);
  regie.set_size_class(v1::SIZE_CLASS_TPE);
  regie.set_sse_status(v1::SSE_STATUS_SSE);

  v1::Structure traiteur = MinimalStructure(TestSiret(2), "Traiteur solidaire");
  traiteur.add_themes(v1::THEME_SOLIDARITY_CATERING);
  traiteur.add_departments("75");
  traiteur.add_cpv_prefixes("55");
  traiteur.set_inclusion_kind(v1::INCLUSION_KIND_EA);
  traiteur.set_size_class(v1::SIZE_CLASS_PME);
  traiteur.set_sse_status(v1::SSE_STATUS_ESUS_APPROVED);
  traiteur.add_solutions()->set_title("Repas de quartier");

  v1::Structure batiment = MinimalStructure(TestSiret(3), "Bâtiment durable");
  batiment.set_legal_form(v1::LEGAL_FORM_COMMERCIAL_COMPANY);
  batiment.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  batiment.add_themes(v1::THEME_GREEN_MOBILITY);
  batiment.add_departments("93");
  batiment.add_departments("94");
  batiment.add_cpv_prefixes("45");
  batiment.set_size_class(v1::SIZE_CLASS_PME);
  batiment.set_sse_status(v1::SSE_STATUS_NOT_SSE);
  batiment.set_description("Rénovation énergétique");

  v1::Structure mobilite = MinimalStructure(TestSiret(4), "Mobilité verte");
  mobilite.add_themes(v1::THEME_GREEN_MOBILITY);
  mobilite.add_departments("2A");
  mobilite.add_cpv_prefixes("60112");
  mobilite.set_inclusion_kind(v1::INCLUSION_KIND_NONE);
  mobilite.set_size_class(v1::SIZE_CLASS_LARGE);
  mobilite.set_sse_status(v1::SSE_STATUS_SSE);
  mobilite.set_description("Navettes électriques et insertion");

  for (const v1::Structure& s : {regie, traiteur, batiment, mobilite}) {
    ASSERT_THAT(registry.CreateStructure(s).status, IsOk());
  }
}

// Searches only read, so the tests of this suite share one node holding the corpus (starting one
// per test would dominate the run time). Tests that write use SearchPagingTest.
class SearchStructuresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = new TestNode();
    RegisterSearchCorpus(RegistryClient(*node_));
  }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  // The SIRETs (in order) matched by `request`, fetched in pages of one, which also exercises
  // paging.
  std::vector<std::string> Matches(v1::SearchStructuresRequest request) const {
    request.set_page_size(1);
    return registry_.SearchAllSirets(request);
  }

  static TestNode* node_;
  RegistryClient registry_{*node_};
};

TestNode* SearchStructuresTest::node_ = nullptr;

TEST_F(SearchStructuresTest, NoFilterFindsEveryStructure) {
  EXPECT_THAT(Matches({}), ElementsAreArray(Sirets({1, 2, 3, 4})));
}

TEST_F(SearchStructuresTest, FiltersByTheme) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 3})));
  request.set_themes(0, v1::THEME_ACCESSIBILITY_DISABILITY);
  EXPECT_THAT(Matches(request), IsEmpty());
}

TEST_F(SearchStructuresTest, FiltersByDepartment) {
  v1::SearchStructuresRequest request;
  request.add_departments("93");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 3})));
  request.set_departments(0, "2A");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({4})));
}

TEST_F(SearchStructuresTest, SeveralValuesOfOneFilterAreAlternatives) {
  v1::SearchStructuresRequest request;
  request.add_departments("75");
  request.add_departments("2A");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({2, 4})));
}

TEST_F(SearchStructuresTest, ACpvPrefixMatchesSectorsUnderItAndSectorsAboveIt) {
  v1::SearchStructuresRequest request;
  request.add_cpv_prefixes("45");  // the Régie's 4521 is under it; the Bâtiment's 45 is it
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 3})));
  request.set_cpv_prefixes(0, "452110");  // both 4521 and 45 are above it
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 3})));
  request.set_cpv_prefixes(0, "4522");  // only 45 is above it
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({3})));
  request.set_cpv_prefixes(0, "60");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({4})));
}

TEST_F(SearchStructuresTest, FiltersByInclusionKindCountingUnspecifiedAsNone) {
  v1::SearchStructuresRequest request;
  request.add_inclusion_kinds(v1::INCLUSION_KIND_ACI);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1})));
  request.set_inclusion_kinds(0, v1::INCLUSION_KIND_EA);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({2})));
  request.set_inclusion_kinds(0, v1::INCLUSION_KIND_NONE);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({3, 4})));
}

TEST_F(SearchStructuresTest, FiltersBySizeClass) {
  v1::SearchStructuresRequest request;
  request.add_size_classes(v1::SIZE_CLASS_PME);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({2, 3})));
  request.set_size_classes(0, v1::SIZE_CLASS_LARGE);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({4})));
}

TEST_F(SearchStructuresTest, FiltersBySseStatus) {
  v1::SearchStructuresRequest request;
  request.add_sse_statuses(v1::SSE_STATUS_SSE);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 4})));
  request.add_sse_statuses(v1::SSE_STATUS_ESUS_APPROVED);
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 2, 4})));
}

TEST_F(SearchStructuresTest, TwoFiltersIntersect) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  request.add_departments("94");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({3})));

  v1::SearchStructuresRequest disjoint;
  disjoint.add_themes(v1::THEME_GREEN_MOBILITY);
  disjoint.add_sse_statuses(v1::SSE_STATUS_ESUS_APPROVED);
  EXPECT_THAT(Matches(disjoint), IsEmpty());
}

TEST_F(SearchStructuresTest, QueryWordsMatchWordPrefixesWithAccentsFolded) {
  v1::SearchStructuresRequest request;
  request.set_query("régi");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1})));
  request.set_query("BATIM");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({3})));
  request.set_query("renov");  // in the description
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({3})));
  request.set_query("repas");  // in a solution's title
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({2})));
  request.set_query("quartier");  // a name and a solution
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({1, 2})));
  request.set_query("uartier");  // not a prefix of any word
  EXPECT_THAT(Matches(request), IsEmpty());
}

TEST_F(SearchStructuresTest, EveryQueryWordMustMatch) {
  v1::SearchStructuresRequest request;
  request.set_query("mobilite insertion");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({4})));
  request.set_query("mobilite traiteur");
  EXPECT_THAT(Matches(request), IsEmpty());
}

TEST_F(SearchStructuresTest, AQueryIntersectsWithFilters) {
  v1::SearchStructuresRequest request;
  request.set_query("quartier");
  request.add_departments("75");
  EXPECT_THAT(Matches(request), ElementsAreArray(Sirets({2})));
}

class SearchPagingTest : public RegistryListingTest {
 protected:
  void SetUp() override { RegisterSearchCorpus(registry_); }
};

TEST_F(SearchPagingTest, PagingThroughResultsReturnsEachMatchOnceAndEndsWithNoToken) {
  std::vector<int> more;
  for (int n = 10; n < 32; ++n) more.push_back(n);
  ImportNumbered(more);  // none in a department: the department filter must keep them out

  v1::SearchStructuresRequest everything;
  everything.set_page_size(7);
  EXPECT_THAT(registry_.SearchAllSirets(everything), SizeIs(26));

  v1::SearchStructuresRequest in_93;
  in_93.add_departments("93");
  in_93.set_page_size(1);
  testing::Reply<v1::SearchStructuresResponse> first = registry_.SearchStructures(in_93);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_THAT(first.response.structures(), SizeIs(1));
  EXPECT_EQ(first.response.structures(0).siret(), TestSiret(1));
  in_93.set_page_token(first.response.next_page_token());
  testing::Reply<v1::SearchStructuresResponse> second = registry_.SearchStructures(in_93);
  ASSERT_THAT(second.status, IsOk());
  ASSERT_THAT(second.response.structures(), SizeIs(1));
  EXPECT_EQ(second.response.structures(0).siret(), TestSiret(3));
  EXPECT_EQ(second.response.next_page_token(), "");
}

TEST_F(SearchStructuresTest, APageTokenFromAnotherQueryIsInvalidArgumentOnPageToken) {
  v1::SearchStructuresRequest in_93;
  in_93.add_departments("93");
  in_93.set_page_size(1);
  testing::Reply<v1::SearchStructuresResponse> first = registry_.SearchStructures(in_93);
  ASSERT_THAT(first.status, IsOk());
  ASSERT_NE(first.response.next_page_token(), "");

  v1::SearchStructuresRequest in_94;
  in_94.add_departments("94");
  in_94.set_page_size(1);
  in_94.set_page_token(first.response.next_page_token());
  EXPECT_THAT(registry_.SearchStructures(in_94).status,
              IsInvalidArgumentOn(ElementsAre("page_token")));

  v1::SearchStructuresRequest listing_token;
  listing_token.set_page_token(registry_.ListStructures(1).response.next_page_token());
  ASSERT_NE(listing_token.page_token(), "");
  EXPECT_THAT(registry_.SearchStructures(listing_token).status,
              IsInvalidArgumentOn(ElementsAre("page_token")));

  // The same filters with another page size are the same query.
  in_93.set_page_size(2);
  in_93.set_page_token(first.response.next_page_token());
  testing::Reply<v1::SearchStructuresResponse> resumed = registry_.SearchStructures(in_93);
  ASSERT_THAT(resumed.status, IsOk());
  ASSERT_THAT(resumed.response.structures(), SizeIs(1));
  EXPECT_EQ(resumed.response.structures(0).siret(), TestSiret(3));
}

TEST_F(SearchStructuresTest, BadFilterValuesAreInvalidArgumentNamingEach) {
  v1::SearchStructuresRequest request;
  request.add_themes(v1::THEME_UNSPECIFIED);
  request.add_themes(static_cast<v1::Theme>(99));
  request.add_departments("93");
  request.add_departments("20");
  request.add_cpv_prefixes("4");
  request.add_inclusion_kinds(static_cast<v1::InclusionKind>(77));
  request.add_size_classes(v1::SIZE_CLASS_UNSPECIFIED);
  request.add_sse_statuses(static_cast<v1::SseStatus>(-1));
  EXPECT_THAT(registry_.SearchStructures(request).status,
              IsInvalidArgumentOn(UnorderedElementsAre("themes[0]", "themes[1]", "departments[1]",
                                                       "cpv_prefixes[0]", "inclusion_kinds[0]",
                                                       "size_classes[0]", "sse_statuses[0]")));
}

TEST_F(SearchStructuresTest, AnOutOfRangePageSizeIsInvalidArgumentOnPageSize) {
  for (int32_t size : {-1, 1001}) {
    v1::SearchStructuresRequest request;
    request.set_page_size(size);
    EXPECT_THAT(registry_.SearchStructures(request).status,
                IsInvalidArgumentOn(ElementsAre("page_size")))
        << "page_size " << size;
  }
}

TEST_F(SearchStructuresTest, AMalformedPageTokenIsInvalidArgumentOnPageToken) {
  v1::SearchStructuresRequest request;
  request.set_page_token("garbage");
  EXPECT_THAT(registry_.SearchStructures(request).status,
              IsInvalidArgumentOn(ElementsAre("page_token")));
}

}  // namespace
}  // namespace passerelle
