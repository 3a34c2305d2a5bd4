#ifndef PASSERELLE_GATEWAY_GATEWAY_H_
#define PASSERELLE_GATEWAY_GATEWAY_H_

// passerelle-gateway: every RPC with a google.api.http option, over HTTP/1.1 and JSON, transcoded
// to gRPC calls on one node. The binary and the tests start gateways through this class.
//
// HTTP is served by Boost.Beast on Asio (async, a strand per connection, keep-alive), so an idle
// connection costs a socket and a small buffer, not a thread; with config.https, over TLS (Asio's
// OpenSSL streams). Each request is routed by the
// descriptor-built route table, authenticated by bearer token (failed attempts limited per client
// address), rate-limited per token, transcoded, and sent to the node through gRPC's generic stub
// with the token's principal in metadata (mesh/identity.h), over mTLS as the gateway's certificate —
// which names the gateway's partner, the only partner whose principals the node believes from it.
// The gateway makes no call of its own: the role in its certificate is granted nothing. Unary calls answer JSON;
// client-streaming calls read an NDJSON body; server-streaming calls answer Server-Sent Events
// (gateway/sse.h).

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/gateway_config.pb.h"

namespace passerelle::gateway {

// Reads a text-format GatewayConfig and validates it (see ValidateConfig).
absl::StatusOr<v1::GatewayConfig> LoadConfig(absl::string_view path);

// INVALID_ARGUMENT with one violation per bad field: listen_address and node_address host:port,
// partner_id a partner id (required with tls), tls files all set when tls is, https files when https
// is, token hashes and principals well formed and of partner_id, limits not negative.
absl::Status ValidateConfig(const v1::GatewayConfig& config);

class Gateway {
 public:
  // Builds the routes of every linked service, connects to config.node_address and listens on
  // config.listen_address (port 0: a free port; address() tells which).
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(const v1::GatewayConfig& config);
  // Closes every connection and cancels the calls in flight.
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // "HOST:PORT" with the port actually bound.
  const std::string& address() const;
  int port() const;

 private:
  struct Impl;
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_GATEWAY_H_
