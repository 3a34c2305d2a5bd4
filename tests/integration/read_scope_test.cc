// Reads follow the same rules as sharing, through a real SOLIDEO node over mutual TLS with
// certificates from the real deploy/pki: every read RPC of declarations (and the notice and
// structure reads beside them) × every kind of caller — SOLIDEO's own admin, another partner's
// admin under a FULL, a REDACTED and a NONE rule, contractors bound to SIRET A or B, facilitators
// bound to buyer X or Y, an observer — each asserting what that caller sees. Forwarded principals
// come through SOLIDEO's own gateway certificate, as its gateway sends them.

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "mesh/identity.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tests/impact/awarded_programme.h"
#include "tests/impact/sample_declarations.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/registry_client.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;
using testing::TestNode;
using testing::TestPki;
using testing::TestSiret;

const std::vector<std::string> kPartners = {"paris-2024", "solideo", "les-canaux", "yunus-centre"};

const std::string SiretA() { return testing::ContractorSiret('A'); }
const std::string SiretB() { return testing::ContractorSiret('B'); }
std::string DeclarationName(const std::string& label) {
  return testing::ProgrammeDeclaration(label);
}

// Who calls: a certificate stem, and the principal its gateway forwards (empty: the certificate's).
struct Caller {
  std::string label;
  std::string certificate;
  std::string forwarded;
};

std::string Forwarded(const std::string& role, const std::string& binding = "") {
  return absl::StrCat("spiffe://passerelle/partner/solideo/role/", role, binding);
}

const std::vector<Caller>& Callers() {
  static const auto* callers = new std::vector<Caller>{
      {"solideo admin", "solideo/admin", ""},
      {"paris-2024 admin (FULL)", "paris-2024/admin", ""},
      {"les-canaux admin (REDACTED)", "les-canaux/admin", ""},
      {"yunus-centre admin (NONE)", "yunus-centre/admin", ""},
      {"contractor A", "solideo/gateway", Forwarded("contractor", "/siret/" + SiretA())},
      {"contractor B", "solideo/gateway", Forwarded("contractor", "/siret/" + SiretB())},
      {"facilitator X", "solideo/gateway", Forwarded("facilitator", "/buyer/buyer-x")},
      {"facilitator Y", "solideo/gateway", Forwarded("facilitator", "/buyer/buyer-y")},
      {"observer", "solideo/gateway", Forwarded("observer")},
  };
  return *callers;
}

// What one read gave: its code and, when OK, the declarations (by label) and whether any carried
// worker lines.
struct Seen {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::set<std::string> declarations;
  bool workers = false;
};

std::string LabelOf(const std::string& name) {
  for (const std::string label : {"AX", "BX", "AY", "BY"}) {
    if (DeclarationName(label) == name) return label;
  }
  return name;
}

void Add(const v1::HourDeclaration& d, Seen* seen) {
  seen->declarations.insert(LabelOf(d.name()));
  seen->workers = seen->workers || d.workers_size() > 0;
}

class ReadScopeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT");
    secret_dir_ = new testing::TempDir();
    node_ = new TestNode(NodeConfig());
    Load();
  }
  static void TearDownTestSuite() {
    delete node_;
    delete secret_dir_;
    delete pki_;
  }

  // SOLIDEO's node: declarations reach Les Canaux redacted and the Yunus Centre not at all, nor do
  // its notices.
  static v1::NodeConfig NodeConfig() {
    v1::NodeConfig config = testing::ImpactNodeConfig(secret_dir_->path());
    *config.mutable_tls() = Tls("solideo/node");
    config.set_signing_key_file(pki_->Path("solideo/signing.key"));
    for (const std::string& p : kPartners) {
      v1::PartnerKey* key = config.add_partner_keys();
      key->set_partner_id(p);
      key->set_public_key_file(pki_->Path(p + "/signing.pub"));
    }
    auto share = [&](const std::string& kind, const std::string& peer, v1::Sharing sharing) {
      v1::SharingRule* rule = config.mutable_policy()->add_sharing();
      rule->set_kind(kind);
      rule->set_peer(peer);
      rule->set_sharing(sharing);
    };
    share("declaration", "les-canaux", v1::SHARING_REDACTED);
    share("declaration", "yunus-centre", v1::SHARING_NONE);
    share("tender", "yunus-centre", v1::SHARING_NONE);
    return config;
  }

  static v1::TlsConfig Tls(const std::string& stem) {
    v1::TlsConfig tls;
    tls.set_ca_file(pki_->Path("ca.pem"));
    tls.set_cert_file(pki_->Path(stem + ".pem"));
    tls.set_key_file(pki_->Path(stem + ".key"));
    return tls;
  }

  static std::unique_ptr<grpc::ClientContext> ContextOf(const Caller& caller) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!caller.forwarded.empty()) {
      context->AddMetadata(std::string(mesh::kForwardedPrincipalMetadata), caller.forwarded);
    }
    return context;
  }

  template <typename Service>
  static std::unique_ptr<typename Service::Stub> StubOf(const Caller& caller) {
    return Service::NewStub(node_->ChannelAs(Tls(caller.certificate)));
  }

  static const Caller& Admin() { return Callers().front(); }

  // Every page of ListDeclarations(`request`) as `caller`.
  static Seen ListAll(const Caller& caller, v1::ListDeclarationsRequest request) {
    Seen seen;
    request.set_page_size(1);  // several pages: each keeps to the scope
    for (int pages = 0; pages < 10; ++pages) {
      v1::ListDeclarationsResponse page;
      grpc::Status status = StubOf<v1::ImpactService>(caller)->ListDeclarations(
          ContextOf(caller).get(), request, &page);
      seen.code = status.error_code();
      if (!status.ok()) return seen;
      for (const v1::HourDeclaration& d : page.declarations()) Add(d, &seen);
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    return seen;
  }

  static void Load() {
    ASSERT_NO_FATAL_FAILURE(testing::LoadAwardedProgramme(node_->ChannelAs(Tls("solideo/admin"))));
  }

  static TestPki* pki_;
  static testing::TempDir* secret_dir_;
  static TestNode* node_;
};

TestPki* ReadScopeTest::pki_ = nullptr;
testing::TempDir* ReadScopeTest::secret_dir_ = nullptr;
TestNode* ReadScopeTest::node_ = nullptr;

constexpr auto kOk = grpc::StatusCode::OK;
constexpr auto kDenied = grpc::StatusCode::PERMISSION_DENIED;
constexpr auto kNotFound = grpc::StatusCode::NOT_FOUND;
const std::set<std::string> kAll = {"AX", "BX", "AY", "BY"};

// One row: what a caller sees through one read.
struct Expected {
  grpc::StatusCode code;
  std::set<std::string> declarations;
  bool workers;
};

void ExpectTable(const std::map<std::string, Expected>& table,
                 const std::function<Seen(const Caller&)>& read) {
  ASSERT_EQ(table.size(), Callers().size());
  for (const Caller& caller : Callers()) {
    SCOPED_TRACE(caller.label);
    const Expected& want = table.at(caller.label);
    Seen seen = read(caller);
    EXPECT_EQ(seen.code, want.code);
    if (want.code != kOk || seen.code != kOk) continue;
    EXPECT_EQ(seen.declarations, want.declarations);
    EXPECT_EQ(seen.workers, want.workers);
  }
}

TEST_F(ReadScopeTest, GetDeclarationOfAsDeclarationOnBuyerXShowsEachCallerWhatItsScopeAllows) {
  ExpectTable(
      {
          {"solideo admin", {kOk, {"AX"}, true}},
          {"paris-2024 admin (FULL)", {kOk, {"AX"}, true}},
          {"les-canaux admin (REDACTED)", {kOk, {"AX"}, false}},
          {"yunus-centre admin (NONE)", {kNotFound, {}, false}},
          {"contractor A", {kOk, {"AX"}, true}},
          {"contractor B", {kDenied, {}, false}},
          {"facilitator X", {kOk, {"AX"}, true}},
          {"facilitator Y", {kDenied, {}, false}},
          {"observer", {kDenied, {}, false}},
      },
      [](const Caller& caller) {
        v1::GetDeclarationRequest request;
        request.set_name(DeclarationName("AX"));
        v1::HourDeclaration d;
        Seen seen;
        seen.code = StubOf<v1::ImpactService>(caller)
                        ->GetDeclaration(ContextOf(caller).get(), request, &d)
                        .error_code();
        if (seen.code == kOk) Add(d, &seen);
        return seen;
      });
}

TEST_F(ReadScopeTest, GetDeclarationOfBsDeclarationOnBuyerYShowsEachCallerWhatItsScopeAllows) {
  ExpectTable(
      {
          {"solideo admin", {kOk, {"BY"}, true}},
          {"paris-2024 admin (FULL)", {kOk, {"BY"}, true}},
          {"les-canaux admin (REDACTED)", {kOk, {"BY"}, false}},
          {"yunus-centre admin (NONE)", {kNotFound, {}, false}},
          {"contractor A", {kDenied, {}, false}},
          {"contractor B", {kOk, {"BY"}, true}},
          {"facilitator X", {kDenied, {}, false}},
          {"facilitator Y", {kOk, {"BY"}, true}},
          {"observer", {kDenied, {}, false}},
      },
      [](const Caller& caller) {
        v1::GetDeclarationRequest request;
        request.set_name(DeclarationName("BY"));
        v1::HourDeclaration d;
        Seen seen;
        seen.code = StubOf<v1::ImpactService>(caller)
                        ->GetDeclaration(ContextOf(caller).get(), request, &d)
                        .error_code();
        if (seen.code == kOk) Add(d, &seen);
        return seen;
      });
}

TEST_F(ReadScopeTest, ListDeclarationsListsForEachCallerOnlyWhatItsScopeAllows) {
  ExpectTable(
      {
          {"solideo admin", {kOk, kAll, true}},
          {"paris-2024 admin (FULL)", {kOk, kAll, true}},
          {"les-canaux admin (REDACTED)", {kOk, kAll, false}},
          {"yunus-centre admin (NONE)", {kOk, {}, false}},
          {"contractor A", {kOk, {"AX", "AY"}, true}},
          {"contractor B", {kOk, {"BX", "BY"}, true}},
          {"facilitator X", {kOk, {"AX", "BX"}, true}},
          {"facilitator Y", {kOk, {"AY", "BY"}, true}},
          {"observer", {kDenied, {}, false}},
      },
      [](const Caller& caller) { return ListAll(caller, {}); });
}

TEST_F(ReadScopeTest, ListDeclarationsFilteredOnContractorBRefusesCallersBoundToAnotherCompany) {
  ExpectTable(
      {
          {"solideo admin", {kOk, {"BX", "BY"}, true}},
          {"paris-2024 admin (FULL)", {kOk, {"BX", "BY"}, true}},
          {"les-canaux admin (REDACTED)", {kOk, {"BX", "BY"}, false}},
          {"yunus-centre admin (NONE)", {kOk, {}, false}},
          {"contractor A", {kDenied, {}, false}},
          {"contractor B", {kOk, {"BX", "BY"}, true}},
          {"facilitator X", {kOk, {"BX"}, true}},
          {"facilitator Y", {kOk, {"BY"}, true}},
          {"observer", {kDenied, {}, false}},
      },
      [](const Caller& caller) {
        v1::ListDeclarationsRequest request;
        request.set_contractor_siret(SiretB());
        return ListAll(caller, request);
      });
}

TEST_F(ReadScopeTest, ListDeclarationsFilteredOnBuyerYRefusesCallersBoundToAnotherBuyer) {
  ExpectTable(
      {
          {"solideo admin", {kOk, {"AY", "BY"}, true}},
          {"paris-2024 admin (FULL)", {kOk, {"AY", "BY"}, true}},
          {"les-canaux admin (REDACTED)", {kOk, {"AY", "BY"}, false}},
          {"yunus-centre admin (NONE)", {kOk, {}, false}},
          {"contractor A", {kOk, {"AY"}, true}},
          {"contractor B", {kOk, {"BY"}, true}},
          {"facilitator X", {kDenied, {}, false}},
          {"facilitator Y", {kOk, {"AY", "BY"}, true}},
          {"observer", {kDenied, {}, false}},
      },
      [](const Caller& caller) {
        v1::ListDeclarationsRequest request;
        request.set_buyer("buyers/buyer-y");
        return ListAll(caller, request);
      });
}

// The figures: every role the policy lets call GetImpactReport reads them, observers included
// (contractors are not granted it by default).
TEST_F(ReadScopeTest, GetImpactReportGivesTheFiguresToEveryRoleGrantedIt) {
  const std::map<std::string, grpc::StatusCode> want = {
      {"solideo admin", kOk},
      {"paris-2024 admin (FULL)", kOk},
      {"les-canaux admin (REDACTED)", kOk},
      {"yunus-centre admin (NONE)", kOk},
      {"contractor A", kDenied},
      {"contractor B", kDenied},
      {"facilitator X", kOk},
      {"facilitator Y", kOk},
      {"observer", kOk},
  };
  for (const Caller& caller : Callers()) {
    SCOPED_TRACE(caller.label);
    v1::GetImpactReportRequest request;
    v1::ImpactReport report;
    grpc::Status status = StubOf<v1::ImpactService>(caller)->GetImpactReport(
        ContextOf(caller).get(), request, &report);
    EXPECT_EQ(status.error_code(), want.at(caller.label)) << status.error_message();
  }
}

// Notices follow their own sharing rule: none reach the Yunus Centre from this node.
TEST_F(ReadScopeTest, NoticeReadsShowNothingToAPartnerTheyAreNotSharedWith) {
  for (const Caller& caller : Callers()) {
    SCOPED_TRACE(caller.label);
    const bool hidden = caller.label == "yunus-centre admin (NONE)";
    auto tenders = StubOf<v1::TenderService>(caller);
    v1::GetTenderRequest get;
    get.set_name("tenders/tender-x");
    v1::Tender t;
    EXPECT_EQ(tenders->GetTender(ContextOf(caller).get(), get, &t).error_code(),
              hidden ? kNotFound : kOk);
    v1::ListTendersResponse list;
    ASSERT_TRUE(tenders->ListTenders(ContextOf(caller).get(), {}, &list).ok());
    EXPECT_EQ(list.tenders_size(), hidden ? 0 : 2);
    v1::ListAwardsResponse awards;
    ASSERT_TRUE(tenders->ListAwards(ContextOf(caller).get(), {}, &awards).ok());
    EXPECT_EQ(awards.awards_size(), hidden ? 0 : 4);
  }
}

// Structures are shared in full with everyone here, whatever the caller's binding.
TEST_F(ReadScopeTest, StructuresSharedInFullAreReadByEveryCallerGrantedTheRead) {
  for (const Caller& caller : Callers()) {
    SCOPED_TRACE(caller.label);
    v1::GetStructureRequest get;
    get.set_name("structures/" + SiretB());
    v1::Structure s;
    grpc::Status status =
        StubOf<v1::RegistryService>(caller)->GetStructure(ContextOf(caller).get(), get, &s);
    // Contractors are granted TenderService reads and their declarations only.
    EXPECT_EQ(status.error_code(), caller.label.rfind("contractor", 0) == 0 ? kDenied : kOk)
        << status.error_message();
  }
}

TEST_F(ReadScopeTest, AFacilitatorBoundToABuyerReviewsOnlyThatBuyersDeclarations) {
  const Caller& x = Callers()[6];
  ASSERT_EQ(x.label, "facilitator X");
  auto impact = StubOf<v1::ImpactService>(x);
  v1::RejectDeclarationRequest reject;
  reject.set_name(DeclarationName("AY"));
  reject.set_reason("wrong month");
  v1::HourDeclaration d;
  grpc::Status status = impact->RejectDeclaration(ContextOf(x).get(), reject, &d);
  EXPECT_EQ(status.error_code(), kDenied) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("buyers/buyer-x"));
  v1::ValidateDeclarationRequest validate;
  validate.set_name(DeclarationName("BY"));
  status = impact->ValidateDeclaration(ContextOf(x).get(), validate, &d);
  EXPECT_EQ(status.error_code(), kDenied) << status.error_message();

  // Its own buyer's: reviewed (and the others still under review).
  validate.set_name(DeclarationName("BX"));
  status = impact->ValidateDeclaration(ContextOf(x).get(), validate, &d);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(d.status(), v1::DECLARATION_STATUS_VALIDATED);
  v1::GetDeclarationRequest get;
  get.set_name(DeclarationName("AY"));
  ASSERT_TRUE(
      StubOf<v1::ImpactService>(Admin())->GetDeclaration(ContextOf(Admin()).get(), get, &d).ok());
  EXPECT_EQ(d.status(), v1::DECLARATION_STATUS_SUBMITTED);
}

}  // namespace
}  // namespace passerelle
