// Process-level faults of the four-partner mesh: real passerelle-node processes over mutual TLS on
// loopback, with certificates from the real deploy/pki. A node killed with kill -9 and a node cut
// off by a network partition must both catch up on their own, with every acknowledged write on
// every node and no change applied twice.

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/demo_data.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/mesh/test_pki.h"
#include "tests/support/mesh_support.h"
#include "tests/support/node_process.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using testing::AwaitConvergence;
using testing::AwaitMeshStatus;
using testing::NodeProcess;
using testing::SequenceOf;
using testing::TcpProxy;
using testing::TempDir;
using testing::TestPki;

const std::vector<std::string> kPartners = {"paris-2024", "solideo", "les-canaux", "yunus-centre"};

// Generous: a failure here is a hang, not a slow pass. Convergence normally takes well under a
// second, or a few seconds after a fault, while the pullers' backoff (at most 5 s, jittered) runs
// out.
constexpr absl::Duration kConvergence = absl::Seconds(30);
constexpr absl::Duration kWrites = absl::Seconds(60);

// Creates structures through one node, in order, on its own thread — as a partner's IT system
// would, with that partner's admin certificate — but never beyond what the test has allowed so far,
// so that the test can place a fault between two writes without sleeping.
class StructureWriter {
 public:
  StructureWriter(std::shared_ptr<grpc::Channel> channel, std::vector<v1::Structure> structures)
      : registry_(v1::RegistryService::NewStub(std::move(channel))),
        structures_(std::move(structures)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StructureWriter() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    thread_.join();
  }

  size_t size() const { return structures_.size(); }

  // Lets the writer go on up to the first `count` structures.
  void Allow(size_t count) {
    absl::MutexLock lock(&mu_);
    allowed_ = std::min(count, structures_.size());
  }
  void AllowAll() { Allow(structures_.size()); }

  // Waits until the first `count` writes have been answered, acknowledged or not; false after
  // kWrites.
  bool AwaitAnswered(size_t count) {
    absl::MutexLock lock(&mu_);
    auto done = [this, count]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return answered_ >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&done), kWrites);
  }
  bool AwaitAllAnswered() { return AwaitAnswered(structures_.size()); }

  // The structures the node acknowledged, as it returned them (name, etag, owner).
  std::vector<v1::Structure> acknowledged() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  // "SIRET: CODE message" for each write that was not acknowledged.
  std::vector<std::string> failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  void Run() {
    for (size_t i = 0; i < structures_.size(); ++i) {
      {
        absl::MutexLock lock(&mu_);
        auto may_write = [this, i]()
                             ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || i < allowed_; };
        mu_.Await(absl::Condition(&may_write));
        if (stopping_) return;
      }
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      v1::CreateStructureRequest request;
      *request.mutable_structure() = structures_[i];
      v1::Structure created;
      const grpc::Status status = registry_->CreateStructure(&context, request, &created);
      absl::MutexLock lock(&mu_);
      if (status.ok()) {
        acknowledged_.push_back(std::move(created));
      } else {
        failures_.push_back(absl::StrCat(structures_[i].siret(), ": ", status.error_code(), " ",
                                         status.error_message()));
      }
      ++answered_;
    }
  }

  std::unique_ptr<v1::RegistryService::Stub> registry_;
  const std::vector<v1::Structure> structures_;
  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  size_t allowed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t answered_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<v1::Structure> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> failures_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class MeshFaults : public ::testing::Test {
 protected:
  // One set of certificates and keys for the whole suite: making them is the slow part of setting
  // up.
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->Run("OUT");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  // Stops every node gracefully: a node that crashed along the way, or cannot stop cleanly, fails
  // the test.
  void TearDown() override {
    for (auto& [partner, node] : nodes_) {
      if (!node->running()) continue;
      EXPECT_EQ(node->Stop(), 0) << partner << ":\n" << node->StderrText();
    }
  }

  // A loopback address on a free port for each partner's node, fixed before any starts so that
  // configs can name their peers (and a restarted node comes back where its peers expect it).
  static std::map<std::string, std::string> PickListenAddresses() {
    std::map<std::string, std::string> addresses;
    for (const std::string& partner : kPartners) {
      addresses[partner] = absl::StrCat("127.0.0.1:", testing::PickFreePort());
    }
    return addresses;
  }

  // Writes `partner`'s config — mutual TLS, its signing key, every partner's public key, a peer
  // entry at `peer_addresses` for each of the others — and makes (does not start) its node, whose
  // test calls present the partner's admin certificate.
  void AddNode(const std::string& partner, const std::string& listen_address,
               const std::map<std::string, std::string>& peer_addresses) {
    v1::NodeConfig config;
    config.set_partner_id(partner);
    config.set_listen_address(listen_address);
    config.set_data_dir(absl::StrCat(dir_.path(), "/", partner, "-data"));
    *config.mutable_tls() = Tls(partner + "/node");
    config.set_signing_key_file(pki_->Path(partner + "/signing.key"));
    for (const std::string& p : kPartners) {
      v1::PartnerKey* key = config.add_partner_keys();
      key->set_partner_id(p);
      key->set_public_key_file(pki_->Path(p + "/signing.pub"));
      if (p == partner) continue;
      v1::Peer* peer = config.add_peers();
      peer->set_partner_id(p);
      peer->set_address(peer_addresses.at(p));
    }
    std::string text;
    ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(config, &text));
    const std::string path = absl::StrCat(dir_.path(), "/", partner, ".textproto");
    std::ofstream(path) << text;
    nodes_[partner] =
        std::make_unique<NodeProcess>(PASSERELLE_NODE_BINARY, path, Tls(partner + "/admin"));
  }

  // Starts every node made by AddNode.
  void StartAll() {
    for (auto& [partner, node] : nodes_) {
      ASSERT_TRUE(node->Start(absl::Seconds(30), {"--new_partner"})) << partner;
    }
  }

  NodeProcess& node(const std::string& partner) { return *nodes_.at(partner); }

  std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::vector<std::string>& partners) {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (const std::string& partner : partners) channels.push_back(node(partner).channel());
    return channels;
  }

  // What every node wrote to standard error, for failure messages.
  std::string NodeLogs() {
    std::string out;
    for (auto& [partner, node] : nodes_)
      absl::StrAppend(&out, "--- ", partner, ":\n", node->StderrText());
    return out;
  }

  v1::DigestResponse DigestOf(const std::string& partner) {
    absl::StatusOr<v1::DigestResponse> digest = testing::DigestOf(node(partner).channel());
    EXPECT_TRUE(digest.ok()) << partner << ": " << digest.status();
    return digest.value_or(v1::DigestResponse());
  }

  // Every node holds every structure in `acknowledged`: as many structure records as were
  // acknowledged, and, for a sample, the very version each writer was answered with.
  void ExpectEveryNodeHolds(const std::vector<v1::Structure>& acknowledged) {
    for (const std::string& partner : kPartners) {
      EXPECT_EQ(testing::RecordsOf(DigestOf(partner), "structure"), acknowledged.size()) << partner;
      auto registry = node(partner).Registry();
      for (size_t i = 0; i < acknowledged.size(); i += 7) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::GetStructureRequest request;
        request.set_name(acknowledged[i].name());
        v1::Structure seen;
        const grpc::Status status = registry->GetStructure(&context, request, &seen);
        ASSERT_TRUE(status.ok()) << partner << " " << acknowledged[i].name() << ": "
                                 << status.error_message();
        EXPECT_EQ(seen.etag(), acknowledged[i].etag()) << partner << " " << acknowledged[i].name();
        EXPECT_EQ(seen.owner_partner(), acknowledged[i].owner_partner()) << partner;
      }
    }
  }

  // No change was applied twice on `partner`'s node: its pullers together applied exactly one
  // change per change of another origin that its vector holds, and every other copy that arrived
  // was counted as a duplicate and skipped. In a full mesh copies are the rule: a change reaches a
  // node from each peer that holds it, and peers even send a node its own changes back. The
  // pullers' counters start at zero with the process, so this holds only for a node never
  // restarted.
  void ExpectEachRemoteChangeAppliedOnce(const std::string& partner) {
    absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node(partner).channel());
    ASSERT_TRUE(status.ok()) << partner << ": " << status.status();
    uint64_t remote_changes = 0;
    for (const auto& [origin, sequence] : status->vector().sequences()) {
      if (origin != partner) remote_changes += sequence;
    }
    uint64_t applied = 0;
    uint64_t duplicates = 0;
    for (const v1::PeerStatus& peer : status->peers()) {
      applied += peer.applied();
      duplicates += peer.duplicates();
      EXPECT_EQ(peer.rejected_signature(), 0u) << partner << " from " << peer.partner_id();
      EXPECT_EQ(peer.rejected_policy(), 0u) << partner << " from " << peer.partner_id();
      EXPECT_EQ(peer.rejected_gap(), 0u) << partner << " from " << peer.partner_id();
    }
    EXPECT_EQ(applied, remote_changes) << partner << " (duplicates skipped: " << duplicates << ")\n"
                                       << status->DebugString();
    RecordProperty(absl::StrCat(partner, ".applied"), static_cast<int>(applied));
    RecordProperty(absl::StrCat(partner, ".duplicates"), static_cast<int>(duplicates));
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

TestPki* MeshFaults::pki_ = nullptr;

// Distinct structures for several writers: consecutive slices of one generator, `sizes[i]` for
// writer i.
std::vector<std::vector<v1::Structure>> StructuresFor(const std::vector<size_t>& sizes,
                                                      uint64_t seed) {
  size_t total = 0;
  for (size_t size : sizes) total += size;
  std::vector<v1::Structure> all = cli::GenerateStructures(static_cast<int>(total), seed);
  std::vector<std::vector<v1::Structure>> out;
  auto from = all.begin();
  for (size_t size : sizes) {
    out.emplace_back(from, from + static_cast<std::ptrdiff_t>(size));
    from += static_cast<std::ptrdiff_t>(size);
  }
  return out;
}

void Append(std::vector<v1::Structure>* to, const std::vector<v1::Structure>& more) {
  to->insert(to->end(), more.begin(), more.end());
}

TEST_F(MeshFaults, KilledNodeCatchesUpAndEveryAcknowledgedWriteReachesAllFour) {
  const std::map<std::string, std::string> addresses = PickListenAddresses();
  for (const std::string& partner : kPartners) {
    ASSERT_NO_FATAL_FAILURE(AddNode(partner, addresses.at(partner), addresses));
  }
  ASSERT_NO_FATAL_FAILURE(StartAll());
  const std::string victim = "les-canaux";
  constexpr size_t kVictimWrites = 20;
  constexpr size_t kWritesEach = 200;
  auto structures = StructuresFor({kVictimWrites, kWritesEach, kWritesEach}, 41);

  // Writes the victim acknowledged before it was killed: they must survive the kill and reach
  // everyone.
  std::vector<v1::Structure> acknowledged;
  {
    StructureWriter writer(node(victim).channel(), structures[0]);
    writer.AllowAll();
    ASSERT_TRUE(writer.AwaitAllAnswered());
    EXPECT_TRUE(writer.failures().empty()) << writer.failures().front();
    Append(&acknowledged, writer.acknowledged());
  }

  StructureWriter paris(node("paris-2024").channel(), structures[1]);
  StructureWriter solideo(node("solideo").channel(), structures[2]);
  paris.Allow(kWritesEach * 2 / 3);
  solideo.Allow(kWritesEach * 2 / 3);
  ASSERT_TRUE(paris.AwaitAnswered(kWritesEach / 3));
  ASSERT_TRUE(solideo.AwaitAnswered(kWritesEach / 3));
  EXPECT_EQ(node(victim).Kill(), 128 + SIGKILL);

  // The others go on writing while the victim is down...
  ASSERT_TRUE(paris.AwaitAnswered(kWritesEach * 2 / 3));
  ASSERT_TRUE(solideo.AwaitAnswered(kWritesEach * 2 / 3));
  // ...and while it restarts on the same config and data dir, and catches up.
  ASSERT_TRUE(node(victim).Start());
  paris.AllowAll();
  solideo.AllowAll();
  ASSERT_TRUE(paris.AwaitAllAnswered());
  ASSERT_TRUE(solideo.AwaitAllAnswered());
  EXPECT_TRUE(paris.failures().empty()) << paris.failures().front();
  EXPECT_TRUE(solideo.failures().empty()) << solideo.failures().front();
  Append(&acknowledged, paris.acknowledged());
  Append(&acknowledged, solideo.acknowledged());

  ASSERT_TRUE(AwaitConvergence(Channels(kPartners), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  const v1::DigestResponse digest = DigestOf(victim);
  EXPECT_EQ(SequenceOf(digest.vector(), victim), kVictimWrites);
  EXPECT_EQ(SequenceOf(digest.vector(), "paris-2024"), kWritesEach);
  EXPECT_EQ(SequenceOf(digest.vector(), "solideo"), kWritesEach);
  EXPECT_EQ(SequenceOf(digest.vector(), "yunus-centre"), 0u);
  ExpectEveryNodeHolds(acknowledged);
  for (const std::string partner : {"paris-2024", "solideo", "yunus-centre"}) {
    ExpectEachRemoteChangeAppliedOnce(partner);
  }
}

TEST_F(MeshFaults, PartitionedNodeHealsWithNoWriteLostAndNoChangeAppliedTwice) {
  // Every link to and from the isolated node runs through a proxy: the others reach it through one
  // in front of it, and it reaches each of them through one in front of that peer. Clients talk to
  // nodes directly.
  const std::string isolated = "yunus-centre";
  const std::vector<std::string> others = {"paris-2024", "solideo", "les-canaux"};
  const std::map<std::string, std::string> addresses = PickListenAddresses();
  std::vector<std::unique_ptr<TcpProxy>> proxies;
  std::map<std::string, std::string> seen_by_others = addresses;
  std::map<std::string, std::string> seen_by_isolated = addresses;
  proxies.push_back(std::make_unique<TcpProxy>(addresses.at(isolated)));
  seen_by_others[isolated] = proxies.back()->address();
  for (const std::string& partner : others) {
    proxies.push_back(std::make_unique<TcpProxy>(addresses.at(partner)));
    seen_by_isolated[partner] = proxies.back()->address();
  }
  for (const std::string& partner : others) {
    ASSERT_NO_FATAL_FAILURE(AddNode(partner, addresses.at(partner), seen_by_others));
  }
  ASSERT_NO_FATAL_FAILURE(AddNode(isolated, addresses.at(isolated), seen_by_isolated));
  ASSERT_NO_FATAL_FAILURE(StartAll());

  // Writes through each of the four before the partition, then through each of paris-2024, solideo
  // and the isolated node during it.
  constexpr size_t kBefore = 10;
  constexpr size_t kDuring = 100;
  auto structures =
      StructuresFor({kBefore, kBefore, kBefore, kBefore, kDuring, kDuring, kDuring}, 43);
  std::vector<v1::Structure> acknowledged;
  {
    std::vector<std::unique_ptr<StructureWriter>> writers;
    for (size_t i = 0; i < kPartners.size(); ++i) {
      writers.push_back(
          std::make_unique<StructureWriter>(node(kPartners[i]).channel(), structures[i]));
      writers.back()->AllowAll();
    }
    for (auto& writer : writers) {
      ASSERT_TRUE(writer->AwaitAllAnswered());
      EXPECT_TRUE(writer->failures().empty()) << writer->failures().front();
      Append(&acknowledged, writer->acknowledged());
    }
  }
  // The links through the proxies work: everyone has everything.
  ASSERT_TRUE(AwaitConvergence(Channels(kPartners), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  for (const auto& proxy : proxies) EXPECT_GT(proxy->forwarded(), 0u) << "to " << proxy->target();

  for (auto& proxy : proxies) proxy->Cut();
  {
    StructureWriter paris(node("paris-2024").channel(), structures[4]);
    StructureWriter solideo(node("solideo").channel(), structures[5]);
    StructureWriter yunus(node(isolated).channel(), structures[6]);
    for (StructureWriter* writer : {&paris, &solideo, &yunus}) writer->AllowAll();
    for (StructureWriter* writer : {&paris, &solideo, &yunus}) {
      ASSERT_TRUE(writer->AwaitAllAnswered());
      EXPECT_TRUE(writer->failures().empty()) << writer->failures().front();
      Append(&acknowledged, writer->acknowledged());
    }
  }

  // Each side converges on its own writes and sees none of the other side's.
  ASSERT_TRUE(AwaitConvergence(Channels(others), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  for (const std::string& partner : others) {
    const v1::DigestResponse digest = DigestOf(partner);
    EXPECT_EQ(SequenceOf(digest.vector(), "paris-2024"), kBefore + kDuring) << partner;
    EXPECT_EQ(SequenceOf(digest.vector(), isolated), kBefore) << partner;
  }
  {
    const v1::DigestResponse digest = DigestOf(isolated);
    EXPECT_EQ(SequenceOf(digest.vector(), isolated), kBefore + kDuring);
    EXPECT_EQ(SequenceOf(digest.vector(), "paris-2024"), kBefore);
    EXPECT_EQ(SequenceOf(digest.vector(), "solideo"), kBefore);
    EXPECT_EQ(SequenceOf(digest.vector(), "les-canaux"), kBefore);
  }

  for (auto& proxy : proxies) proxy->Heal();
  ASSERT_TRUE(AwaitConvergence(Channels(kPartners), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  const std::map<std::string, uint64_t> expected = {{"paris-2024", kBefore + kDuring},
                                                    {"solideo", kBefore + kDuring},
                                                    {"les-canaux", kBefore},
                                                    {"yunus-centre", kBefore + kDuring}};
  for (const std::string& partner : kPartners) {
    EXPECT_EQ(testing::VectorOf(DigestOf(partner).vector()), expected) << partner;
  }
  ExpectEveryNodeHolds(acknowledged);
  for (const std::string& partner : kPartners) ExpectEachRemoteChangeAppliedOnce(partner);
}

// Whether every peer in `status` is connected and asked to relay none of the others but `relayed`:
// each link is up and each stream skips the origins the other links bring.
bool EveryLinkUpRelaying(const v1::MeshStatus& status, const std::vector<std::string>& relayed) {
  for (const v1::PeerStatus& peer : status.peers()) {
    if (std::count(relayed.begin(), relayed.end(), peer.partner_id()) > 0) {
      if (peer.connected()) return false;
      continue;
    }
    if (!peer.connected()) return false;
    std::vector<std::string> expected;
    for (const v1::PeerStatus& other : status.peers()) {
      if (other.partner_id() != peer.partner_id() &&
          std::count(relayed.begin(), relayed.end(), other.partner_id()) == 0) {
        expected.push_back(other.partner_id());
      }
    }
    std::sort(expected.begin(), expected.end());
    if (!std::equal(peer.skipped_origins().begin(), peer.skipped_origins().end(), expected.begin(),
                    expected.end())) {
      return false;
    }
  }
  return true;
}

// What `partner`'s node applied from each peer, by peer.
std::map<std::string, uint64_t> AppliedByPeer(const v1::MeshStatus& status) {
  std::map<std::string, uint64_t> out;
  for (const v1::PeerStatus& peer : status.peers()) out[peer.partner_id()] = peer.applied();
  return out;
}

TEST_F(MeshFaults, WithEveryLinkUpAChangeArrivesOnceStraightFromItsOrigin) {
  const std::map<std::string, std::string> addresses = PickListenAddresses();
  for (const std::string& partner : kPartners) {
    ASSERT_NO_FATAL_FAILURE(AddNode(partner, addresses.at(partner), addresses));
  }
  ASSERT_NO_FATAL_FAILURE(StartAll());
  for (const std::string& partner : kPartners) {
    ASSERT_TRUE(AwaitMeshStatus(node(partner).channel(), [](const v1::MeshStatus& status) {
      return EveryLinkUpRelaying(status, {});
    })) << partner;
  }
  constexpr size_t kWrites = 60;
  auto structures = StructuresFor({kWrites, kWrites}, 47);
  {
    StructureWriter paris(node("paris-2024").channel(), structures[0]);
    StructureWriter canaux(node("les-canaux").channel(), structures[1]);
    for (StructureWriter* writer : {&paris, &canaux}) {
      writer->AllowAll();
      ASSERT_TRUE(writer->AwaitAllAnswered());
      EXPECT_TRUE(writer->failures().empty()) << writer->failures().front();
    }
  }
  ASSERT_TRUE(AwaitConvergence(Channels(kPartners), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  // A relayed copy would show as a duplicate, or as a change applied from a peer that did not
  // write it.
  for (absl::string_view partner : {"solideo", "yunus-centre"}) {
    absl::StatusOr<v1::MeshStatus> status =
        testing::MeshStatusOf(node(std::string(partner)).channel());
    ASSERT_TRUE(status.ok()) << status.status();
    const std::map<std::string, uint64_t> expected = {
        {"paris-2024", kWrites},
        {"les-canaux", kWrites},
        {partner == "solideo" ? "yunus-centre" : "solideo", 0}};
    EXPECT_EQ(AppliedByPeer(*status), expected) << partner;
    for (const v1::PeerStatus& peer : status->peers()) {
      EXPECT_EQ(peer.duplicates(), 0u) << partner << " from " << peer.partner_id();
    }
  }
  for (const std::string& partner : kPartners) ExpectEachRemoteChangeAppliedOnce(partner);
}

TEST_F(MeshFaults, AnOriginANodeCannotReachIsRelayedToItByTheOthers) {
  const std::map<std::string, std::string> addresses = PickListenAddresses();
  // paris-2024's link to solideo goes nowhere; every other link works.
  std::map<std::string, std::string> seen_by_paris = addresses;
  seen_by_paris["solideo"] = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  for (const std::string& partner : kPartners) {
    ASSERT_NO_FATAL_FAILURE(AddNode(partner, addresses.at(partner),
                                    partner == "paris-2024" ? seen_by_paris : addresses));
  }
  ASSERT_NO_FATAL_FAILURE(StartAll());
  ASSERT_TRUE(AwaitMeshStatus(node("paris-2024").channel(), [](const v1::MeshStatus& status) {
    return EveryLinkUpRelaying(status, {"solideo"});
  }));
  constexpr size_t kWrites = 60;
  auto structures = StructuresFor({kWrites}, 53);
  {
    StructureWriter solideo(node("solideo").channel(), structures[0]);
    solideo.AllowAll();
    ASSERT_TRUE(solideo.AwaitAllAnswered());
    EXPECT_TRUE(solideo.failures().empty()) << solideo.failures().front();
  }
  ASSERT_TRUE(AwaitConvergence(Channels(kPartners), /*compare_records=*/true, kConvergence))
      << NodeLogs();
  absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node("paris-2024").channel());
  ASSERT_TRUE(status.ok()) << status.status();
  const std::map<std::string, uint64_t> applied = AppliedByPeer(*status);
  EXPECT_EQ(applied.at("solideo"), 0u);
  EXPECT_EQ(applied.at("les-canaux") + applied.at("yunus-centre"), kWrites);
  for (const std::string& partner : kPartners) ExpectEachRemoteChangeAppliedOnce(partner);
}

}  // namespace
}  // namespace passerelle
