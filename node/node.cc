#include "node/node.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "registry_svc/registry.h"
#include "registry_svc/service.h"

namespace passerelle::node {
namespace {

constexpr int64_t kDefaultBlockCacheBytes = 64 << 20;
constexpr int64_t kDefaultWriteBufferBytes = 32 << 20;

bool IsValidPartnerId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// host:port with a numeric port; the host may be a bracketed IPv6 literal.
bool IsValidListenAddress(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  uint32_t port;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port <= 65535;
}

// The host part of a listen address, for reporting the bound port on it.
absl::string_view HostOf(absl::string_view address) { return address.substr(0, address.rfind(':')); }

}  // namespace

absl::Status ValidateConfig(const v1::NodeConfig& config) {
  common::FieldViolations violations;
  if (!IsValidPartnerId(config.partner_id())) {
    violations.Add("partner_id", "must be 1-64 lower-case letters, digits or '-'");
  }
  if (!IsValidListenAddress(config.listen_address())) {
    violations.Add("listen_address", "must be host:port, e.g. 127.0.0.1:7401");
  }
  if (config.data_dir().empty()) violations.Add("data_dir", "is required");
  if (config.store().block_cache_bytes() < 0) {
    violations.Add("store.block_cache_bytes", "must not be negative");
  }
  if (config.store().write_buffer_bytes() < 0) {
    violations.Add("store.write_buffer_bytes", "must not be negative");
  }
  return violations.ToStatus();
}

absl::StatusOr<v1::NodeConfig> LoadConfig(absl::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  v1::NodeConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a text-format passerelle.v1.NodeConfig"));
  }
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  return config;
}

Node::Node() = default;

Node::~Node() { Shutdown(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const v1::NodeConfig& config) {
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  std::unique_ptr<Node> node(new Node());
  node->config_ = config;

  store::StoreOptions options;
  options.path = config.data_dir();
  options.partner_id = config.partner_id();
  options.kinds = registry::Registry::RecordKinds();
  options.block_cache_bytes =
      config.store().block_cache_bytes() > 0 ? config.store().block_cache_bytes() : kDefaultBlockCacheBytes;
  options.write_buffer_bytes = config.store().write_buffer_bytes() > 0
                                   ? config.store().write_buffer_bytes()
                                   : kDefaultWriteBufferBytes;
  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  if (!store.ok()) return store.status();
  node->store_ = std::move(*store);
  node->registry_ = std::make_unique<registry::Registry>(node->store_.get());
  node->registry_service_ = std::make_unique<registry::RegistryServiceImpl>(node->registry_.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // gRPC sets SO_REUSEPORT by default, which would let a second node silently share a busy port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Plaintext until the mesh brings partner certificates (mTLS).
  builder.AddListeningPort(config.listen_address(), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(node->registry_service_.get());
  node->server_ = builder.BuildAndStart();
  if (node->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen_address()));
  }
  node->address_ = absl::StrCat(HostOf(config.listen_address()), ":", port);
  return node;
}

void Node::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace passerelle::node
