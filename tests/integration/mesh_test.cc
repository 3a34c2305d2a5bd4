// In-process mesh: several real nodes on loopback, each pulling from the others (development mode:
// plaintext, unsigned). The process-level fault tests live in tests/e2e/.

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tests/impact/sample_declarations.h"
#include "tests/support/mesh_support.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle {
namespace {

using testing::AwaitConvergence;
using ::testing::HasSubstr;
using testing::TestNode;

const std::vector<std::string> kPartners = {"paris-2024", "solideo", "les-canaux", "yunus-centre"};

// Configs for `partners`, each node pulling from every other, with `customise` applied to each.
std::vector<v1::NodeConfig> MeshConfigs(
    const std::vector<std::string>& partners,
    const std::function<void(v1::NodeConfig*)>& customise = [](v1::NodeConfig*) {}) {
  std::vector<std::string> addresses;
  for (size_t i = 0; i < partners.size(); ++i) {
    addresses.push_back(absl::StrCat("127.0.0.1:", testing::PickFreePort()));
  }
  std::vector<v1::NodeConfig> configs;
  for (size_t i = 0; i < partners.size(); ++i) {
    v1::NodeConfig config;
    config.set_partner_id(partners[i]);
    config.set_listen_address(addresses[i]);
    for (size_t j = 0; j < partners.size(); ++j) {
      if (j == i) continue;
      v1::Peer* peer = config.add_peers();
      peer->set_partner_id(partners[j]);
      peer->set_address(addresses[j]);
    }
    customise(&config);
    configs.push_back(std::move(config));
  }
  return configs;
}

// The nodes of MeshConfigs(partners, customise), started in order.
std::vector<std::unique_ptr<TestNode>> StartMesh(
    const std::vector<std::string>& partners,
    const std::function<void(v1::NodeConfig*)>& customise = [](v1::NodeConfig*) {}) {
  std::vector<std::unique_ptr<TestNode>> nodes;
  for (const v1::NodeConfig& config : MeshConfigs(partners, customise)) {
    nodes.push_back(std::make_unique<TestNode>(config));
  }
  return nodes;
}

// The nodes' channels, for the convergence helpers of tests/support/mesh_support.h.
std::vector<std::shared_ptr<grpc::Channel>> Channels(
    const std::vector<std::unique_ptr<TestNode>>& nodes) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (const auto& n : nodes) out.push_back(n->channel());
  return out;
}

v1::DigestResponse DigestOf(TestNode& node) {
  absl::StatusOr<v1::DigestResponse> digest = testing::DigestOf(node.channel());
  EXPECT_TRUE(digest.ok()) << digest.status();
  return digest.value_or(v1::DigestResponse());
}

grpc::Status Create(TestNode& node, const v1::Structure& structure, v1::Structure* created) {
  grpc::ClientContext context;
  v1::CreateStructureRequest request;
  *request.mutable_structure() = structure;
  return node.Registry()->CreateStructure(&context, request, created);
}

grpc::Status Get(TestNode& node, const std::string& name, v1::Structure* out) {
  grpc::ClientContext context;
  v1::GetStructureRequest request;
  request.set_name(name);
  return node.Registry()->GetStructure(&context, request, out);
}

grpc::Status CreateSomeBuyer(TestNode& node, v1::Buyer* created) {
  grpc::ClientContext context;
  v1::CreateBuyerRequest request;
  request.mutable_buyer()->set_buyer_id("ville-de-saint-denis");
  request.mutable_buyer()->set_display_name("Ville de Saint-Denis");
  request.mutable_buyer()->set_kind(v1::BUYER_KIND_LOCAL_AUTHORITY);
  request.mutable_buyer()->add_departments("93");
  return node.Registry()->CreateBuyer(&context, request, created);
}

grpc::StatusCode GetBuyerCode(TestNode& node, const std::string& name) {
  grpc::ClientContext context;
  v1::GetBuyerRequest request;
  request.set_name(name);
  v1::Buyer buyer;
  return node.Registry()->GetBuyer(&context, request, &buyer).error_code();
}

TEST(Mesh, WritesOnEveryNodeReachEveryOtherAndTheDigestsAgree) {
  auto nodes = StartMesh(kPartners);
  std::vector<v1::Structure> structures = cli::GenerateStructures(120, 7);
  std::vector<v1::Structure> created(structures.size());
  for (size_t i = 0; i < structures.size(); ++i) {
    ASSERT_TRUE(Create(*nodes[i % nodes.size()], structures[i], &created[i]).ok());
  }
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));

  for (size_t i = 0; i < created.size(); ++i) {
    v1::Structure seen;
    TestNode& elsewhere = *nodes[(i + 1) % nodes.size()];
    ASSERT_TRUE(Get(elsewhere, created[i].name(), &seen).ok()) << created[i].name();
    EXPECT_EQ(seen.etag(), created[i].etag());
    EXPECT_EQ(seen.owner_partner(), kPartners[i % nodes.size()]);
  }
  v1::DigestResponse digest = DigestOf(*nodes[0]);
  for (const std::string& partner : kPartners) {
    EXPECT_EQ(digest.vector().sequences().at(partner), created.size() / kPartners.size())
        << partner;
  }
}

TEST(Mesh, AReplicatedStructureIsFoundBySearchOnAnotherNode) {
  auto nodes = StartMesh({"les-canaux", "solideo"});
  v1::Structure structure = cli::GenerateStructures(1, 11).front();
  v1::Structure created;
  ASSERT_TRUE(Create(*nodes[0], structure, &created).ok());
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));

  grpc::ClientContext context;
  v1::SearchStructuresRequest search;
  search.add_departments(structure.departments(0));
  search.add_themes(structure.themes(0));
  search.set_page_size(1000);
  v1::SearchStructuresResponse found;
  ASSERT_TRUE(nodes[1]->Registry()->SearchStructures(&context, search, &found).ok());
  std::vector<std::string> sirets;
  for (const auto& s : found.structures()) sirets.push_back(s.siret());
  EXPECT_THAT(sirets, ::testing::Contains(structure.siret()));
}

TEST(Mesh, AWriteToARecordOwnedByAnotherPartnerIsRefusedNamingTheOwner) {
  auto nodes = StartMesh({"les-canaux", "solideo"});
  v1::Structure created;
  ASSERT_TRUE(Create(*nodes[0], cli::GenerateStructures(1, 12).front(), &created).ok());
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));

  grpc::ClientContext context;
  v1::UpdateStructureRequest update;
  *update.mutable_structure() = created;
  update.mutable_structure()->set_display_name("Renamed elsewhere");
  update.mutable_update_mask()->add_paths("display_name");
  v1::Structure updated;
  grpc::Status status = nodes[1]->Registry()->UpdateStructure(&context, update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("les-canaux"));

  v1::Structure unchanged;
  ASSERT_TRUE(Get(*nodes[1], created.name(), &unchanged).ok());
  EXPECT_EQ(unchanged.display_name(), created.display_name());
}

TEST(Mesh, ANodeThatWasDownCatchesUpOnWhatItMissed) {
  auto nodes = StartMesh({"les-canaux", "solideo", "yunus-centre"});
  nodes[2]->Stop();
  std::vector<v1::Structure> structures = cli::GenerateStructures(300, 13);
  for (size_t i = 0; i < structures.size(); ++i) {
    v1::Structure created;
    ASSERT_TRUE(Create(*nodes[i % 2], structures[i], &created).ok());
  }
  ASSERT_TRUE(AwaitConvergence({nodes[0]->channel(), nodes[1]->channel()}));
  nodes[2]->Start();
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));
  uint64_t structures_held = 0;
  const v1::DigestResponse digest = DigestOf(*nodes[2]);
  for (const v1::KindDigest& kind : digest.kinds()) {
    if (kind.kind() == "structure") structures_held = kind.records();
  }
  EXPECT_EQ(structures_held, 300u);
}

TEST(Mesh, AConnectionErrorFromBeforeThePeerStartedIsClearedOnceItAnswers) {
  const std::vector<v1::NodeConfig> configs = MeshConfigs({"les-canaux", "solideo"});
  TestNode early(configs[0]);
  const auto peer = [](const v1::MeshStatus& status) {
    return status.peers_size() == 1 ? status.peers(0) : v1::PeerStatus();
  };
  ASSERT_TRUE(testing::AwaitMeshStatus(
      early.channel(), [&](const v1::MeshStatus& s) { return !peer(s).last_error().empty(); }));
  TestNode late(configs[1]);
  EXPECT_TRUE(testing::AwaitMeshStatus(early.channel(), [&](const v1::MeshStatus& s) {
    return peer(s).connected() && peer(s).last_error().empty();
  }));
}

TEST(Mesh, ABacklogOfLargeRecordsBeyondOneMessageStillReplicates) {
  // 24 structures of ~200 KB, the largest the registry accepts: together some 5 MB, more than
  // gRPC's default 4 MB message, which a node catching up would once take in one Pull message.
  auto nodes = StartMesh({"les-canaux", "solideo"});
  nodes[1]->Stop();
  std::vector<v1::Structure> structures = cli::GenerateStructures(24, 15);
  for (v1::Structure& structure : structures) {
    structure.set_description(std::string(4000, 'd'));
    structure.clear_solutions();
    for (int i = 0; i < 50; ++i) {
      v1::Solution* solution = structure.add_solutions();
      solution->set_title(absl::StrCat("Solution ", i));
      solution->set_description(std::string(4000, 's'));
    }
    v1::Structure created;
    ASSERT_TRUE(Create(*nodes[0], structure, &created).ok());
  }
  nodes[1]->Start();
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));
  v1::Structure replicated;
  ASSERT_TRUE(
      Get(*nodes[1], absl::StrCat("structures/", structures.back().siret()), &replicated).ok());
  EXPECT_EQ(replicated.solutions_size(), 50);
}

TEST(Mesh, AKindSharedWithNoneNeverReachesThatPeer) {
  auto nodes = StartMesh({"les-canaux", "solideo"}, [](v1::NodeConfig* config) {
    v1::SharingRule* rule = config->mutable_policy()->add_sharing();
    rule->set_kind("buyer");
    rule->set_peer("solideo");
    rule->set_sharing(v1::SHARING_NONE);
  });
  v1::Buyer buyer;
  ASSERT_TRUE(CreateSomeBuyer(*nodes[0], &buyer).ok());
  v1::Structure structure;
  ASSERT_TRUE(Create(*nodes[0], cli::GenerateStructures(1, 14).front(), &structure).ok());
  // The vectors still agree: the withheld change travels as hashes only.
  ASSERT_TRUE(AwaitConvergence(Channels(nodes), /*compare_records=*/false));

  v1::Structure seen;
  EXPECT_TRUE(Get(*nodes[1], structure.name(), &seen).ok());
  EXPECT_EQ(GetBuyerCode(*nodes[1], buyer.name()), grpc::StatusCode::NOT_FOUND);
  const v1::DigestResponse digest = DigestOf(*nodes[1]);
  for (const v1::KindDigest& kind : digest.kinds()) {
    if (kind.kind() == "buyer") {
      EXPECT_EQ(kind.records(), 0u);
    }
  }
}

TEST(Mesh, AChangeFromAnAuthorThePolicyDoesNotAllowIsNotApplied) {
  // Solideo's policy says buyers come only from Paris 2024.
  auto nodes = StartMesh({"les-canaux", "solideo"}, [](v1::NodeConfig* config) {
    if (config->partner_id() != "solideo") return;
    v1::AuthorRule* rule = config->mutable_policy()->add_authors();
    rule->set_kind("buyer");
    rule->add_partners("paris-2024");
  });
  v1::Buyer buyer;
  ASSERT_TRUE(CreateSomeBuyer(*nodes[0], &buyer).ok());
  ASSERT_TRUE(AwaitConvergence(Channels(nodes), /*compare_records=*/false));

  EXPECT_EQ(GetBuyerCode(*nodes[1], buyer.name()), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext status_context;
  v1::MeshStatus status;
  ASSERT_TRUE(
      nodes[1]->Mesh()->GetMeshStatus(&status_context, v1::GetMeshStatusRequest(), &status).ok());
  ASSERT_EQ(status.peers_size(), 1);
  EXPECT_EQ(status.peers(0).partner_id(), "les-canaux");
  EXPECT_EQ(status.peers(0).rejected_policy(), 1u);
}

grpc::Status CreateTender(TestNode& node, const v1::Tender& tender) {
  grpc::ClientContext context;
  v1::CreateTenderRequest request;
  *request.mutable_tender() = tender;
  v1::Tender created;
  return v1::TenderService::NewStub(node.channel())->CreateTender(&context, request, &created);
}

TEST(Mesh, ANoticeWrittenOnItsBuyersNodeReachesWatchersAndMatchingOnAnotherNode) {
  auto nodes = StartMesh({"solideo", "les-canaux"});
  v1::Buyer buyer;
  {
    grpc::ClientContext context;
    v1::CreateBuyerRequest request;
    *request.mutable_buyer() = testing::SampleBuyer("solideo");
    ASSERT_TRUE(nodes[0]->Registry()->CreateBuyer(&context, request, &buyer).ok());
  }
  ASSERT_TRUE(CreateTender(*nodes[0], testing::SampleTender("seed")).ok());
  v1::Structure aci;
  ASSERT_TRUE(Create(*nodes[1], testing::MatchingStructure(testing::TestSiret(7)), &aci).ok());
  ASSERT_TRUE(AwaitConvergence(Channels(nodes)));

  // A watcher on Les Canaux' node: the seed notice in its snapshot proves it is registered.
  auto stub = v1::TenderService::NewStub(nodes[1]->channel());
  grpc::ClientContext watch;
  watch.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = stub->WatchTenders(&watch, v1::WatchTendersRequest());
  v1::TenderEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.tender().tender_id(), "seed");

  ASSERT_TRUE(CreateTender(*nodes[0], testing::SampleTender("replicated")).ok());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_FALSE(event.snapshot());
  EXPECT_EQ(event.action(), v1::TENDER_ACTION_CREATED);
  EXPECT_EQ(event.tender().tender_id(), "replicated");
  EXPECT_EQ(event.tender().owner_partner(), "solideo");
  watch.TryCancel();

  grpc::ClientContext context;
  v1::MatchStructuresRequest match;
  match.set_tender("tenders/replicated");
  match.set_lot_number(2);
  v1::MatchStructuresResponse matches;
  ASSERT_TRUE(stub->MatchStructures(&context, match, &matches).ok());
  ASSERT_EQ(matches.matches_size(), 1);
  EXPECT_EQ(matches.matches(0).structure(), aci.name());
}

TEST(Mesh, ARedactedPeerGetsDeclarationsWithoutWorkerLinesAndAFullOneWithPseudonymsOnly) {
  testing::TempDir secret_dir;
  const std::string secret = secret_dir.path() + "/secret";
  std::ofstream(secret) << "a-secret-the-whole-event-shares-0123456789";
  auto nodes = StartMesh({"solideo", "les-canaux", "yunus-centre"}, [&](v1::NodeConfig* config) {
    v1::SharingRule* rule = config->mutable_policy()->add_sharing();
    rule->set_kind("declaration");
    rule->set_peer("les-canaux");
    rule->set_sharing(v1::SHARING_REDACTED);
    config->mutable_impact()->set_worker_secret_file(secret);
  });
  TestNode& solideo = *nodes[0];
  {
    grpc::ClientContext context;
    v1::CreateBuyerRequest request;
    *request.mutable_buyer() = testing::SampleBuyer("solideo");
    v1::Buyer buyer;
    ASSERT_TRUE(solideo.Registry()->CreateBuyer(&context, request, &buyer).ok());
  }
  v1::Structure aci;
  ASSERT_TRUE(Create(solideo, testing::MatchingStructure(testing::TestSiret(7)), &aci).ok());
  ASSERT_TRUE(CreateTender(solideo, testing::SampleTender("village")).ok());
  auto tenders = v1::TenderService::NewStub(solideo.channel());
  v1::PublishTenderRequest publish;
  publish.set_name("tenders/village");
  v1::CloseTenderRequest close;
  close.set_name("tenders/village");
  v1::AwardLotRequest award;
  award.set_tender("tenders/village");
  award.mutable_award()->set_lot_number(1);
  award.mutable_award()->set_structure(aci.name());
  award.mutable_award()->set_amount_cents(5'000'000);
  award.mutable_award()->set_award_date("2025-01-10");
  {
    grpc::ClientContext publish_context, close_context, award_context;
    v1::Tender t;
    v1::Award a;
    ASSERT_TRUE(tenders->PublishTender(&publish_context, publish, &t).ok());
    ASSERT_TRUE(tenders->CloseTender(&close_context, close, &t).ok());
    ASSERT_TRUE(tenders->AwardLot(&award_context, award, &a).ok());
  }
  auto impact = v1::ImpactService::NewStub(solideo.channel());
  v1::HourDeclaration declared;
  {
    grpc::ClientContext context;
    v1::SubmitDeclarationRequest request;
    *request.mutable_declaration() = testing::SampleDeclaration(
        testing::TestSiret(7), "village", "solideo", 1, "2025-02", 10000, {"P-1", "P-2"});
    ASSERT_TRUE(impact->SubmitDeclaration(&context, request, &declared).ok());
  }
  {
    grpc::ClientContext context;
    v1::ValidateDeclarationRequest request;
    request.set_name(declared.name());
    ASSERT_TRUE(impact->ValidateDeclaration(&context, request, &declared).ok());
  }
  ASSERT_TRUE(AwaitConvergence(Channels(nodes), /*compare_records=*/false));

  auto read = [&](TestNode& node, v1::HourDeclaration* d, v1::ImpactReport* report) {
    auto stub = v1::ImpactService::NewStub(node.channel());
    grpc::ClientContext get_context, report_context;
    v1::GetDeclarationRequest get;
    get.set_name(declared.name());
    ASSERT_TRUE(stub->GetDeclaration(&get_context, get, d).ok()) << node.node().address();
    ASSERT_TRUE(stub->GetImpactReport(&report_context, v1::GetImpactReportRequest(), report).ok());
  };
  v1::HourDeclaration at_canaux, at_yunus;
  v1::ImpactReport canaux_report, yunus_report, solideo_report;
  read(*nodes[1], &at_canaux, &canaux_report);
  read(*nodes[2], &at_yunus, &yunus_report);
  read(solideo, &declared, &solideo_report);

  EXPECT_EQ(at_canaux.workers_size(), 0);
  EXPECT_EQ(at_canaux.insertion_hundredths(), declared.insertion_hundredths());
  EXPECT_EQ(at_canaux.status(), v1::DECLARATION_STATUS_VALIDATED);
  ASSERT_EQ(at_yunus.workers_size(), 2);
  EXPECT_EQ(at_yunus.workers(0).worker_pseudonym(), declared.workers(0).worker_pseudonym());
  EXPECT_TRUE(at_yunus.workers(0).worker_reference().empty());
  // Every node's figures agree, but for the people a redacted peer never sees.
  EXPECT_EQ(yunus_report.totals().SerializeAsString(), solideo_report.totals().SerializeAsString());
  EXPECT_EQ(canaux_report.totals().insertion_hundredths(), 1400);
  EXPECT_EQ(canaux_report.totals().awarded_cents(), 5'000'000);
  EXPECT_EQ(canaux_report.totals().distinct_insertion_workers(), 0);
  EXPECT_EQ(solideo_report.totals().distinct_insertion_workers(), 2);
}

}  // namespace
}  // namespace passerelle
