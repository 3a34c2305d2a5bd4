// LoadConfig and ValidateConfig of gateway.h.

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/text_config.h"
#include "gateway/access.h"
#include "gateway/gateway.h"
#include "mesh/identity.h"

namespace passerelle::gateway {
namespace {

bool IsHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  uint32_t port;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(address.substr(colon + 1), &port) && port <= 65535;
}

}  // namespace

absl::Status ValidateConfig(const v1::GatewayConfig& config) {
  common::FieldViolations violations;
  if (!IsHostPort(config.listen_address()))
    violations.Add("listen_address", "must be host:port, e.g. 127.0.0.1:8080");
  if (!IsHostPort(config.node_address()))
    violations.Add("node_address", "must be host:port, e.g. 127.0.0.1:7401");
  if (!config.partner_id().empty()) {
    if (!mesh::ParsePrincipalUri(absl::StrCat("spiffe://passerelle/partner/", config.partner_id())).ok())
      violations.Add("partner_id", "must be a partner id: [a-z0-9] runs joined by '-'");
  } else if (config.has_tls()) {
    // The node believes this gateway only for principals of the partner its certificate names;
    // without knowing that partner, tokens of another could be configured and refused on every call.
    violations.Add("partner_id", "is required with tls: the partner this gateway's certificate names");
  }
  if (config.has_tls()) {
    if (config.tls().ca_file().empty()) violations.Add("tls.ca_file", "is required");
    if (config.tls().cert_file().empty()) violations.Add("tls.cert_file", "is required");
    if (config.tls().key_file().empty()) violations.Add("tls.key_file", "is required");
  }
  if (config.has_https()) {
    if (config.https().cert_file().empty()) violations.Add("https.cert_file", "is required");
    if (config.https().key_file().empty()) violations.Add("https.key_file", "is required");
  }
  for (const auto& v : common::ViolationsOf(TokenBook::FromConfig(config).status())) {
    violations.Add(v.field, v.description);
  }
  const v1::GatewayLimits& limits = config.limits();
  if (limits.max_body_bytes() < 0) violations.Add("limits.max_body_bytes", "must not be negative");
  if (limits.max_header_bytes() < 0)
    violations.Add("limits.max_header_bytes", "must not be negative");
  if (limits.read_timeout_ms() < 0)
    violations.Add("limits.read_timeout_ms", "must not be negative");
  if (limits.requests_per_second() < 0)
    violations.Add("limits.requests_per_second", "must not be negative");
  if (limits.burst() < 0) violations.Add("limits.burst", "must not be negative");
  if (limits.failed_auths_per_second() < 0)
    violations.Add("limits.failed_auths_per_second", "must not be negative");
  if (limits.failed_auth_burst() < 0)
    violations.Add("limits.failed_auth_burst", "must not be negative");
  if (config.threads() < 0) violations.Add("threads", "must not be negative");
  return violations.ToStatus();
}

absl::StatusOr<v1::GatewayConfig> LoadConfig(absl::string_view path) {
  v1::GatewayConfig config;
  if (absl::Status read = common::ReadTextProto(path, &config); !read.ok()) return read;
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  return config;
}

}  // namespace passerelle::gateway
