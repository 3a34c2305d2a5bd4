// Process-level: a node never reuses its own sequence numbers. The four-partner mesh as real
// passerelle-node processes over mutual TLS; one node loses part or all of its own past — a byte
// flipped in the middle of its write-ahead log after kill -9, or its data folder deleted — and must
// refuse to start silently on less, take its own changes back from its peers, accept writes only
// after, and go on from where the mesh stands, with no acknowledged write lost anywhere.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/mesh_support.h"
#include "tests/support/node_process.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using testing::AwaitConvergence;
using testing::AwaitMeshStatus;
using testing::NodeProcess;
using testing::SequenceOf;
using testing::TempDir;
using testing::TestPki;

const std::vector<std::string> kPartners = {"paris-2024", "solideo", "les-canaux", "yunus-centre"};
const std::string kVictim = "les-canaux";
// Kept down while the victim recovers, so that recovery cannot end before the test has seen the
// victim refuse writes: every configured peer must answer first.
const std::string kLate = "yunus-centre";
constexpr absl::Duration kConvergence = absl::Seconds(30);

grpc::Status Create(NodeProcess& node, const v1::Structure& structure, v1::Structure* created) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::CreateStructureRequest request;
  *request.mutable_structure() = structure;
  return node.Registry()->CreateStructure(&context, request, created);
}

class OwnOriginRecovery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    std::map<std::string, std::string> addresses;
    for (const std::string& partner : kPartners) {
      addresses[partner] = absl::StrCat("127.0.0.1:", testing::PickFreePort());
    }
    for (const std::string& partner : kPartners) AddNode(partner, addresses);
  }

  void TearDown() override {
    for (auto& [partner, node] : nodes_) {
      if (!node->running()) continue;
      EXPECT_EQ(node->Stop(), 0) << partner << ":\n" << node->StderrText();
    }
  }

  // `partner`'s node: mutual TLS, its signing key, every partner's public key, the others as peers.
  void AddNode(const std::string& partner, const std::map<std::string, std::string>& addresses) {
    v1::NodeConfig config;
    config.set_partner_id(partner);
    config.set_listen_address(addresses.at(partner));
    config.set_data_dir(DataDir(partner));
    *config.mutable_tls() = Tls(partner + "/node");
    config.set_signing_key_file(pki_->Path(partner + "/signing.key"));
    for (const std::string& p : kPartners) {
      v1::PartnerKey* key = config.add_partner_keys();
      key->set_partner_id(p);
      key->set_public_key_file(pki_->Path(p + "/signing.pub"));
      if (p == partner) continue;
      v1::Peer* peer = config.add_peers();
      peer->set_partner_id(p);
      peer->set_address(addresses.at(p));
    }
    std::string text;
    ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(config, &text));
    const std::string path = absl::StrCat(dir_.path(), "/", partner, ".textproto");
    std::ofstream(path) << text;
    nodes_[partner] =
        std::make_unique<NodeProcess>(PASSERELLE_NODE_BINARY, path, Tls(partner + "/admin"));
  }

  std::string DataDir(const std::string& partner) const {
    return absl::StrCat(dir_.path(), "/", partner, "-data");
  }

  // The four partners joining a new mesh.
  void StartAllNew() {
    for (const std::string& partner : kPartners) {
      ASSERT_TRUE(node(partner).Start(absl::Seconds(30), {"--new_partner"})) << partner;
    }
  }

  NodeProcess& node(const std::string& partner) { return *nodes_.at(partner); }

  std::vector<std::shared_ptr<grpc::Channel>> AllChannels() {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (const std::string& partner : kPartners) channels.push_back(node(partner).channel());
    return channels;
  }

  std::string NodeLogs() {
    std::string out;
    for (auto& [partner, node] : nodes_)
      absl::StrAppend(&out, "--- ", partner, ":\n", node->StderrText());
    return out;
  }

  // Writes `structures` through `partner`'s node one after the other; each must be acknowledged.
  void WriteAll(const std::string& partner, const std::vector<v1::Structure>& structures,
                std::vector<v1::Structure>* acknowledged) {
    for (const v1::Structure& structure : structures) {
      v1::Structure created;
      const grpc::Status status = Create(node(partner), structure, &created);
      ASSERT_TRUE(status.ok()) << partner << " " << structure.siret() << ": "
                               << status.error_message();
      acknowledged->push_back(created);
    }
  }

  // While the victim recovers with kLate down: a write is refused UNAVAILABLE saying why, and
  // mesh status says it is recovering.
  void ExpectWritesRefusedWhileRecovering(const v1::Structure& structure) {
    v1::Structure created;
    const grpc::Status refused = Create(node(kVictim), structure, &created);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
    EXPECT_TRUE(
        absl::StrContains(refused.error_message(), "taking its own changes back from its peers"))
        << refused.error_message();
    absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node(kVictim).channel());
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(absl::StartsWith(status->own_origin_state(), "recovering: "))
        << status->own_origin_state();
  }

  // kLate comes back; the victim ends its recovery holding what its peers held of its origin.
  void ExpectRecoveryEndsOnceEveryPeerAnswered(uint64_t own_changes) {
    ASSERT_TRUE(node(kLate).Start());
    ASSERT_TRUE(AwaitMeshStatus(
        node(kVictim).channel(),
        [](const v1::MeshStatus& status) { return status.own_origin_state() == "ready"; },
        kConvergence))
        << NodeLogs();
    absl::StatusOr<v1::DigestResponse> digest = testing::DigestOf(node(kVictim).channel());
    ASSERT_TRUE(digest.ok()) << digest.status();
    EXPECT_EQ(SequenceOf(digest->vector(), kVictim), own_changes);
    EXPECT_TRUE(
        absl::StrContains(node(kVictim).StderrText(), "recovery of own origin les-canaux complete"))
        << node(kVictim).StderrText();
  }

  // Every node holds every acknowledged structure at the version its writer was answered with, the
  // four agree, and no node refused a batch along the way.
  void ExpectMeshWhole(const std::vector<v1::Structure>& acknowledged, uint64_t own_changes) {
    ASSERT_TRUE(AwaitConvergence(AllChannels(), /*compare_records=*/true, kConvergence))
        << NodeLogs();
    for (const std::string& partner : kPartners) {
      absl::StatusOr<v1::DigestResponse> digest = testing::DigestOf(node(partner).channel());
      ASSERT_TRUE(digest.ok()) << partner << ": " << digest.status();
      EXPECT_EQ(SequenceOf(digest->vector(), kVictim), own_changes) << partner;
      EXPECT_EQ(testing::RecordsOf(*digest, "structure"), acknowledged.size()) << partner;
      auto registry = node(partner).Registry();
      for (const v1::Structure& structure : acknowledged) {
        grpc::ClientContext context;
        v1::GetStructureRequest request;
        request.set_name(structure.name());
        v1::Structure seen;
        const grpc::Status status = registry->GetStructure(&context, request, &seen);
        ASSERT_TRUE(status.ok()) << partner << " " << structure.name() << ": "
                                 << status.error_message();
        EXPECT_EQ(seen.etag(), structure.etag()) << partner << " " << structure.name();
      }
      absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node(partner).channel());
      ASSERT_TRUE(status.ok());
      for (const v1::PeerStatus& peer : status->peers()) {
        EXPECT_EQ(peer.rejected_gap() + peer.rejected_signature() + peer.rejected_policy(), 0u)
            << partner << " from " << peer.partner_id();
      }
      EXPECT_FALSE(absl::StrContains(node(partner).StderrText(), "batch rejected"))
          << partner << ":\n"
          << node(partner).StderrText();
    }
  }

  static v1::TlsConfig Tls(const std::string& stem) {
    v1::TlsConfig tls;
    tls.set_ca_file(pki_->Path("ca.pem"));
    tls.set_cert_file(pki_->Path(stem + ".pem"));
    tls.set_key_file(pki_->Path(stem + ".key"));
    return tls;
  }

  static TestPki* pki_;
  TempDir dir_;
  std::map<std::string, std::unique_ptr<NodeProcess>> nodes_;
};

TestPki* OwnOriginRecovery::pki_ = nullptr;

// Flips one byte in the middle of the largest write-ahead log (NNNNNN.log) in `data_dir`; returns
// its path.
std::string FlipByteInTheMiddleOfTheLog(const std::string& data_dir) {
  std::filesystem::path log;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir)) {
    const std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, ".log") || name == "LOG") continue;
    if (log.empty() || entry.file_size() > std::filesystem::file_size(log)) log = entry.path();
  }
  if (log.empty()) return "";
  const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(log) / 2);
  std::fstream file(log, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(middle);
  char byte = 0;
  file.get(byte);
  file.seekp(middle);
  file.put(static_cast<char>(byte ^ 0x5a));
  return log.string();
}

TEST_F(OwnOriginRecovery, ADamagedLogStopsTheNodeAndItsTailComesBackFromThePeers) {
  constexpr size_t kWrites = 300;
  constexpr size_t kAfter = 20;
  ASSERT_NO_FATAL_FAILURE(StartAllNew());
  const std::vector<v1::Structure> structures =
      cli::GenerateStructures(static_cast<int>(kWrites + kAfter + 1), 61);
  std::vector<v1::Structure> acknowledged;
  ASSERT_NO_FATAL_FAILURE(
      WriteAll(kVictim, {structures.begin(), structures.begin() + kWrites}, &acknowledged));
  ASSERT_TRUE(AwaitConvergence(AllChannels(), /*compare_records=*/true, kConvergence))
      << NodeLogs();

  EXPECT_EQ(node(kVictim).Kill(), 128 + SIGKILL);
  const std::string log = FlipByteInTheMiddleOfTheLog(DataDir(kVictim));
  ASSERT_FALSE(log.empty());

  // Started as before, it refuses, naming the log and the way out.
  EXPECT_NE(node(kVictim).RunUntilExit({}), 0) << node(kVictim).StderrText();
  const std::string refusal = node(kVictim).StderrText();
  EXPECT_TRUE(absl::StrContains(refusal, log)) << refusal;
  EXPECT_TRUE(absl::StrContains(refusal, "--recover_damaged_wal")) << refusal;

  // The operator opens what is intact: writes wait until its own changes are back.
  EXPECT_EQ(node(kLate).Stop(), 0);
  ASSERT_TRUE(node(kVictim).Start(absl::Seconds(30), {"--recover_damaged_wal"}));
  ASSERT_NO_FATAL_FAILURE(ExpectWritesRefusedWhileRecovering(structures[kWrites + kAfter]));
  ASSERT_NO_FATAL_FAILURE(ExpectRecoveryEndsOnceEveryPeerAnswered(kWrites));
  // The log did lose the tail: recovery began short of what had been acknowledged.
  const std::string logged = node(kVictim).StderrText();
  const std::string kBegan = "recovery of own origin les-canaux started at sequence ";
  const size_t began = logged.find(kBegan);
  ASSERT_NE(began, std::string::npos) << logged;
  uint64_t kept = 0;
  ASSERT_TRUE(absl::SimpleAtoi(
      logged.substr(began + kBegan.size(),
                    logged.find(':', began + kBegan.size()) - began - kBegan.size()),
      &kept))
      << logged;
  EXPECT_LT(kept, kWrites);
  RecordProperty("kept_after_damage", static_cast<int>(kept));

  // Its new writes continue its sequence: the peers apply them rather than skip them as held.
  ASSERT_NO_FATAL_FAILURE(
      WriteAll(kVictim, {structures.begin() + kWrites, structures.begin() + kWrites + kAfter},
               &acknowledged));
  ExpectMeshWhole(acknowledged, kWrites + kAfter);
}

TEST_F(OwnOriginRecovery, ANodeOnAnEmptyFolderTakesItsOwnPastBackBeforeWriting) {
  constexpr size_t kWrites = 100;
  constexpr size_t kAfter = 20;
  ASSERT_NO_FATAL_FAILURE(StartAllNew());
  const std::vector<v1::Structure> structures =
      cli::GenerateStructures(static_cast<int>(kWrites + kAfter + 1), 67);
  std::vector<v1::Structure> acknowledged;
  ASSERT_NO_FATAL_FAILURE(
      WriteAll(kVictim, {structures.begin(), structures.begin() + kWrites}, &acknowledged));
  ASSERT_TRUE(AwaitConvergence(AllChannels(), /*compare_records=*/true, kConvergence))
      << NodeLogs();

  EXPECT_EQ(node(kVictim).Stop(), 0);
  std::filesystem::remove_all(DataDir(kVictim));
  EXPECT_EQ(node(kLate).Stop(), 0);
  ASSERT_TRUE(node(kVictim).Start());
  ASSERT_NO_FATAL_FAILURE(ExpectWritesRefusedWhileRecovering(structures[kWrites + kAfter]));
  ASSERT_NO_FATAL_FAILURE(ExpectRecoveryEndsOnceEveryPeerAnswered(kWrites));

  ASSERT_NO_FATAL_FAILURE(
      WriteAll(kVictim, {structures.begin() + kWrites, structures.begin() + kWrites + kAfter},
               &acknowledged));
  ExpectMeshWhole(acknowledged, kWrites + kAfter);
}

TEST_F(OwnOriginRecovery, ANewPartnerWritesAtOnceAndTheFlagIsRefusedOnAFolderWithData) {
  // Its peers are not even up: a new partner has no past to wait for.
  ASSERT_TRUE(node(kVictim).Start(absl::Seconds(30), {"--new_partner"}));
  const std::vector<v1::Structure> structures = cli::GenerateStructures(1, 71);
  v1::Structure created;
  const grpc::Status status = Create(node(kVictim), structures[0], &created);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(node(kVictim).Stop(), 0);

  EXPECT_NE(node(kVictim).RunUntilExit({"--new_partner"}), 0);
  const std::string refusal = node(kVictim).StderrText();
  EXPECT_TRUE(absl::StrContains(refusal, "--new_partner is for a partner joining the mesh"))
      << refusal;
  // Without the flag it starts on its own past, ready.
  ASSERT_TRUE(node(kVictim).Start());
  absl::StatusOr<v1::MeshStatus> mesh = testing::MeshStatusOf(node(kVictim).channel());
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  EXPECT_EQ(mesh->own_origin_state(), "ready");
}

}  // namespace
}  // namespace passerelle
