// The mesh's trust rules, in process: real nodes over mutual TLS with certificates from the real deploy/pki,
// and, where a test needs a peer that lies, a fake peer speaking MeshService with a genuine partner
// certificate.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "cli/demo_data.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "mesh/identity.h"
#include "passerelle/v1/mesh.grpc.pb.h"
#include "store/change_chain.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;
using testing::TestNode;
using testing::TestPki;

const std::vector<std::string> kPartners = {"paris-2024", "solideo", "les-canaux", "yunus-centre"};

class MeshSecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT");
    pki_->Run("--rogue OUT");
  }
  static void TearDownTestSuite() { delete pki_; }

  // A TLS node config for `partner`, knowing every partner's signing key.
  static v1::NodeConfig TlsConfig(const std::string& partner) {
    v1::NodeConfig config;
    config.set_partner_id(partner);
    *config.mutable_tls() = Client(partner + "/node");
    config.set_signing_key_file(pki_->Path(partner + "/signing.key"));
    for (const std::string& p : kPartners) {
      v1::PartnerKey* key = config.add_partner_keys();
      key->set_partner_id(p);
      key->set_public_key_file(pki_->Path(p + "/signing.pub"));
    }
    return config;
  }

  // Client credentials from certificate `stem` ("les-canaux/admin", "solideo/node", "rogue/intruder/node").
  static v1::TlsConfig Client(const std::string& stem) {
    v1::TlsConfig tls;
    const bool rogue = stem.rfind("rogue/", 0) == 0;
    tls.set_ca_file(pki_->Path(rogue ? "rogue/ca.pem" : "ca.pem"));
    tls.set_cert_file(pki_->Path(stem + ".pem"));
    tls.set_key_file(pki_->Path(stem + ".key"));
    return tls;
  }

  static grpc::Status CreateStructure(TestNode& node, const std::string& as, const v1::Structure& structure) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::CreateStructureRequest request;
    *request.mutable_structure() = structure;
    v1::Structure created;
    return v1::RegistryService::NewStub(node.ChannelAs(Client(as)))->CreateStructure(&context, request, &created);
  }

  static uint64_t Records(TestNode& node, const std::string& as, const std::string& kind) {
    grpc::ClientContext context;
    v1::DigestResponse digest;
    EXPECT_TRUE(v1::MeshService::NewStub(node.ChannelAs(Client(as)))->Digest(&context, {}, &digest).ok());
    for (const auto& k : digest.kinds()) {
      if (k.kind() == kind) return k.records();
    }
    return 0;
  }

  static TestPki* pki_;
};

TestPki* MeshSecurity::pki_ = nullptr;

TEST_F(MeshSecurity, ACertificateFromAnotherCaCannotCallANode) {
  TestNode node(TlsConfig("les-canaux"));
  grpc::Status status = CreateStructure(node, "rogue/intruder/node", cli::GenerateStructures(1, 31).front());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(Records(node, "les-canaux/admin", "structure"), 0u);
}

TEST_F(MeshSecurity, APlaintextClientCannotCallAnMtlsNode) {
  TestNode node(TlsConfig("les-canaux"));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::ListStructuresRequest request;
  v1::ListStructuresResponse response;
  EXPECT_EQ(node.Registry()->ListStructures(&context, request, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(MeshSecurity, APartnerMayNotAuthorAKindThePolicyGivesToOthers) {
  v1::NodeConfig config = TlsConfig("les-canaux");
  v1::AuthorRule* rule = config.mutable_policy()->add_authors();
  rule->set_kind("buyer");
  rule->add_partners("paris-2024");
  TestNode node(config);
  grpc::ClientContext context;
  v1::CreateBuyerRequest request;
  request.mutable_buyer()->set_buyer_id("ville-de-paris");
  request.mutable_buyer()->set_display_name("Ville de Paris");
  request.mutable_buyer()->set_kind(v1::BUYER_KIND_LOCAL_AUTHORITY);
  request.mutable_buyer()->add_departments("75");
  v1::Buyer buyer;
  grpc::Status status = v1::RegistryService::NewStub(node.ChannelAs(Client("les-canaux/admin")))
                            ->CreateBuyer(&context, request, &buyer);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("policy.authors"));
  EXPECT_EQ(Records(node, "les-canaux/admin", "buyer"), 0u);
}

TEST_F(MeshSecurity, AnotherPartnersAdminMayNotWriteThroughThisNode) {
  TestNode node(TlsConfig("les-canaux"));
  grpc::Status status = CreateStructure(node, "solideo/admin", cli::GenerateStructures(1, 32).front());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("solideo"));
  EXPECT_EQ(Records(node, "les-canaux/admin", "structure"), 0u);
}

TEST_F(MeshSecurity, ANodeCertificateMayOnlyReplicate) {
  TestNode node(TlsConfig("les-canaux"));
  grpc::Status status = CreateStructure(node, "les-canaux/node", cli::GenerateStructures(1, 33).front());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("role 'node'"));
}

// A peer that serves a fixed set of changes to whoever pulls, then ends the stream.
class FakePeer final : public v1::MeshService::Service {
 public:
  explicit FakePeer(std::vector<v1::Change> changes) : changes_(std::move(changes)) {}
  grpc::Status Pull(grpc::ServerContext*, const v1::PullRequest*,
                    grpc::ServerWriter<v1::PullResponse>* writer) override {
    v1::PullResponse response;
    for (const auto& c : changes_) *response.add_changes() = c;
    writer->Write(response);
    return grpc::Status::OK;
  }

 private:
  std::vector<v1::Change> changes_;
};

// Genuine, signed changes of `origin`'s node: three structures written there, pulled with another node's
// certificate.
std::vector<v1::Change> SignedChangesFrom(TestNode& origin, const v1::TlsConfig& puller, int count,
                                          const std::function<grpc::Status(const v1::Structure&)>& create) {
  for (const v1::Structure& s : cli::GenerateStructures(count, 34)) EXPECT_TRUE(create(s).ok());
  grpc::ClientContext context;
  v1::PullRequest request;
  auto reader = v1::MeshService::NewStub(origin.ChannelAs(puller))->Pull(&context, request);
  std::vector<v1::Change> changes;
  v1::PullResponse response;
  while (static_cast<int>(changes.size()) < count && reader->Read(&response)) {
    for (const auto& c : response.changes()) changes.push_back(c);
  }
  context.TryCancel();
  reader->Finish();
  return changes;
}

// Starts `partner`'s node pulling only from a fake "yunus-centre" serving `changes`, and waits until it has
// taken them (applied or rejected). Returns the peer status it reports.
v1::PeerStatus ServeThroughFakeRelay(const std::vector<v1::Change>& changes, v1::NodeConfig config,
                                     const v1::TlsConfig& relay_tls, const v1::TlsConfig& admin,
                                     std::unique_ptr<TestNode>* node) {
  FakePeer fake(changes);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", *mesh::ServerCredentials(relay_tls), &port);
  builder.RegisterService(&fake);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  v1::Peer* peer = config.add_peers();
  peer->set_partner_id("yunus-centre");
  peer->set_address(absl::StrCat("127.0.0.1:", port));
  *node = std::make_unique<TestNode>(config);
  v1::PeerStatus status;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    v1::MeshStatus mesh;
    EXPECT_TRUE(v1::MeshService::NewStub((*node)->ChannelAs(admin))->GetMeshStatus(&context, {}, &mesh).ok());
    status = mesh.peers(0);
    if (status.applied() > 0 || status.rejected_signature() > 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  (*node)->Stop();  // stop pulling before the fake goes away
  server->Shutdown();
  return status;
}

TEST_F(MeshSecurity, AChangeRelayedByAThirdNodeIsVerifiedAgainstItsOriginAndApplied) {
  TestNode origin(TlsConfig("les-canaux"));
  auto changes = SignedChangesFrom(origin, Client("yunus-centre/node"), 3, [&](const v1::Structure& s) {
    return CreateStructure(origin, "les-canaux/admin", s);
  });
  ASSERT_EQ(changes.size(), 3u);
  std::unique_ptr<TestNode> receiver;
  v1::PeerStatus status = ServeThroughFakeRelay(changes, TlsConfig("solideo"), Client("yunus-centre/node"),
                                                Client("solideo/admin"), &receiver);
  EXPECT_EQ(status.applied(), 3u);
  EXPECT_EQ(status.rejected_signature(), 0u);
}

TEST_F(MeshSecurity, ARelayedChangeWithAFlippedByteIsRejected) {
  TestNode origin(TlsConfig("les-canaux"));
  auto changes = SignedChangesFrom(origin, Client("yunus-centre/node"), 3, [&](const v1::Structure& s) {
    return CreateStructure(origin, "les-canaux/admin", s);
  });
  ASSERT_EQ(changes.size(), 3u);
  std::string record = changes[1].record();
  record[record.size() / 2] ^= 0x01;
  changes[1].set_record(record);
  std::unique_ptr<TestNode> receiver;
  v1::PeerStatus status = ServeThroughFakeRelay(changes, TlsConfig("solideo"), Client("yunus-centre/node"),
                                                Client("solideo/admin"), &receiver);
  EXPECT_GE(status.rejected_signature(), 1u);
  EXPECT_EQ(status.applied(), 0u);
  receiver->Start();
  EXPECT_EQ(Records(*receiver, "solideo/admin", "structure"), 0u);
}

TEST_F(MeshSecurity, AnAlteredChangeWhoseHashesWereRecomputedFailsItsOriginsSignature) {
  TestNode origin(TlsConfig("les-canaux"));
  auto changes = SignedChangesFrom(origin, Client("yunus-centre/node"), 3, [&](const v1::Structure& s) {
    return CreateStructure(origin, "les-canaux/admin", s);
  });
  ASSERT_EQ(changes.size(), 3u);
  // A relay that knows the hash scheme rewrites the record and every hash after it; only the signature,
  // which it cannot make, still speaks for the origin.
  std::string previous = changes[0].chain_hash();
  std::string record = changes[1].record();
  record[record.size() / 2] ^= 0x01;
  changes[1].set_record(record);
  for (size_t i = 1; i < changes.size(); ++i) {
    changes[i].set_content_hash(store::ContentHash(changes[i]));
    changes[i].set_chain_hash(store::ChainHash(previous, changes[i].content_hash()));
    previous = changes[i].chain_hash();
  }
  std::unique_ptr<TestNode> receiver;
  v1::PeerStatus status = ServeThroughFakeRelay(changes, TlsConfig("solideo"), Client("yunus-centre/node"),
                                                Client("solideo/admin"), &receiver);
  EXPECT_GE(status.rejected_signature(), 1u);
  EXPECT_THAT(status.last_error(), HasSubstr("bad signature"));
  EXPECT_EQ(status.applied(), 0u);
}

// --- Gateways: each partner's gateway certificate speaks only for that partner's users ---

// A call's context with `forwarded` in the principal metadata when not empty: what a gateway sends.
std::unique_ptr<grpc::ClientContext> ContextForwarding(const std::string& forwarded) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!forwarded.empty()) context->AddMetadata(std::string(mesh::kForwardedPrincipalMetadata), forwarded);
  return context;
}

constexpr char kLesCanauxAdmin[] = "spiffe://passerelle/partner/les-canaux/role/partner_admin";
constexpr char kSolideoAdmin[] = "spiffe://passerelle/partner/solideo/role/partner_admin";

TEST_F(MeshSecurity, AGatewayCertificateAloneCanWriteNothing) {
  TestNode node(TlsConfig("les-canaux"));
  v1::Structure existing = cli::GenerateStructures(1, 40).front();
  ASSERT_TRUE(CreateStructure(node, "les-canaux/admin", existing).ok());
  existing.set_name("structures/" + existing.siret());
  auto gateway = v1::RegistryService::NewStub(node.ChannelAs(Client("les-canaux/gateway")));

  v1::CreateBuyerRequest buyer_request;
  buyer_request.mutable_buyer()->set_buyer_id("ville-de-saint-denis");
  buyer_request.mutable_buyer()->set_display_name("Ville de Saint-Denis");
  buyer_request.mutable_buyer()->set_kind(v1::BUYER_KIND_LOCAL_AUTHORITY);
  buyer_request.mutable_buyer()->add_departments("93");
  v1::Buyer buyer;
  grpc::Status create = gateway->CreateBuyer(ContextForwarding("").get(), buyer_request, &buyer);
  EXPECT_EQ(create.error_code(), grpc::StatusCode::PERMISSION_DENIED) << create.error_message();

  v1::UpdateStructureRequest update;
  *update.mutable_structure() = existing;
  update.mutable_structure()->set_display_name("Renamed by a bare gateway certificate");
  v1::Structure updated;
  grpc::Status change = gateway->UpdateStructure(ContextForwarding("").get(), update, &updated);
  EXPECT_EQ(change.error_code(), grpc::StatusCode::PERMISSION_DENIED) << change.error_message();

  v1::DeleteStructureRequest removal;
  removal.set_name(existing.name());
  google::protobuf::Empty empty;
  grpc::Status remove = gateway->DeleteStructure(ContextForwarding("").get(), removal, &empty);
  EXPECT_EQ(remove.error_code(), grpc::StatusCode::PERMISSION_DENIED) << remove.error_message();

  EXPECT_EQ(Records(node, "les-canaux/admin", "buyer"), 0u);
  grpc::ClientContext context;
  v1::GetStructureRequest get;
  get.set_name(existing.name());
  v1::Structure stored;
  ASSERT_TRUE(v1::RegistryService::NewStub(node.ChannelAs(Client("les-canaux/admin")))
                  ->GetStructure(&context, get, &stored)
                  .ok());
  EXPECT_EQ(stored.display_name(), existing.display_name());
}

TEST_F(MeshSecurity, AGatewayMayNotSpeakForAnotherPartnersAdmin) {
  TestNode node(TlsConfig("solideo"));
  auto gateway = v1::RegistryService::NewStub(node.ChannelAs(Client("les-canaux/gateway")));
  v1::CreateStructureRequest request;
  *request.mutable_structure() = cli::GenerateStructures(1, 41).front();
  v1::Structure created;
  grpc::Status status = gateway->CreateStructure(ContextForwarding(kSolideoAdmin).get(), request, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("may not speak for partner 'solideo'"));
  EXPECT_EQ(Records(node, "solideo/admin", "structure"), 0u);
}

TEST_F(MeshSecurity, AGatewayOnAnotherPartnersNodeReadsButWritesThroughItsOwn) {
  TestNode node(TlsConfig("solideo"));
  v1::Structure existing = cli::GenerateStructures(2, 42).front();
  ASSERT_TRUE(CreateStructure(node, "solideo/admin", existing).ok());
  existing.set_name("structures/" + existing.siret());
  auto gateway = v1::RegistryService::NewStub(node.ChannelAs(Client("les-canaux/gateway")));

  v1::CreateStructureRequest request;
  *request.mutable_structure() = cli::GenerateStructures(2, 42).back();
  v1::Structure created;
  grpc::Status write = gateway->CreateStructure(ContextForwarding(kLesCanauxAdmin).get(), request, &created);
  EXPECT_EQ(write.error_code(), grpc::StatusCode::PERMISSION_DENIED) << write.error_message();
  EXPECT_THAT(write.error_message(), HasSubstr("write through your own"));
  EXPECT_EQ(Records(node, "solideo/admin", "structure"), 1u);

  v1::GetStructureRequest get;
  get.set_name(existing.name());
  v1::Structure read;
  grpc::Status status = gateway->GetStructure(ContextForwarding(kLesCanauxAdmin).get(), get, &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.name(), existing.name());
}

}  // namespace
}  // namespace passerelle
