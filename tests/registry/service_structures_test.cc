// RegistryService structure RPCs (create, get, update, delete) through a real in-process node: the
// happy paths and every error class the API promises, read back as a gRPC client sees them.

#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/completion_queue.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/support/proto_matchers.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using testing::EqualsProto;
using testing::HasCode;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::MinimalStructure;
using testing::RegistryClient;
using testing::TestNode;
using testing::TestSiret;
using ::testing::UnorderedElementsAre;

// A structure with most fields set, so that tests can tell which ones an update touched.
v1::Structure FullStructure(const std::string& siret) {
  v1::Structure s = MinimalStructure(siret, "Régie de quartier Saint-Denis");
  s.set_legal_form(v1::LEGAL_FORM_SCIC);
  s.set_inclusion_kind(v1::INCLUSION_KIND_ACI);
  s.set_size_class(v1::SIZE_CLASS_PME);
  s.set_headcount(42);
  s.set_annual_turnover_cents(150'000'000);
  s.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  s.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
  s.add_cpv_prefixes("4521");
  s.add_departments("93");
  s.add_departments("2A");
  s.set_max_contract_cents(50'000'000);
  s.add_certifications("Qualibat");
  s.mutable_contact()->set_email("contact@regie.example");
  s.mutable_contact()->set_phone("+33 1 23 45 67 89");
  s.mutable_contact()->set_website("https://regie.example");
  s.set_description("Chantiers de déconstruction et réemploi des matériaux");
  v1::Solution* solution = s.add_solutions();
  solution->set_title("Tri des déchets de chantier");
  solution->set_theme(v1::THEME_CONSTRUCTION_WASTE);
  return s;
}

// The client-settable part of `s`: what create and update must store as given.
v1::Structure ClientFields(v1::Structure s) {
  s.clear_name();
  s.clear_owner_partner();
  s.clear_create_time();
  s.clear_update_time();
  s.clear_etag();
  s.clear_version();
  return s;
}

class RegistryServiceTest : public ::testing::Test {
 protected:
  // The SIRETs that structures of department `department` are found under.
  std::vector<std::string> SiretsInDepartment(const std::string& department) const {
    v1::SearchStructuresRequest request;
    request.add_departments(department);
    return registry_.SearchAllSirets(request);
  }

  // Creates `s`, failing the test if that fails.
  v1::Structure Create(const v1::Structure& s) const {
    testing::Reply<v1::Structure> created = registry_.CreateStructure(s);
    EXPECT_THAT(created.status, IsOk());
    return created.response;
  }

  TestNode node_;
  RegistryClient registry_{node_};
};

// --- CreateStructure
// ---------------------------------------------------------------------------------

class CreateStructureTest : public RegistryServiceTest {};

TEST_F(CreateStructureTest, ReturnsTheRecordNamedBySiretOwnedByThisNodeWithTimesAndEtag) {
  const v1::Structure input = FullStructure(TestSiret(1));
  testing::Reply<v1::Structure> created = registry_.CreateStructure(input);
  ASSERT_THAT(created.status, IsOk());

  const v1::Structure& s = created.response;
  EXPECT_EQ(s.name(), "structures/" + TestSiret(1));
  EXPECT_EQ(s.owner_partner(), "les-canaux");
  EXPECT_EQ(s.owner_partner(), node_.node().partner_id());
  EXPECT_TRUE(s.has_create_time());
  EXPECT_GT(TimeUtil::TimestampToMilliseconds(s.create_time()), 0);
  EXPECT_THAT(s.update_time(), EqualsProto(s.create_time()));
  EXPECT_FALSE(s.etag().empty());
  EXPECT_EQ(s.version().origin_partner(), "les-canaux");
  EXPECT_THAT(ClientFields(s), EqualsProto(input));
}

TEST_F(CreateStructureTest, GetReturnsExactlyWhatCreateReturned) {
  v1::Structure created = Create(FullStructure(TestSiret(1)));

  testing::Reply<v1::Structure> got = registry_.GetStructure(created.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(created));
}

TEST_F(CreateStructureTest, IgnoresOutputOnlyFieldsTheClientSends) {
  v1::Structure input = MinimalStructure(TestSiret(1));
  input.set_name("structures/" + TestSiret(2));
  input.set_owner_partner("paris-2024");
  input.set_etag("paris-2024-99");
  input.mutable_version()->set_origin_partner("paris-2024");
  *input.mutable_create_time() = TimeUtil::SecondsToTimestamp(1);

  v1::Structure created = Create(input);
  EXPECT_EQ(created.name(), "structures/" + TestSiret(1));
  EXPECT_EQ(created.owner_partner(), "les-canaux");
  EXPECT_NE(created.etag(), "paris-2024-99");
  EXPECT_EQ(created.version().origin_partner(), "les-canaux");
  EXPECT_GT(TimeUtil::TimestampToSeconds(created.create_time()), 1);
  EXPECT_THAT(registry_.GetStructure("structures/" + TestSiret(2)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(CreateStructureTest, AcceptsALaPosteSiretThatPassesTheDigitSumRuleButNotLuhn) {
  // SIREN 356000000; digit sum 15 (a multiple of 5), Luhn sum 35 (not a multiple of 10).
  testing::Reply<v1::Structure> created =
      registry_.CreateStructure(MinimalStructure("35600000000001", "La Poste Bobigny"));
  ASSERT_THAT(created.status, IsOk());
  EXPECT_EQ(created.response.name(), "structures/35600000000001");
}

TEST_F(CreateStructureTest, RefusesALaPosteSiretWhoseDigitSumIsNotAMultipleOfFive) {
  // Passes Luhn, but La Poste's establishments follow the digit-sum rule instead.
  EXPECT_THAT(registry_.CreateStructure(MinimalStructure("35600000000014")).status,
              IsInvalidArgumentOn(ElementsAre("structure.siret")));
}

TEST_F(CreateStructureTest, ASecondStructureWithTheSameSiretIsAlreadyExistsAndLeavesTheFirst) {
  v1::Structure first = Create(MinimalStructure(TestSiret(1), "Première"));

  EXPECT_THAT(registry_.CreateStructure(MinimalStructure(TestSiret(1), "Seconde")).status,
              HasCode(grpc::StatusCode::ALREADY_EXISTS));
  testing::Reply<v1::Structure> got = registry_.GetStructure(first.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(first));
}

TEST_F(CreateStructureTest, NamesEveryBadFieldOfOneRequestAtOnce) {
  v1::Structure s;
  s.set_siret("1234");
  s.set_headcount(-1);
  s.add_departments("93");
  s.add_departments("20");
  s.mutable_contact()->set_email("not an address");

  EXPECT_THAT(registry_.CreateStructure(s).status,
              IsInvalidArgumentOn(UnorderedElementsAre(
                  "structure.siret", "structure.display_name", "structure.legal_form",
                  "structure.sse_status", "structure.size_class", "structure.headcount",
                  "structure.departments[1]", "structure.contact.email")));
}

// One invalid structure and the fields the refusal must name.
struct InvalidCase {
  std::string test_name;
  std::function<void(v1::Structure*)> spoil;  // applied to a valid FullStructure
  std::vector<std::string> fields;
};

void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.test_name; }

// No case writes anything, so the cases share one node (starting one per case would dominate the
// run time): a write leaked by any case also fails every later one.
class InvalidStructureTest : public ::testing::TestWithParam<InvalidCase> {
 protected:
  static void SetUpTestSuite() { node_ = new TestNode(); }
  static void TearDownTestSuite() {
    delete node_;
    node_ = nullptr;
  }

  static TestNode* node_;
  RegistryClient registry_{*node_};
};

TestNode* InvalidStructureTest::node_ = nullptr;

TEST_P(InvalidStructureTest, IsRefusedNamingTheBadFieldsAndWritesNothing) {
  v1::Structure s = FullStructure(TestSiret(7));
  GetParam().spoil(&s);

  grpc::Status status = registry_.CreateStructure(s).status;
  EXPECT_THAT(status, IsInvalidArgumentOn(::testing::UnorderedElementsAreArray(GetParam().fields)));

  if (!s.siret().empty()) {
    grpc::Status get = registry_.GetStructure("structures/" + s.siret()).status;
    // A malformed SIRET may not even make a well-formed name; either way there is no record.
    EXPECT_TRUE(get.error_code() == grpc::StatusCode::NOT_FOUND ||
                get.error_code() == grpc::StatusCode::INVALID_ARGUMENT)
        << testing::Describe(get);
  }
  EXPECT_THAT(registry_.ListAllStructures(100), IsEmpty());
  v1::SearchStructuresRequest everything;
  EXPECT_THAT(registry_.SearchAllSirets(everything), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    CreateStructure, InvalidStructureTest,
    ::testing::Values(
        InvalidCase{"SiretTooShort",
                    [](v1::Structure* s) { s->set_siret("7300000000001"); },
                    {"structure.siret"}},
        InvalidCase{"SiretTooLong",
                    [](v1::Structure* s) { s->set_siret(s->siret() + "0"); },
                    {"structure.siret"}},
        InvalidCase{"SiretWithALetter",
                    [](v1::Structure* s) { s->set_siret("7300000000001A"); },
                    {"structure.siret"}},
        InvalidCase{"SiretFailingLuhn",
                    [](v1::Structure* s) {
                      std::string siret = s->siret();
                      siret.back() =
                          siret.back() == '9' ? '0' : static_cast<char>(siret.back() + 1);
                      s->set_siret(siret);
                    },
                    {"structure.siret"}},
        InvalidCase{
            "MissingSiret", [](v1::Structure* s) { s->clear_siret(); }, {"structure.siret"}},
        InvalidCase{"UnknownLegalForm",
                    [](v1::Structure* s) { s->set_legal_form(static_cast<v1::LegalForm>(99)); },
                    {"structure.legal_form"}},
        InvalidCase{
            "UnknownInclusionKind",
            [](v1::Structure* s) { s->set_inclusion_kind(static_cast<v1::InclusionKind>(42)); },
            {"structure.inclusion_kind"}},
        InvalidCase{"UnknownTheme",
                    [](v1::Structure* s) { s->add_themes(static_cast<v1::Theme>(11)); },
                    {"structure.themes[2]"}},
        InvalidCase{"MissingRequiredFields",
                    [](v1::Structure* s) {
                      s->clear_display_name();
                      s->clear_legal_form();
                      s->clear_sse_status();
                      s->clear_size_class();
                    },
                    {"structure.display_name", "structure.legal_form", "structure.sse_status",
                     "structure.size_class"}},
        InvalidCase{"DepartmentThatNoLongerExists",
                    [](v1::Structure* s) { s->add_departments("20"); },
                    {"structure.departments[2]"}},
        InvalidCase{"DepartmentOutOfRange",
                    [](v1::Structure* s) {
                      s->set_departments(0, "96");
                      s->set_departments(1, "977");
                    },
                    {"structure.departments[0]", "structure.departments[1]"}},
        InvalidCase{"NegativeAmounts",
                    [](v1::Structure* s) {
                      s->set_headcount(-3);
                      s->set_annual_turnover_cents(-1);
                      s->set_max_contract_cents(-100);
                    },
                    {"structure.headcount", "structure.annual_turnover_cents",
                     "structure.max_contract_cents"}},
        InvalidCase{"OversizeName",
                    [](v1::Structure* s) { s->set_display_name(std::string(201, 'x')); },
                    {"structure.display_name"}},
        InvalidCase{"OversizeDescription",
                    [](v1::Structure* s) { s->set_description(std::string(4001, 'x')); },
                    {"structure.description"}},
        InvalidCase{
            "OversizeSolutionTitle",
            [](v1::Structure* s) { s->mutable_solutions(0)->set_title(std::string(201, 'x')); },
            {"structure.solutions[0].title"}},
        InvalidCase{"BadCpvPrefix",
                    [](v1::Structure* s) { s->add_cpv_prefixes("4"); },
                    {"structure.cpv_prefixes[1]"}},
        InvalidCase{"HeadcountTooLargeForTheSizeClass",
                    [](v1::Structure* s) { s->set_headcount(250); },
                    {"structure.size_class"}}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.test_name; });

// --- GetStructure
// ------------------------------------------------------------------------------------

class GetStructureTest : public RegistryServiceTest {};

TEST_F(GetStructureTest, AnUnknownSiretIsNotFound) {
  Create(MinimalStructure(TestSiret(1)));
  EXPECT_THAT(registry_.GetStructure("structures/" + TestSiret(2)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(GetStructureTest, AMalformedNameIsInvalidArgumentOnName) {
  Create(MinimalStructure(TestSiret(1)));
  for (const std::string& name : std::vector<std::string>{
           std::string(), "structures/", "structures", "buyers/" + TestSiret(1), TestSiret(1),
           "structures/" + TestSiret(1) + "/solutions", "Structures/" + TestSiret(1)}) {
    EXPECT_THAT(registry_.GetStructure(name).status, IsInvalidArgumentOn(ElementsAre("name")))
        << "name '" << name << "'";
  }
}

// --- UpdateStructure
// ---------------------------------------------------------------------------------

class UpdateStructureTest : public RegistryServiceTest {};

TEST_F(UpdateStructureTest, ChangesOnlyTheFieldsNamedInTheMask) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(before.name());
  patch.set_display_name("Régie renommée");
  patch.set_headcount(12);
  patch.add_departments("75");
  patch.set_description("ignored: not in the mask");

  testing::Reply<v1::Structure> updated =
      registry_.UpdateStructure(patch, {"display_name", "departments"});
  ASSERT_THAT(updated.status, IsOk());

  v1::Structure expected = ClientFields(before);
  expected.set_display_name("Régie renommée");
  expected.clear_departments();
  expected.add_departments("75");
  EXPECT_THAT(ClientFields(updated.response), EqualsProto(expected));
  testing::Reply<v1::Structure> got = registry_.GetStructure(before.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(updated.response));
}

TEST_F(UpdateStructureTest, ANestedMaskPathChangesOnlyThatSubfield) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(before.name());
  patch.mutable_contact()->set_email("nouveau@regie.example");

  testing::Reply<v1::Structure> updated = registry_.UpdateStructure(patch, {"contact.email"});
  ASSERT_THAT(updated.status, IsOk());
  EXPECT_EQ(updated.response.contact().email(), "nouveau@regie.example");
  EXPECT_EQ(updated.response.contact().phone(), before.contact().phone());
  EXPECT_EQ(updated.response.contact().website(), before.contact().website());
}

TEST_F(UpdateStructureTest, AnEmptyMaskReplacesEveryUpdatableFieldButKeepsSiretOwnerAndCreateTime) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch = MinimalStructure(TestSiret(2), "Tout remplacé");
  patch.set_name(before.name());
  patch.set_legal_form(v1::LEGAL_FORM_SCOP);

  testing::Reply<v1::Structure> updated = registry_.UpdateStructure(patch, {});
  ASSERT_THAT(updated.status, IsOk());

  v1::Structure expected = MinimalStructure(TestSiret(1), "Tout remplacé");
  expected.set_legal_form(v1::LEGAL_FORM_SCOP);
  EXPECT_THAT(ClientFields(updated.response), EqualsProto(expected));
  EXPECT_EQ(updated.response.name(), before.name());
  EXPECT_EQ(updated.response.owner_partner(), before.owner_partner());
  EXPECT_THAT(updated.response.create_time(), EqualsProto(before.create_time()));
}

TEST_F(UpdateStructureTest, AnUnknownOrNonUpdatableMaskPathIsInvalidArgumentOnThatPath) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch = before;
  patch.set_display_name("Changé");
  for (const std::string& path :
       std::vector<std::string>{"no_such_field", "siret", "name", "etag", "owner_partner",
                                "create_time", "contact.fax", "display_name.x"}) {
    EXPECT_THAT(registry_.UpdateStructure(patch, {"display_name", path}).status,
                IsInvalidArgumentOn(ElementsAre("update_mask.paths[1]")))
        << "path '" << path << "'";
  }
  testing::Reply<v1::Structure> got = registry_.GetStructure(before.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(before));
}

TEST_F(UpdateStructureTest, GivesANewEtagAndUpdateTimeAndKeepsCreateTime) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(before.name());
  patch.set_etag(before.etag());
  patch.set_headcount(43);

  testing::Reply<v1::Structure> updated = registry_.UpdateStructure(patch, {"headcount"});
  ASSERT_THAT(updated.status, IsOk());
  EXPECT_NE(updated.response.etag(), before.etag());
  EXPECT_FALSE(updated.response.etag().empty());
  EXPECT_THAT(updated.response.create_time(), EqualsProto(before.create_time()));
  EXPECT_GE(TimeUtil::TimestampToMilliseconds(updated.response.update_time()),
            TimeUtil::TimestampToMilliseconds(before.update_time()));
  EXPECT_GT(updated.response.version().origin_sequence(), before.version().origin_sequence());
}

TEST_F(UpdateStructureTest, AStaleEtagIsAbortedAndTheRecordIsUnchanged) {
  v1::Structure first = Create(FullStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(first.name());
  patch.set_headcount(43);
  testing::Reply<v1::Structure> second = registry_.UpdateStructure(patch, {"headcount"});
  ASSERT_THAT(second.status, IsOk());

  patch.set_etag(first.etag());
  patch.set_headcount(44);
  EXPECT_THAT(registry_.UpdateStructure(patch, {"headcount"}).status,
              HasCode(grpc::StatusCode::ABORTED));
  testing::Reply<v1::Structure> got = registry_.GetStructure(first.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(second.response));
}

TEST_F(UpdateStructureTest, AnUpdateThatBreaksARuleIsRefusedAndChangesNothing) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(before.name());
  patch.add_departments("99");

  EXPECT_THAT(registry_.UpdateStructure(patch, {"display_name", "departments"}).status,
              IsInvalidArgumentOn(
                  UnorderedElementsAre("structure.display_name", "structure.departments[0]")));
  testing::Reply<v1::Structure> got = registry_.GetStructure(before.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(before));
}

TEST_F(UpdateStructureTest, AnUnknownStructureIsNotFound) {
  v1::Structure patch = MinimalStructure(TestSiret(1));
  patch.set_name("structures/" + TestSiret(1));
  EXPECT_THAT(registry_.UpdateStructure(patch, {"display_name"}).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(registry_.GetStructure(patch.name()).status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(UpdateStructureTest, AMalformedOrMissingNameIsInvalidArgumentOnStructureName) {
  Create(MinimalStructure(TestSiret(1)));
  for (const std::string& name :
       std::vector<std::string>{std::string(), TestSiret(1), "buyers/" + TestSiret(1)}) {
    v1::Structure patch = MinimalStructure(TestSiret(1));
    patch.set_name(name);
    EXPECT_THAT(registry_.UpdateStructure(patch, {"display_name"}).status,
                IsInvalidArgumentOn(ElementsAre("structure.name")))
        << "name '" << name << "'";
  }
}

TEST_F(UpdateStructureTest, SearchFindsTheStructureByItsNewDepartmentAndNoLongerByTheOld) {
  v1::Structure before = Create(FullStructure(TestSiret(1)));  // in 93 and 2A
  Create(MinimalStructure(TestSiret(2)));
  ASSERT_THAT(SiretsInDepartment("93"), ElementsAre(TestSiret(1)));

  v1::Structure patch;
  patch.set_name(before.name());
  patch.add_departments("94");
  ASSERT_THAT(registry_.UpdateStructure(patch, {"departments"}).status, IsOk());

  EXPECT_THAT(SiretsInDepartment("94"), ElementsAre(TestSiret(1)));
  EXPECT_THAT(SiretsInDepartment("93"), IsEmpty());
  EXPECT_THAT(SiretsInDepartment("2A"), IsEmpty());
}

TEST_F(UpdateStructureTest, SearchFindsTheStructureByItsNewNameAndNoLongerByTheOld) {
  v1::Structure before = Create(MinimalStructure(TestSiret(1), "Atelier vélo solidaire"));
  v1::Structure patch;
  patch.set_name(before.name());
  patch.set_display_name("Recyclerie du canal");
  ASSERT_THAT(registry_.UpdateStructure(patch, {"display_name"}).status, IsOk());

  v1::SearchStructuresRequest by_new;
  by_new.set_query("recycl");
  EXPECT_THAT(registry_.SearchAllSirets(by_new), ElementsAre(TestSiret(1)));
  v1::SearchStructuresRequest by_old;
  by_old.set_query("velo");
  EXPECT_THAT(registry_.SearchAllSirets(by_old), IsEmpty());
}

// --- DeleteStructure
// ---------------------------------------------------------------------------------

class DeleteStructureTest : public RegistryServiceTest {};

TEST_F(DeleteStructureTest, AnUnknownStructureIsNotFound) {
  EXPECT_THAT(registry_.DeleteStructure("structures/" + TestSiret(1)),
              HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(DeleteStructureTest, AMalformedNameIsInvalidArgumentOnName) {
  v1::Structure s = Create(MinimalStructure(TestSiret(1)));
  for (const std::string& name :
       std::vector<std::string>{std::string(), TestSiret(1), "structures/", s.name() + "/x"}) {
    EXPECT_THAT(registry_.DeleteStructure(name), IsInvalidArgumentOn(ElementsAre("name")))
        << "name '" << name << "'";
  }
  EXPECT_THAT(registry_.GetStructure(s.name()).status, IsOk());
}

TEST_F(DeleteStructureTest, AStaleEtagIsAbortedAndTheStructureStays) {
  v1::Structure first = Create(MinimalStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(first.name());
  patch.set_display_name("Renommée");
  testing::Reply<v1::Structure> second = registry_.UpdateStructure(patch, {"display_name"});
  ASSERT_THAT(second.status, IsOk());

  EXPECT_THAT(registry_.DeleteStructure(first.name(), first.etag()),
              HasCode(grpc::StatusCode::ABORTED));
  testing::Reply<v1::Structure> got = registry_.GetStructure(first.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(second.response));
}

TEST_F(DeleteStructureTest, RemovesTheStructureFromGetListAndSearch) {
  v1::Structure doomed = Create(FullStructure(TestSiret(1)));
  Create(MinimalStructure(TestSiret(2)));

  ASSERT_THAT(registry_.DeleteStructure(doomed.name(), doomed.etag()), IsOk());

  EXPECT_THAT(registry_.GetStructure(doomed.name()).status, HasCode(grpc::StatusCode::NOT_FOUND));
  std::vector<std::string> listed;
  for (const v1::Structure& s : registry_.ListAllStructures(10)) listed.push_back(s.siret());
  EXPECT_THAT(listed, ElementsAre(TestSiret(2)));
  EXPECT_THAT(SiretsInDepartment("93"), IsEmpty());
  v1::SearchStructuresRequest by_word;
  by_word.set_query("deconstruction");
  EXPECT_THAT(registry_.SearchAllSirets(by_word), IsEmpty());
  v1::SearchStructuresRequest everything;
  EXPECT_THAT(registry_.SearchAllSirets(everything), ElementsAre(TestSiret(2)));
  EXPECT_THAT(registry_.DeleteStructure(doomed.name()), HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(DeleteStructureTest, WithoutAnEtagDeletesWhateverVersionIsCurrent) {
  v1::Structure s = Create(MinimalStructure(TestSiret(1)));
  v1::Structure patch;
  patch.set_name(s.name());
  patch.set_headcount(3);
  ASSERT_THAT(registry_.UpdateStructure(patch, {"headcount"}).status, IsOk());

  EXPECT_THAT(registry_.DeleteStructure(s.name()), IsOk());
  EXPECT_THAT(registry_.GetStructure(s.name()).status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(DeleteStructureTest, ADeletedSiretCanBeRegisteredAgainWithAFreshEtag) {
  v1::Structure first = Create(MinimalStructure(TestSiret(1), "Avant"));
  ASSERT_THAT(registry_.DeleteStructure(first.name(), first.etag()), IsOk());

  v1::Structure again = Create(MinimalStructure(TestSiret(1), "Après"));
  EXPECT_NE(again.etag(), first.etag());
  testing::Reply<v1::Structure> got = registry_.GetStructure(first.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_EQ(got.response.display_name(), "Après");
}

// --- Ownership
// ---------------------------------------------------------------------------------------

// A record owned by another partner, without a mesh: les-canaux writes it, then a node of partner
// solideo opens the same data directory. Its store holds les-canaux's record exactly as a replica
// would.
TEST(OwnershipTest, AnotherPartnersStructureCannotBeUpdatedDeletedOrImportedOverHere) {
  TestNode canaux("les-canaux");
  v1::Structure owned =
      RegistryClient(canaux).CreateStructure(FullStructure(TestSiret(1))).response;
  ASSERT_EQ(owned.owner_partner(), "les-canaux");
  canaux.Stop();

  v1::NodeConfig config;
  config.set_partner_id("solideo");
  config.set_data_dir(canaux.data_dir() + "/data");
  TestNode solideo(config);
  RegistryClient registry(solideo);

  v1::Structure patch;
  patch.set_name(owned.name());
  patch.set_etag(owned.etag());
  patch.set_display_name("Détournée");
  grpc::Status update = registry.UpdateStructure(patch, {"display_name"}).status;
  EXPECT_THAT(update, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(update.error_message(), HasSubstr("les-canaux"));
  EXPECT_THAT(registry.DeleteStructure(owned.name(), owned.etag()),
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));

  // Refused when committed (the owner) or before (a bad field): either way listed in row order.
  std::vector<v1::ImportStructuresRequest> rows(3);
  *rows[0].mutable_structure() = MinimalStructure(TestSiret(5));
  *rows[1].mutable_structure() = MinimalStructure(TestSiret(1), "Détournée");
  *rows[2].mutable_structure() = MinimalStructure(TestSiret(4));
  rows[2].mutable_structure()->set_headcount(-1);
  for (int i = 0; i < 3; ++i) rows[i].set_row(i + 1);
  testing::Reply<v1::ImportStructuresResponse> imported = registry.ImportStructures(rows);
  ASSERT_THAT(imported.status, IsOk());
  EXPECT_EQ(imported.response.created(), 1);
  EXPECT_EQ(imported.response.updated(), 0);
  ASSERT_EQ(imported.response.rejected_size(), 2);
  EXPECT_EQ(imported.response.rejected(0).row(), 2);
  EXPECT_EQ(imported.response.rejected(0).siret(), TestSiret(1));
  EXPECT_THAT(imported.response.rejected(0).reason(), HasSubstr("les-canaux"));
  EXPECT_EQ(imported.response.rejected(1).row(), 3);
  EXPECT_THAT(imported.response.rejected(1).reason(), HasSubstr("headcount"));

  testing::Reply<v1::Structure> got = registry.GetStructure(owned.name());
  ASSERT_THAT(got.status, IsOk());
  EXPECT_THAT(got.response, EqualsProto(owned));

  // What solideo registers itself is its own to change.
  testing::Reply<v1::Structure> own = registry.CreateStructure(MinimalStructure(TestSiret(2)));
  ASSERT_THAT(own.status, IsOk());
  EXPECT_EQ(own.response.owner_partner(), "solideo");
  EXPECT_THAT(registry.DeleteStructure(own.response.name(), own.response.etag()), IsOk());
}

// --- Health
// ------------------------------------------------------------------------------------------

// Debian's gRPC ships no generated health stubs, so the check is a generic call with hand-encoded
// messages: an empty HealthCheckRequest (service "" = the whole server) and, back, field 1
// (status).
TEST(HealthTest, TheNodeReportsServing) {
  TestNode node;
  grpc::GenericStub stub(node.channel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  grpc::Slice empty{std::string()};
  grpc::ByteBuffer request(&empty, 1);
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  int tag = 0;
  call->Finish(&response, &status, &tag);
  void* got_tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&got_tag, &ok));
  EXPECT_EQ(got_tag, &tag);
  queue.Shutdown();
  while (queue.Next(&got_tag, &ok)) {
  }

  ASSERT_THAT(status, IsOk());
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  google::protobuf::UnknownFieldSet fields;
  ASSERT_TRUE(fields.ParseFromString(bytes));
  ASSERT_EQ(fields.field_count(), 1);
  EXPECT_EQ(fields.field(0).number(), 1);   // HealthCheckResponse.status
  EXPECT_EQ(fields.field(0).varint(), 1u);  // SERVING
}

}  // namespace
}  // namespace passerelle
