#ifndef PASSERELLE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
#define PASSERELLE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_

// A real gateway of Les Canaux on a free loopback port in front of a node address, with three
// tokens: an admin, a reader limited to Get/List/Search, and a revoked one.

#include <memory>
#include <string>

#include "gateway/access.h"
#include "gateway/gateway.h"
#include "gtest/gtest.h"

namespace passerelle::testing {

inline constexpr char kAdminToken[] = "admin-token";
inline constexpr char kReaderToken[] = "reader-token";
inline constexpr char kRevokedToken[] = "revoked-token";

inline v1::GatewayConfig GatewayConfigFor(const std::string& node_address) {
  v1::GatewayConfig config;
  config.set_listen_address("127.0.0.1:0");
  config.set_node_address(node_address);
  config.set_threads(2);
  config.set_partner_id("les-canaux");
  auto add = [&](const char* token, const char* role) {
    v1::GatewayToken* t = config.add_tokens();
    t->set_sha256(gateway::TokenHash(token));
    t->mutable_principal()->set_partner_id("les-canaux");
    t->mutable_principal()->set_role(role);
    return t;
  };
  add(kAdminToken, "partner_admin");
  v1::GatewayToken* reader = add(kReaderToken, "observer");
  for (const char* m : {"Get*", "List*", "Search*"})
    reader->add_methods(std::string("/passerelle.v1.*/") + m);
  add(kRevokedToken, "partner_admin")->set_revoked(true);
  return config;
}

inline std::unique_ptr<gateway::Gateway> StartGateway(const v1::GatewayConfig& config) {
  absl::StatusOr<std::unique_ptr<gateway::Gateway>> started = gateway::Gateway::Start(config);
  if (!started.ok()) {
    ADD_FAILURE() << "gateway: " << started.status();
    return nullptr;
  }
  return *std::move(started);
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_GATEWAY_GATEWAY_FIXTURE_H_
