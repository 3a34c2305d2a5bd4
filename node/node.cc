#include "node/node.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/runtime.h"
#include "common/text_config.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "impact_svc/aggregates.h"
#include "impact_svc/declarations.h"
#include "impact_svc/service.h"
#include "mesh/authorizer.h"
#include "mesh/feed.h"
#include "mesh/identity.h"
#include "mesh/pem.h"
#include "mesh/policy.h"
#include "mesh/puller.h"
#include "mesh/recovery.h"
#include "mesh/service.h"
#include "mesh/signing.h"
#include "registry_svc/registry.h"
#include "registry_svc/service.h"
#include "tender_svc/service.h"
#include "tender_svc/tenders.h"
#include "tender_svc/watch.h"

namespace passerelle::node {
namespace {

// Live notice events a WatchTenders subscriber may have waiting before it is dropped (it then
// resumes from its last token): enough for bursts, small enough that a stalled watcher costs little
// memory.
constexpr size_t kDefaultWatchQueueLimit = 1024;

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
absl::string_view HostOf(absl::string_view address) {
  return address.substr(0, address.rfind(':'));
}

bool IsLoopback(absl::string_view address) {
  absl::string_view host = HostOf(address);
  return host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.");
}

std::vector<v1::PeerStatus> StatusesOf(
    const std::vector<std::unique_ptr<mesh::PeerPuller>>& pullers) {
  std::vector<v1::PeerStatus> out;
  for (const auto& puller : pullers) out.push_back(puller->status());
  return out;
}

}  // namespace

absl::Status ValidateConfig(const v1::NodeConfig& config) {
  common::FieldViolations violations;
  if (!IsValidPartnerId(config.partner_id())) {
    violations.Add("partner_id", "must be 1-64 lower-case letters, digits or '-'");
  }
  if (!IsValidListenAddress(config.listen_address())) {
    violations.Add("listen_address", "must be host:port, e.g. 127.0.0.1:7401");
  } else if (!config.has_tls() && !IsLoopback(config.listen_address())) {
    violations.Add("listen_address",
                   "without a tls block the node serves plaintext, so only on loopback");
  }
  if (config.data_dir().empty()) violations.Add("data_dir", "is required");
  if (config.has_tls()) {
    if (config.tls().ca_file().empty()) violations.Add("tls.ca_file", "is required");
    if (config.tls().cert_file().empty()) violations.Add("tls.cert_file", "is required");
    if (config.tls().key_file().empty()) violations.Add("tls.key_file", "is required");
    if (config.signing_key_file().empty()) {
      violations.Add("signing_key_file", "is required with tls: peers accept only signed changes");
    }
  }
  for (int i = 0; i < config.peers_size(); ++i) {
    const v1::Peer& peer = config.peers(i);
    if (!IsValidPartnerId(peer.partner_id()) || peer.partner_id() == config.partner_id()) {
      violations.Add(absl::StrCat("peers[", i, "].partner_id"), "must be another partner's id");
    }
    if (!IsValidListenAddress(peer.address())) {
      violations.Add(absl::StrCat("peers[", i, "].address"), "must be host:port");
    } else if (!config.has_tls() && !IsLoopback(peer.address())) {
      violations.Add(absl::StrCat("peers[", i, "].address"),
                     "without tls, peers must be on loopback");
    }
  }
  for (const auto& v : common::ViolationsOf(mesh::Policy::Validate(config.policy()))) {
    violations.Add(v.field, v.description);
  }
  const v1::StoreTuning& tuning = config.store();
  for (const auto& [field, bytes] :
       {std::pair<const char*, int64_t>{"store.block_cache_bytes", tuning.block_cache_bytes()},
        {"store.write_buffer_bytes", tuning.write_buffer_bytes()},
        {"store.tally_cache_bytes", tuning.tally_cache_bytes()}}) {
    if (bytes < 0) violations.Add(field, "must not be negative");
  }
  return violations.ToStatus();
}

absl::StatusOr<v1::NodeConfig> LoadConfig(absl::string_view path) {
  v1::NodeConfig config;
  if (absl::Status read = common::ReadTextProto(path, &config); !read.ok()) return read;
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  return config;
}

Node::Node() = default;

Node::~Node() { Shutdown(absl::ZeroDuration()); }

namespace {

// What TLS mode adds: credentials both ways, this node's signing key, every partner's public key.
struct Identity {
  std::shared_ptr<grpc::ServerCredentials> server;
  std::shared_ptr<grpc::ChannelCredentials> channel;
  std::function<std::string(absl::string_view)> sign;  // empty in development mode
  std::shared_ptr<const mesh::KeyRing> keys;           // null in development mode
};

absl::StatusOr<Identity> LoadIdentity(const v1::NodeConfig& config) {
  Identity identity;
  if (!config.has_tls()) {
    identity.server = grpc::InsecureServerCredentials();
    identity.channel = grpc::InsecureChannelCredentials();
    return identity;
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server =
      mesh::ServerCredentials(config.tls());
  if (!server.ok()) return server.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel =
      mesh::ChannelCredentials(config.tls());
  if (!channel.ok()) return channel.status();
  absl::StatusOr<mesh::Signer> signer = mesh::Signer::FromPemFile(config.signing_key_file());
  if (!signer.ok()) return signer.status();
  absl::StatusOr<mesh::KeyRing> keys = mesh::KeyRing::FromConfig(config);
  if (!keys.ok()) return keys.status();
  identity.server = std::move(*server);
  identity.channel = std::move(*channel);
  identity.sign = [signer = *signer](absl::string_view message) { return signer.Sign(message); };
  identity.keys = std::make_shared<const mesh::KeyRing>(std::move(*keys));
  return identity;
}

// The event's secret for worker pseudonyms; empty when the config names none.
absl::StatusOr<std::string> LoadWorkerSecret(const v1::ImpactConfig& config) {
  if (config.worker_secret_file().empty()) return std::string();
  absl::StatusOr<std::string> secret =
      mesh::ReadPemFile("impact.worker_secret_file", config.worker_secret_file());
  if (!secret.ok()) return secret.status();
  std::string trimmed(absl::StripAsciiWhitespace(*secret));
  // Short secrets would let anyone holding pseudonyms try every plausible reference.
  if (trimmed.size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat("impact.worker_secret_file ",
                                                   config.worker_secret_file(),
                                                   ": the secret must be at least 32 bytes"));
  }
  return trimmed;
}

std::shared_ptr<grpc::Channel> PeerChannel(const v1::Peer& peer, const Identity& identity) {
  // gRPC's own reconnect backoff starts at 1 s; the puller keeps its own, so let the channel retry
  // fast.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  args.SetMaxReceiveMessageSize(mesh::kMaxPullMessageBytes);
  return grpc::CreateCustomChannel(peer.address(), identity.channel, args);
}

mesh::PullerOptions PullerOptionsFor(const v1::Peer& peer, const Identity& identity) {
  mesh::PullerOptions options;
  if (identity.keys) {
    // The mesh CA vouches for every node alike: make sure the one answering is the partner we meant
    // to reach.
    options.verify_server =
        [expected = peer.partner_id()](const grpc::ClientContext& context) -> absl::Status {
      absl::StatusOr<mesh::Principal> server = mesh::ServerOf(context);
      if (!server.ok()) return server.status();
      if (server->partner_id != expected || server->role != mesh::kNodeRole) {
        return absl::PermissionDeniedError(
            absl::StrCat("expected ", expected, "'s node, reached ", mesh::PrincipalUri(*server)));
      }
      return absl::OkStatus();
    };
  }
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const v1::NodeConfig& config,
                                                  const StartOptions& start) {
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  absl::StatusOr<Identity> identity = LoadIdentity(config);
  if (!identity.ok()) return identity.status();
  std::unique_ptr<Node> node(new Node());
  node->config_ = config;

  node->kinds_ = std::make_unique<store::RecordKinds>();
  registry::Registry::AddRecordKinds(node->kinds_.get());
  tender::Tenders::AddRecordKinds(node->kinds_.get());
  impact::Declarations::AddRecordKinds(node->kinds_.get());
  absl::StatusOr<std::string> worker_secret = LoadWorkerSecret(config.impact());
  if (!worker_secret.ok()) return worker_secret.status();
  node->policy_ = std::make_unique<mesh::Policy>(config.policy());
  node->authorizer_ = std::make_unique<mesh::Authorizer>(config.partner_id(), node->policy_.get(),
                                                         !config.has_tls());
  node->keys_ = identity->keys;

  store::StoreOptions options;
  options.path = config.data_dir();
  options.partner_id = config.partner_id();
  options.kinds = node->kinds_->Names();
  // 0 in the config: the store's default.
  auto or_default = [](int64_t configured, int64_t fallback) {
    return configured > 0 ? configured : fallback;
  };
  options.block_cache_bytes =
      or_default(config.store().block_cache_bytes(), store::kDefaultBlockCacheBytes);
  options.write_buffer_bytes =
      or_default(config.store().write_buffer_bytes(), store::kDefaultWriteBufferBytes);
  options.tally_cache_bytes =
      or_default(config.store().tally_cache_bytes(), store::kDefaultTallyCacheBytes);
  options.sign = identity->sign;
  options.tallies = impact::TallySources();
  options.wal_recovery = start.recover_damaged_wal ? store::WalRecovery::kKeepIntactPrefix
                                                  : store::WalRecovery::kRefuseDamaged;
  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  if (!store.ok()) return store.status();
  node->store_ = std::move(*store);
  absl::StatusOr<mesh::StartState> state = mesh::DecideStart(
      {node->store_->own_origin(), node->store_->last_sequence(), start.new_partner,
       start.recover_damaged_wal, config.peers_size() > 0});
  if (!state.ok()) {
    return absl::Status(state.status().code(),
                        absl::StrCat("store at ", config.data_dir(), ": ", state.status().message()));
  }
  // Decided and recorded before the server takes a call, so that no write slips in first.
  if (config.peers_size() > 0) {
    std::vector<std::string> peers;
    for (const v1::Peer& peer : config.peers()) peers.push_back(peer.partner_id());
    node->recovery_ =
        std::make_unique<mesh::OwnOriginRecovery>(node->store_.get(), std::move(peers));
  }
  if (state->recovering) {
    if (absl::Status begun = node->recovery_->Begin(state->why); !begun.ok()) return begun;
  } else {
    if (!state->why.empty()) common::LogLine(absl::StrCat("passerelle-node: ", state->why));
    if (node->store_->own_origin() != store::OwnOrigin::kReady) {
      if (absl::Status marked = node->store_->SetOwnOrigin(store::OwnOrigin::kReady); !marked.ok())
        return marked;
    }
  }
  node->registry_ = std::make_unique<registry::Registry>(node->store_.get());
  node->registry_service_ = std::make_unique<registry::RegistryServiceImpl>(
      node->registry_.get(), node->authorizer_.get());
  node->tenders_ = std::make_unique<tender::Tenders>(node->store_.get(), node->registry_.get());
  node->tender_watch_ = std::make_unique<tender::TenderWatch>(
      node->store_.get(),
      config.watch_queue_limit() > 0 ? config.watch_queue_limit() : kDefaultWatchQueueLimit);
  node->tender_service_ = std::make_unique<tender::TenderServiceImpl>(
      node->tenders_.get(), node->tender_watch_.get(), node->authorizer_.get());
  node->declarations_ = std::make_unique<impact::Declarations>(node->store_.get(), config.impact(),
                                                               *std::move(worker_secret));
  node->impact_service_ = std::make_unique<impact::ImpactServiceImpl>(node->declarations_.get(),
                                                                      node->authorizer_.get());
  Node* self = node.get();
  node->mesh_service_ = std::make_unique<mesh::MeshServiceImpl>(
      node->store_.get(), node->kinds_.get(), node->policy_.get(), node->authorizer_.get(),
      [self] { return StatusesOf(self->pullers_); });

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  // gRPC sets SO_REUSEPORT by default, which would let a second node silently share a busy port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  common::ConfigureSyncServer(&builder);
  builder.AddListeningPort(config.listen_address(), identity->server, &port);
  builder.RegisterService(node->registry_service_.get());
  builder.RegisterService(node->tender_service_.get());
  builder.RegisterService(node->impact_service_.get());
  builder.RegisterService(node->mesh_service_.get());
  node->server_ = builder.BuildAndStart();
  if (node->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen_address()));
  }
  node->address_ = absl::StrCat(HostOf(config.listen_address()), ":", port);

  mesh::Verifier verify;
  if (node->keys_) {
    verify = [keys = node->keys_](absl::string_view origin, absl::string_view message,
                                  absl::string_view signature) {
      return keys->Verify(origin, message, signature);
    };
  }
  node->links_ = std::make_unique<mesh::LinkBoard>();
  for (const v1::Peer& peer : config.peers()) {
    mesh::PullerOptions options = PullerOptionsFor(peer, *identity);
    options.links = node->links_.get();
    options.recovery = node->recovery_.get();
    node->pullers_.push_back(std::make_unique<mesh::PeerPuller>(
        config.partner_id(), peer, PeerChannel(peer, *identity), node->store_.get(),
        node->kinds_.get(), node->policy_.get(), verify, std::move(options)));
  }
  // Every puller exists before any runs: a change of own-origin state restarts them all.
  if (node->recovery_ != nullptr) {
    node->recovery_->OnStateChange([self] {
      for (auto& puller : self->pullers_) puller->Restart();
    });
  }
  for (auto& puller : node->pullers_) puller->Start();
  return node;
}

void Node::Shutdown(absl::Duration grace) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  for (auto& puller : pullers_) puller->Stop();
  mesh_service_->Stop();
  tender_watch_->Close();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace passerelle::node
