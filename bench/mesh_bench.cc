// passerelle-mesh-bench: replication between real passerelle-node processes on loopback, as two
// partners' nodes meet it. Node A ("origin", paris-2024) has no peers; node B ("follower", solideo)
// pulls from A. Prints BENCH lines (see report.h):
//   (a) mesh_local_write_*: one ImportStructures stream of --changes structures into A alone;
//   (b) mesh_catchup_* / mesh_replication_*: B started once A holds them, timed from B's start
//   until
//       B's version vector equals A's (replication throughput and catch-up are this one figure);
//   (c) mesh_tls_signing_cost_ratio: (b) in development mode (no tls block: plaintext, unsigned)
//       over (b) with mutual TLS and Ed25519 signatures (certificates from deploy/pki); and B's CPU
//       per change applied in each mode (mesh_*apply*cpu*), steadier on a shared machine;
//   (d) mesh_lag_*: four nodes (the four partners) in a full mesh over mutual TLS, each pulling
//       from the three others; CreateStructure on A at a steady rate; for every
//       --lag_sample_every-th acknowledged write, the time until each of the three others serves it
//       (GetStructure), and the copies of each change the others received beyond the one they
//       applied (relays).
// Goals are printed as "#" notes next to the figures; nothing is asserted.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/import.h"
#include "bench/load.h"
#include "bench/report.h"
#include "bench/server_process.h"
#include "cli/demo_data.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "mesh/identity.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/mesh.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/support/mesh_support.h"
#include "tests/support/test_node.h"

ABSL_FLAG(std::string, node_binary, PASSERELLE_NODE_BINARY, "passerelle-node to measure");
ABSL_FLAG(std::string, pki_script, PASSERELLE_PKI_SCRIPT,
          "deploy/pki, to make the TLS mesh's files");
ABSL_FLAG(int, changes, 1000000,
          "structures imported into A, then caught up by B (once per mode): the issue's node that "
          "missed a million changes");
ABSL_FLAG(double, lag_rate, 200, "CreateStructure calls per second on A while lag is measured");
ABSL_FLAG(absl::Duration, lag_duration, absl::Seconds(10), "how long the steady write load lasts");
ABSL_FLAG(int, lag_sample_every, 10, "every n-th acknowledged write is awaited on B");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(600), "longest wait for a catch-up or a write");
ABSL_FLAG(uint64_t, seed, 2024, "demo generator seed");
ABSL_FLAG(bool, dev_catchup_only, false,
          "measure (a) and (b) in development mode only, and stop there: the quick loop when "
          "tuning the apply path");

namespace passerelle::bench {
namespace {

constexpr char kOrigin[] = "paris-2024";
constexpr char kFollower[] = "solideo";
// The full mesh of (d): A and B, and two more.
const std::vector<std::string>& Partners() {
  static const auto* partners =
      new std::vector<std::string>{kOrigin, kFollower, "les-canaux", "yunus-centre"};
  return *partners;
}
// How often B is asked where it stands, and how often a sampled write is looked for on B.
constexpr absl::Duration kVectorPoll = absl::Milliseconds(10);
constexpr absl::Duration kServedPoll = absl::Milliseconds(1);

double Milliseconds(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// How the nodes are secured: development mode (no tls block) when pki_dir is empty, otherwise
// mutual TLS and signed changes with deploy/pki's files in pki_dir.
struct Security {
  std::string name;
  std::string pki_dir;

  bool tls() const { return !pki_dir.empty(); }
  std::string File(absl::string_view partner, absl::string_view file) const {
    return absl::StrCat(pki_dir, "/", partner, "/", file);
  }
  std::string CaFile() const { return absl::StrCat(pki_dir, "/ca.pem"); }
};

// Runs deploy/pki for the four partners into `dir`.
absl::StatusOr<Security> MakeTlsSecurity(const std::string& dir) {
  const std::string command = absl::StrCat(absl::GetFlag(FLAGS_pki_script), " ", dir, " ",
                                           absl::StrJoin(Partners(), " "), " >/dev/null 2>&1");
  if (std::system(command.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("failed: ", command));
  }
  return Security{"tls", dir};
}

v1::NodeConfig NodeConfigFor(const std::string& partner, const Security& security,
                             const std::vector<v1::Peer>& peers,
                             const std::string& listen_address) {
  v1::NodeConfig config;
  config.set_partner_id(partner);
  config.set_listen_address(listen_address);
  for (const v1::Peer& peer : peers) *config.add_peers() = peer;
  if (!security.tls()) return config;
  config.mutable_tls()->set_ca_file(security.CaFile());
  config.mutable_tls()->set_cert_file(security.File(partner, "node.pem"));
  config.mutable_tls()->set_key_file(security.File(partner, "node.key"));
  config.set_signing_key_file(security.File(partner, "signing.key"));
  for (const std::string& id : Partners()) {
    v1::PartnerKey* key = config.add_partner_keys();
    key->set_partner_id(id);
    key->set_public_key_file(security.File(id, "signing.pub"));
  }
  return config;
}

// A node process and a channel to it as its partner's IT systems (the partner_admin certificate
// under TLS).
struct MeshNode {
  std::string partner;
  std::unique_ptr<ServerProcess> process;
  std::shared_ptr<grpc::Channel> channel;

  // The node's graceful shutdown waits out its grace period while a client keeps a connection
  // open: the channel goes first.
  absl::Status Stop() {
    channel.reset();
    if (int code = process->Stop(); code != 0) {
      return absl::InternalError(absl::StrCat(partner, "'s node exited with code ", code));
    }
    return absl::OkStatus();
  }
};

// `listen_address` empty: any free port.
absl::StatusOr<MeshNode> StartMeshNode(const std::string& partner, const Security& security,
                                       const std::vector<v1::Peer>& peers = {},
                                       const std::string& listen_address = "") {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (security.tls()) {
    v1::TlsConfig admin;
    admin.set_ca_file(security.CaFile());
    admin.set_cert_file(security.File(partner, "admin.pem"));
    admin.set_key_file(security.File(partner, "admin.key"));
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls = mesh::ChannelCredentials(admin);
    if (!tls.ok()) return tls.status();
    credentials = *tls;
  }
  absl::StatusOr<std::unique_ptr<ServerProcess>> process = ServerProcess::StartNode(
      absl::GetFlag(FLAGS_node_binary), NodeConfigFor(partner, security, peers, listen_address));
  if (!process.ok()) return process.status();
  MeshNode node{partner, std::move(*process), nullptr};
  node.channel = grpc::CreateChannel(node.process->address(), credentials);
  return node;
}

// Polls `node` until its version vector is `target`; returns when it got there.
absl::StatusOr<absl::Time> AwaitVector(const MeshNode& node, const v1::VersionVector& target) {
  const absl::Time deadline = absl::Now() + absl::GetFlag(FLAGS_timeout);
  while (absl::Now() < deadline) {
    // GetMeshStatus carries the same vector as Digest without hashing every record at each poll.
    absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node.channel);
    if (status.ok() && testing::SameVector(status->vector(), target)) return absl::Now();
    absl::SleepFor(kVectorPoll);
  }
  return absl::DeadlineExceededError(
      absl::StrCat(node.partner, " did not catch up within ",
                   absl::FormatDuration(absl::GetFlag(FLAGS_timeout))));
}

// Checks that two converged nodes hold the same records, kind by kind.
absl::Status CheckSameState(const MeshNode& a, const MeshNode& b) {
  absl::StatusOr<v1::DigestResponse> da = testing::DigestOf(a.channel, absl::Seconds(60));
  absl::StatusOr<v1::DigestResponse> db = testing::DigestOf(b.channel, absl::Seconds(60));
  if (!da.ok()) return da.status();
  if (!db.ok()) return db.status();
  if (!testing::SameState(*da, *db)) {
    return absl::InternalError(absl::StrCat(a.partner, " and ", b.partner,
                                            " have equal vectors but different record digests"));
  }
  return absl::OkStatus();
}

// A and B of one security mode, once B has caught up, with the two rates measured on the way.
struct CaughtUpPair {
  MeshNode origin;
  MeshNode follower;
  double local_per_s = 0;
  double catchup_per_s = 0;
  // B's CPU time (all threads, start-up included) per change applied: less at the mercy of
  // whatever else the machine runs than the rates.
  double apply_cpu_us_per_change = 0;

  absl::Status Stop() {  // B first: A would otherwise wait for B's pull stream to go
    absl::Status follower_stopped = follower.Stop();
    absl::Status origin_stopped = origin.Stop();
    return follower_stopped.ok() ? origin_stopped : follower_stopped;
  }
};

// (a) and (b) in one security mode: A loaded alone, then B started and timed until it has caught
// up.
absl::StatusOr<CaughtUpPair> LoadAndCatchUp(const Security& security,
                                            const std::vector<v1::Structure>& structures) {
  absl::StatusOr<MeshNode> origin = StartMeshNode(kOrigin, security);
  if (!origin.ok()) return origin.status();
  std::unique_ptr<v1::RegistryService::Stub> stub = v1::RegistryService::NewStub(origin->channel);
  const absl::Duration origin_cpu_before_import = origin->process->CpuTime();
  absl::StatusOr<absl::Duration> imported = ImportAll(*stub, structures);
  if (!imported.ok()) return imported.status();
  const absl::Duration origin_cpu_importing = origin->process->CpuTime() - origin_cpu_before_import;
  absl::StatusOr<v1::DigestResponse> target = testing::DigestOf(origin->channel);
  if (!target.ok()) return target.status();
  const uint64_t changes = testing::SequenceOf(target->vector(), kOrigin);

  v1::Peer peer;
  peer.set_partner_id(kOrigin);
  peer.set_address(origin->process->address());
  const absl::Duration origin_cpu_before_catchup = origin->process->CpuTime();
  const absl::Time start = absl::Now();
  absl::StatusOr<MeshNode> follower = StartMeshNode(kFollower, security, {peer});
  if (!follower.ok()) return follower.status();
  const absl::Time started = absl::Now();
  absl::StatusOr<absl::Time> caught_up = AwaitVector(*follower, target->vector());
  if (!caught_up.ok()) return caught_up.status();
  const absl::Duration follower_cpu = follower->process->CpuTime();
  const absl::Duration origin_cpu_serving = origin->process->CpuTime() - origin_cpu_before_catchup;
  if (absl::Status same = CheckSameState(*origin, *follower); !same.ok()) return same;

  CaughtUpPair pair{std::move(*origin), std::move(*follower)};
  pair.local_per_s = static_cast<double>(structures.size()) / absl::ToDoubleSeconds(*imported);
  pair.catchup_per_s = static_cast<double>(changes) / absl::ToDoubleSeconds(*caught_up - start);
  const auto per_change_us = [&](absl::Duration cpu) {
    return absl::ToDoubleMicroseconds(cpu) / static_cast<double>(changes);
  };
  pair.apply_cpu_us_per_change = per_change_us(follower_cpu);
  PrintNote(absl::StrFormat(
      "%s: %d structures imported into A in %.2f s (%d changes; A's CPU %.0f us per change); B "
      "started in %.2f s, caught up %.2f s after its start (CPU per change: B applying %.0f us, A "
      "serving the pull %.0f us); digests equal",
      security.name, structures.size(), absl::ToDoubleSeconds(*imported), changes,
      per_change_us(origin_cpu_importing), absl::ToDoubleSeconds(started - start),
      absl::ToDoubleSeconds(*caught_up - start), per_change_us(follower_cpu),
      per_change_us(origin_cpu_serving)));
  return pair;
}

// Polls a node for structure `name` until it is served; the time from `acknowledged` until then.
absl::StatusOr<absl::Duration> AwaitServed(v1::RegistryService::Stub* follower,
                                           const std::string& name, absl::Time acknowledged) {
  const absl::Time deadline = acknowledged + absl::GetFlag(FLAGS_timeout);
  v1::GetStructureRequest request;
  request.set_name(name);
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    v1::Structure structure;
    grpc::Status status = follower->GetStructure(&context, request, &structure);
    if (status.ok()) return absl::Now() - acknowledged;
    if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return absl::InternalError(absl::StrCat("GetStructure: ", status.error_message()));
    }
    absl::SleepFor(kServedPoll);
  }
  return absl::DeadlineExceededError(absl::StrCat(name, " never reached a node"));
}

// The four partners' nodes, each listening where the others' configs say and pulling from the
// three others, once every node's three streams are up.
absl::StatusOr<std::vector<MeshNode>> StartFullMesh(const Security& security) {
  std::map<std::string, std::string> addresses;
  for (const std::string& partner : Partners()) {
    addresses[partner] = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  }
  std::vector<MeshNode> nodes;
  for (const std::string& partner : Partners()) {
    std::vector<v1::Peer> peers;
    for (const std::string& other : Partners()) {
      if (other == partner) continue;
      v1::Peer& peer = peers.emplace_back();
      peer.set_partner_id(other);
      peer.set_address(addresses.at(other));
    }
    absl::StatusOr<MeshNode> node = StartMeshNode(partner, security, peers, addresses.at(partner));
    if (!node.ok()) return node.status();
    nodes.push_back(std::move(*node));
  }
  for (const MeshNode& node : nodes) {
    ::testing::AssertionResult linked = testing::AwaitMeshStatus(
        node.channel,
        [](const v1::MeshStatus& status) {
          return std::all_of(status.peers().begin(), status.peers().end(),
                             [](const v1::PeerStatus& peer) { return peer.connected(); });
        },
        absl::GetFlag(FLAGS_timeout));
    if (!linked) return absl::DeadlineExceededError(linked.message());
  }
  return nodes;
}

// Copies of changes the node received and skipped as already held, from every peer.
absl::StatusOr<uint64_t> DuplicatesOn(const MeshNode& node) {
  absl::StatusOr<v1::MeshStatus> status = testing::MeshStatusOf(node.channel);
  if (!status.ok()) return status.status();
  uint64_t duplicates = 0;
  for (const v1::PeerStatus& peer : status->peers()) duplicates += peer.duplicates();
  return duplicates;
}

struct Lags {
  LoadResult each;  // one sample per write and other node
  LoadResult all;   // one per write: until the last of the other three serves it
};

// (d) Steady CreateStructure load on the first of `nodes` (one call every 1/--lag_rate s, on a
// fixed schedule); each sampled write is awaited on each other node by a thread of its own, so that
// a slow sample delays no other. Lags sorted, for LoadResult::Quantile.
absl::StatusOr<Lags> MeasureLag(const std::vector<MeshNode>& nodes,
                                const std::vector<v1::Structure>& fresh) {
  std::unique_ptr<v1::RegistryService::Stub> origin =
      v1::RegistryService::NewStub(nodes.front().channel);
  std::vector<std::unique_ptr<v1::RegistryService::Stub>> followers;
  for (size_t i = 1; i < nodes.size(); ++i) {
    followers.push_back(v1::RegistryService::NewStub(nodes[i].channel));
  }
  const absl::Duration interval = absl::Seconds(1) / absl::GetFlag(FLAGS_lag_rate);
  const int sample_every = absl::GetFlag(FLAGS_lag_sample_every);
  std::vector<std::future<absl::StatusOr<absl::Duration>>> samples;
  const absl::Time start = absl::Now();
  for (size_t i = 0; i < fresh.size(); ++i) {
    absl::SleepFor(start + interval * static_cast<int64_t>(i) - absl::Now());
    v1::CreateStructureRequest request;
    *request.mutable_structure() = fresh[i];
    v1::Structure created;
    grpc::ClientContext context;
    grpc::Status status = origin->CreateStructure(&context, request, &created);
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat("CreateStructure on A: ", status.error_message()));
    }
    if (i % sample_every != 0) continue;
    const absl::Time acknowledged = absl::Now();
    for (auto& follower : followers) {
      samples.push_back(std::async(std::launch::async, AwaitServed, follower.get(), created.name(),
                                   acknowledged));
    }
  }
  PrintNote(absl::StrFormat(
      "lag: %d writes on A in %.2f s (asked %.0f/s), every %d-th awaited on the %d others",
      fresh.size(), absl::ToDoubleSeconds(absl::Now() - start), absl::GetFlag(FLAGS_lag_rate),
      sample_every, followers.size()));
  Lags lags;
  for (size_t k = 0; k < samples.size(); ++k) {
    absl::StatusOr<absl::Duration> lag = samples[k].get();
    if (!lag.ok()) return lag.status();
    lags.each.latencies.push_back(*lag);
    if (k % followers.size() == 0) lags.all.latencies.push_back(*lag);
    lags.all.latencies.back() = std::max(lags.all.latencies.back(), *lag);
  }
  std::sort(lags.each.latencies.begin(), lags.each.latencies.end());
  std::sort(lags.all.latencies.begin(), lags.all.latencies.end());
  return lags;
}

absl::Status Run() {
  const int changes = absl::GetFlag(FLAGS_changes);
  const int lag_writes = static_cast<int>(absl::GetFlag(FLAGS_lag_rate) *
                                          absl::ToDoubleSeconds(absl::GetFlag(FLAGS_lag_duration)));
  const absl::Time generating = absl::Now();
  std::vector<v1::Structure> structures =
      cli::GenerateStructures(changes + lag_writes, absl::GetFlag(FLAGS_seed));
  const std::vector<v1::Structure> fresh(structures.begin() + changes, structures.end());
  structures.resize(changes);
  PrintNote(absl::StrFormat(
      "mesh: catch-up with 2 nodes on loopback, A (%s) alone, B (%s) pulling from A; %d changes "
      "per catch-up; lag with all four partners' nodes; generated in %.2f s",
      kOrigin, kFollower, changes, absl::ToDoubleSeconds(absl::Now() - generating)));

  absl::StatusOr<CaughtUpPair> dev = LoadAndCatchUp(Security{"dev", ""}, structures);
  if (!dev.ok()) return dev.status();
  if (absl::Status stopped = dev->Stop(); !stopped.ok()) return stopped;
  if (absl::GetFlag(FLAGS_dev_catchup_only)) {
    PrintBench("mesh_local_write_dev_per_s", dev->local_per_s, "changes/s");
    PrintBench("mesh_catchup_dev_changes_per_s", dev->catchup_per_s, "changes/s");
    PrintBench("mesh_apply_dev_cpu_us_per_change", dev->apply_cpu_us_per_change, "us");
    return absl::OkStatus();
  }

  testing::TempDir pki;
  absl::StatusOr<Security> tls_security = MakeTlsSecurity(pki.path());
  if (!tls_security.ok()) return tls_security.status();
  absl::StatusOr<CaughtUpPair> tls = LoadAndCatchUp(*tls_security, structures);
  if (!tls.ok()) return tls.status();

  PrintBench("mesh_local_write_per_s", tls->local_per_s, "changes/s");
  PrintBench("mesh_replication_apply_per_s", tls->catchup_per_s, "changes/s");
  PrintBench("mesh_replication_vs_local_ratio", tls->catchup_per_s / tls->local_per_s, "ratio");
  PrintBench("mesh_catchup_changes_per_s", tls->catchup_per_s, "changes/s");
  PrintNote("goal: mesh_catchup_changes_per_s >= 50000 (figures above: TLS + signatures)");
  PrintBench("mesh_local_write_dev_per_s", dev->local_per_s, "changes/s");
  PrintBench("mesh_catchup_dev_changes_per_s", dev->catchup_per_s, "changes/s");
  PrintBench("mesh_tls_signing_cost_ratio", dev->catchup_per_s / tls->catchup_per_s, "ratio");
  PrintBench("mesh_apply_cpu_us_per_change", tls->apply_cpu_us_per_change, "us");
  PrintBench("mesh_apply_dev_cpu_us_per_change", dev->apply_cpu_us_per_change, "us");
  PrintBench("mesh_tls_signing_cpu_ratio",
             tls->apply_cpu_us_per_change / dev->apply_cpu_us_per_change, "ratio");
  PrintNote(
      "mesh_tls_signing_cost_ratio: dev rate / TLS rate; mesh_tls_signing_cpu_ratio: B's CPU "
      "per change applied, TLS / dev (the steadier of the two on a shared machine)");

  if (absl::Status stopped = tls->Stop(); !stopped.ok()) return stopped;

  absl::StatusOr<std::vector<MeshNode>> mesh = StartFullMesh(*tls_security);
  if (!mesh.ok()) return mesh.status();
  absl::StatusOr<Lags> lags = MeasureLag(*mesh, fresh);
  if (!lags.ok()) return lags.status();
  // Copies counted once every node holds every write.
  absl::StatusOr<v1::DigestResponse> written = testing::DigestOf(mesh->front().channel);
  if (!written.ok()) return written.status();
  uint64_t duplicates = 0;
  for (size_t i = 1; i < mesh->size(); ++i) {
    if (absl::StatusOr<absl::Time> caught_up = AwaitVector((*mesh)[i], written->vector());
        !caught_up.ok()) {
      return caught_up.status();
    }
    absl::StatusOr<uint64_t> copies = DuplicatesOn((*mesh)[i]);
    if (!copies.ok()) return copies.status();
    duplicates += *copies;
  }
  PrintNote(absl::StrFormat(
      "lag over TLS, 4 nodes in a full mesh: %d samples (%d writes x 3 nodes), max %.2f ms; "
      "%d copies received beyond the one applied",
      lags->each.latencies.size(), lags->all.latencies.size(),
      Milliseconds(lags->each.latencies.back()), duplicates));
  PrintBench("mesh_lag_p50_ms", Milliseconds(lags->each.Quantile(0.5)), "ms");
  PrintBench("mesh_lag_p99_ms", Milliseconds(lags->each.Quantile(0.99)), "ms");
  PrintBench("mesh_lag_all_three_p50_ms", Milliseconds(lags->all.Quantile(0.5)), "ms");
  PrintBench("mesh_lag_all_three_p99_ms", Milliseconds(lags->all.Quantile(0.99)), "ms");
  PrintBench("mesh_extra_copies_per_change",
             static_cast<double>(duplicates) / (3.0 * static_cast<double>(fresh.size())), "copies");
  PrintNote("goal: mesh_lag_p99_ms < 100");
  for (MeshNode& node : *mesh) {
    if (absl::Status stopped = node.Stop(); !stopped.ok()) return stopped;
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  return passerelle::bench::DriverMain(argc, argv, "passerelle-mesh-bench", passerelle::bench::Run);
}
