#ifndef PASSERELLE_GATEWAY_PATH_TEMPLATE_H_
#define PASSERELLE_GATEWAY_PATH_TEMPLATE_H_

// google.api.http path templates (google/api/http.proto):
//   Template = "/" Segments [ ":" Verb ] ;   Segment = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
// Parsed once at start-up; Match is pure and thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passerelle::gateway {

// A field path bound by a path variable ("structure.name") and the value it captured,
// percent-decoded.
struct PathBinding {
  std::string field_path;
  std::string value;
};

class PathTemplate {
 public:
  // INVALID_ARGUMENT naming the problem for anything outside the grammar above ("**" only last, no
  // nested variables, no empty segments).
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // The bindings when `path` (no query string) matches, in template order; false otherwise.
  bool Match(absl::string_view path, std::vector<PathBinding>* bindings) const;

  // How many leading segments of `path` the template accepts: how close an unmatched path came.
  int MatchingPrefix(absl::string_view path) const;

  // Segments that are fixed text: the more, the more specific the template (it wins over a looser
  // one).
  int literal_count() const;
  const std::string& text() const { return text_; }
  // The template in OpenAPI form, where a parameter is one segment: a variable's literal segments
  // stay and its wildcards become parameters named after the field ("/v1/{name=structures/*}" →
  // "/v1/structures/{name}", several wildcards: {name_1}, {name_2}). The request path is the same
  // either way. Parameter names are appended to `parameters` in order.
  std::string OpenApiPath(std::vector<std::string>* parameters = nullptr) const;
  // The variables' field paths, in template order.
  std::vector<std::string> FieldPaths() const;

 private:
  struct Segment {
    enum Kind { kLiteral, kAny, kAnyMulti } kind;
    std::string literal;
  };
  struct Variable {
    std::string field_path;
    size_t first;  // segment range [first, end)
    size_t end;
  };

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// "%2F" → "/"; a malformed escape is kept as it is.
std::string PercentDecode(absl::string_view text);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_PATH_TEMPLATE_H_
