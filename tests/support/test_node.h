#ifndef PASSERELLE_TESTS_SUPPORT_TEST_NODE_H_
#define PASSERELLE_TESTS_SUPPORT_TEST_NODE_H_

// The one fixture that starts an in-process node: a real passerelle node (store in a fresh temporary
// directory, gRPC server on a free loopback port) and a client channel to it.

#include <memory>
#include <string>

#include "grpcpp/channel.h"
#include "node/node.h"
#include "passerelle/v1/mesh.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"

namespace passerelle::testing {

// Owns a temporary directory, removed (recursively) when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class TestNode {
 public:
  // Starts a node for `partner_id` with its data in a new temporary directory. Aborts the test binary if the
  // node cannot start (nothing else could be tested).
  explicit TestNode(std::string partner_id = "les-canaux");
  // Starts a node from `config`; an empty data_dir or listen_address gets the defaults above. A node
  // started on a data_dir that does not exist yet starts as a new partner (node::StartOptions).
  explicit TestNode(v1::NodeConfig config);
  ~TestNode();

  // Stops the node (gracefully) and starts it again on the same data directory, as after a restart.
  // Channels and stubs obtained before stay usable only if recreated; call Registry() again.
  void Restart();
  // The two halves of Restart(), for tests that act while the node is down.
  void Stop();
  void Start();

  node::Node& node() { return *node_; }
  const std::string& address() const { return node_->address(); }
  const std::string& data_dir() const { return data_dir_.path(); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // A channel to a TLS node presenting `client`'s certificate (cert_file/key_file, trusting ca_file).
  std::shared_ptr<grpc::Channel> ChannelAs(const v1::TlsConfig& client) const;
  std::unique_ptr<v1::RegistryService::Stub> Registry() const;
  std::unique_ptr<v1::MeshService::Stub> Mesh() const;

 private:
  TempDir data_dir_;
  v1::NodeConfig config_;
  std::unique_ptr<node::Node> node_;
  std::shared_ptr<grpc::Channel> channel_;
};

// A loopback port free at the time of the call, for configs that must name their peers' ports before those
// peers start.
int PickFreePort();

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_TEST_NODE_H_
