#include "tests/support/test_node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "mesh/identity.h"

namespace passerelle::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "passerelle-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::perror("mkdtemp");
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

TestNode::TestNode(std::string partner_id) : TestNode([&] {
  v1::NodeConfig config;
  config.set_partner_id(std::move(partner_id));
  return config;
}()) {}

TestNode::TestNode(v1::NodeConfig config) : config_(std::move(config)) {
  if (config_.listen_address().empty()) config_.set_listen_address("127.0.0.1:0");
  if (config_.data_dir().empty()) config_.set_data_dir(data_dir_.path() + "/data");
  // Small caches: many fixtures may run at once on a CI machine.
  config_.mutable_store()->set_block_cache_bytes(8 << 20);
  config_.mutable_store()->set_write_buffer_bytes(4 << 20);
  Start();
}

TestNode::~TestNode() = default;

void TestNode::Start() {
  // A node on a data folder that does not exist yet is a new partner (as deploy/run starts one);
  // restarted, it keeps its past.
  node::StartOptions start;
  start.new_partner = !std::filesystem::exists(config_.data_dir());
  absl::StatusOr<std::unique_ptr<node::Node>> node = node::Node::Start(config_, start);
  if (!node.ok()) {
    std::fprintf(stderr, "test node failed to start: %s\n", node.status().ToString().c_str());
    std::abort();
  }
  node_ = std::move(*node);
  channel_ = grpc::CreateChannel(node_->address(), grpc::InsecureChannelCredentials());
}

void TestNode::Stop() {
  channel_.reset();
  node_->Shutdown(absl::Seconds(1));
  node_.reset();
}

void TestNode::Restart() {
  Stop();
  // With port 0 the restarted node binds a new free port; the data directory is what carries over.
  Start();
}

std::unique_ptr<v1::RegistryService::Stub> TestNode::Registry() const {
  return v1::RegistryService::NewStub(channel_);
}

std::shared_ptr<grpc::Channel> TestNode::ChannelAs(const v1::TlsConfig& client) const {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = mesh::ChannelCredentials(client);
  if (!credentials.ok()) {
    std::fprintf(stderr, "test client credentials: %s\n", credentials.status().ToString().c_str());
    std::abort();
  }
  return grpc::CreateChannel(node_->address(), *credentials);
}

std::unique_ptr<v1::MeshService::Stub> TestNode::Mesh() const { return v1::MeshService::NewStub(channel_); }

int PickFreePort() {
  // Below the kernel's ephemeral range (32768 and up), so that a port picked here is never handed out meanwhile
  // to another test's client socket or port-0 server, which is what made fixed-port mesh tests flaky under
  // parallel ctest. Random, so concurrent pickers rarely collide; bound once to check it is free now.
  static std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> pick(20000, 32000);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int port = pick(rng);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (free) return port;
  }
  std::perror("picking a free port");
  std::abort();
}

}  // namespace passerelle::testing
