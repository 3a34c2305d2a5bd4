#ifndef PASSERELLE_NODE_NODE_H_
#define PASSERELLE_NODE_NODE_H_

// A partner node: its store, the services over it, and the gRPC server that exposes them. The
// binary
// (`passerelle-node`) and the in-process test fixture both start nodes through this class, so what
// tests exercise is what runs.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "passerelle/v1/config.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace passerelle::registry {
class Registry;
class RegistryServiceImpl;
}  // namespace passerelle::registry

namespace passerelle::tender {
class Tenders;
class TenderServiceImpl;
class TenderWatch;
}  // namespace passerelle::tender

namespace passerelle::impact {
class Declarations;
class ImpactServiceImpl;
}  // namespace passerelle::impact

namespace passerelle::mesh {
class Authorizer;
class KeyRing;
class MeshServiceImpl;
class LinkBoard;
class OwnOriginRecovery;
class PeerPuller;
class Policy;
}  // namespace passerelle::mesh

namespace passerelle::node {

// Reads a text-format NodeConfig and validates it (see ValidateConfig).
absl::StatusOr<v1::NodeConfig> LoadConfig(absl::string_view path);

// INVALID_ARGUMENT with one violation per bad field: partner_id must be lower-case letters, digits
// and '-'; listen_address host:port, and a loopback address unless tls is set; data_dir non-empty;
// peers and policy well formed.
absl::Status ValidateConfig(const v1::NodeConfig& config);

// What differs from one start of a node to the next (passerelle-node's flags), unlike its config.
struct StartOptions {
  // A partner joining the mesh with no past: its empty store starts its own origin at sequence 1 and
  // accepts writes at once. Refused on a store that already holds the node's state. Without it, a
  // node with peers whose store holds none of its own changes takes them back from its peers first.
  bool new_partner = false;
  // Opens a write-ahead log damaged before its end up to the damage (RocksDB's point-in-time
  // recovery) instead of refusing to start; the node then takes its lost changes back from its
  // peers before it accepts writes.
  bool recover_damaged_wal = false;
};

class Node {
 public:
  // Opens the store under config.data_dir and starts serving on config.listen_address (port 0 picks
  // a free port; address() tells which). Health checking and server reflection are on. A node whose
  // store may hold less of its own origin than its peers (mesh/recovery.h) serves, but refuses local
  // writes with UNAVAILABLE until it has taken its own changes back. A write-ahead log damaged before
  // its end fails the start (store::IsDamagedWal) unless `start` says to recover it.
  static absl::StatusOr<std::unique_ptr<Node>> Start(const v1::NodeConfig& config,
                                                     const StartOptions& start = {});

  // Shuts down (if not done yet) and closes the store.
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // The address the server listens on, with the port actually bound.
  const std::string& address() const { return address_; }
  const std::string& partner_id() const { return config_.partner_id(); }
  // Development mode: no TLS block, so plaintext on loopback only and no signatures.
  bool development_mode() const { return !config_.has_tls(); }
  store::Store& store() { return *store_; }

  // Stops accepting calls, lets in-flight ones finish until `grace` has passed, then cancels the
  // rest. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  Node();

  v1::NodeConfig config_;
  std::string address_;
  std::unique_ptr<store::RecordKinds> kinds_;
  std::unique_ptr<mesh::Policy> policy_;
  std::unique_ptr<mesh::Authorizer> authorizer_;
  std::shared_ptr<const mesh::KeyRing> keys_;  // null in development mode
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<registry::Registry> registry_;
  std::unique_ptr<registry::RegistryServiceImpl> registry_service_;
  std::unique_ptr<tender::Tenders> tenders_;
  std::unique_ptr<tender::TenderWatch> tender_watch_;
  std::unique_ptr<tender::TenderServiceImpl> tender_service_;
  std::unique_ptr<impact::Declarations> declarations_;
  std::unique_ptr<impact::ImpactServiceImpl> impact_service_;
  std::unique_ptr<mesh::MeshServiceImpl> mesh_service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<mesh::LinkBoard> links_;  // before the pullers, which report to it
  std::unique_ptr<mesh::OwnOriginRecovery> recovery_;  // likewise; null without peers
  std::vector<std::unique_ptr<mesh::PeerPuller>> pullers_;
  bool shut_down_ = false;
};

}  // namespace passerelle::node

#endif  // PASSERELLE_NODE_NODE_H_
