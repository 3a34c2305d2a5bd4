#include "gateway/route_table.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor_database.h"

namespace passerelle::gateway {
namespace {

constexpr size_t kCloseRoutesShown = 5;

// (method, template) of a rule, or empty when it has no pattern.
std::pair<std::string, std::string> PatternOf(const google::api::HttpRule& rule) {
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      return {"GET", rule.get()};
    case google::api::HttpRule::kPost:
      return {"POST", rule.post()};
    case google::api::HttpRule::kPut:
      return {"PUT", rule.put()};
    case google::api::HttpRule::kPatch:
      return {"PATCH", rule.patch()};
    case google::api::HttpRule::kDelete:
      return {"DELETE", rule.delete_()};
    case google::api::HttpRule::kCustom:
      return {rule.custom().kind(), rule.custom().path()};
    default:
      return {"", ""};
  }
}

absl::Status AddRule(const google::protobuf::MethodDescriptor* method,
                     const google::api::HttpRule& rule, std::vector<Route>* routes) {
  auto [http_method, text] = PatternOf(rule);
  if (http_method.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": google.api.http has no pattern"));
  }
  absl::StatusOr<PathTemplate> path = PathTemplate::Parse(text);
  if (!path.ok())
    return absl::InvalidArgumentError(
        absl::StrCat(method->full_name(), ": ", path.status().message()));
  if (!rule.body().empty() && rule.body() != "*" &&
      method->input_type()->FindFieldByName(rule.body()) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(method->full_name(), ": body \"", rule.body(),
                                                   "\" is not a field of ",
                                                   method->input_type()->full_name()));
  }
  routes->push_back(Route{http_method, *std::move(path), rule.body(), method});
  return absl::OkStatus();
}

}  // namespace

std::string Route::FullMethodName() const {
  return absl::StrCat("/", method->service()->full_name(), "/", method->name());
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  RouteTable table;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      if (!method->options().HasExtension(google::api::http)) continue;
      const google::api::HttpRule& rule = method->options().GetExtension(google::api::http);
      if (absl::Status s = AddRule(method, rule, &table.routes_); !s.ok()) return s;
      for (const google::api::HttpRule& extra : rule.additional_bindings()) {
        if (absl::Status s = AddRule(method, extra, &table.routes_); !s.ok()) return s;
      }
    }
  }
  std::stable_sort(table.routes_.begin(), table.routes_.end(), [](const Route& a, const Route& b) {
    return a.path.literal_count() > b.path.literal_count();
  });
  return table;
}

RouteLookup RouteTable::Lookup(absl::string_view http_method, absl::string_view path) const {
  RouteLookup lookup;
  for (const Route& route : routes_) {
    if (route.http_method == http_method) {
      if (route.path.Match(path, &lookup.bindings)) {
        lookup.outcome = RouteLookup::kFound;
        lookup.route = &route;
        return lookup;
      }
    } else if (route.path.Match(path, nullptr) &&
               std::find(lookup.allowed.begin(), lookup.allowed.end(), route.http_method) ==
                   lookup.allowed.end()) {
      lookup.allowed.push_back(route.http_method);
    }
  }
  if (!lookup.allowed.empty()) {
    lookup.outcome = RouteLookup::kMethodNotAllowed;
    return lookup;
  }
  // Nearest: most segments matched, then most characters in common with the template's start (a
  // mistyped "/v1/structure" is closest to "/v1/structures" among the many routes under "/v1").
  struct Scored {
    int segments;
    size_t characters;
    const Route* route;
  };
  std::vector<Scored> scored;
  for (const Route& route : routes_) {
    absl::string_view text = route.path.text();
    size_t common = 0;
    while (common < text.size() && common < path.size() && text[common] == path[common]) ++common;
    scored.push_back({route.path.MatchingPrefix(path), common, &route});
  }
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.segments != b.segments ? a.segments > b.segments : a.characters > b.characters;
  });
  for (const auto& [score, characters, route] : scored) {
    if (score == 0 || lookup.close_routes.size() == kCloseRoutesShown) break;
    lookup.close_routes.push_back(absl::StrCat(route->http_method, " ", route->path.text()));
  }
  return lookup;
}

std::vector<const google::protobuf::ServiceDescriptor*> LinkedServices() {
  // The generated pool has no listing of its own; its backing database knows every linked file.
  std::vector<std::string> files;
  google::protobuf::DescriptorPool::internal_generated_database()->FindAllFileNames(&files);
  std::sort(files.begin(), files.end());
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const std::string& name : files) {
    const google::protobuf::FileDescriptor* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) services.push_back(file->service(s));
  }
  return services;
}

}  // namespace passerelle::gateway
