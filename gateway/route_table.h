#ifndef PASSERELLE_GATEWAY_ROUTE_TABLE_H_
#define PASSERELLE_GATEWAY_ROUTE_TABLE_H_

// The HTTP routes of every RPC carrying a google.api.http option (and its additional_bindings),
// read from service descriptors at start-up. Nothing here knows any service: a new annotated RPC is
// a new route.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/path_template.h"
#include "google/protobuf/descriptor.h"

namespace passerelle::gateway {

struct Route {
  std::string http_method;  // "GET", "POST", "PATCH", "PUT", "DELETE"
  PathTemplate path;
  // google.api.HttpRule.body: "" (no body: every field not bound by the path comes from the query),
  // "*" (the whole request), or the name of the request field the body fills.
  std::string body;
  const google::protobuf::MethodDescriptor* method;

  // "/package.Service/Method", as gRPC names it.
  std::string FullMethodName() const;
};

// What a request's method and path resolved to.
struct RouteLookup {
  enum Outcome { kFound, kMethodNotAllowed, kNotFound } outcome = kNotFound;
  const Route* route = nullptr;       // kFound
  std::vector<PathBinding> bindings;  // kFound
  std::vector<std::string> allowed;   // kMethodNotAllowed: methods the path accepts
  std::vector<std::string>
      close_routes;  // kNotFound: "GET /v1/{name=structures/*}", the nearest first
};

class RouteTable {
 public:
  // Routes of every method of `services`. INVALID_ARGUMENT naming the RPC when an annotation is
  // malformed or names a body field the request does not have.
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>& services);

  // The more specific template wins when several match (more literal segments).
  RouteLookup Lookup(absl::string_view http_method, absl::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Every service in the process's generated descriptor pool: whatever .proto files are linked in.
std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices();

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_ROUTE_TABLE_H_
