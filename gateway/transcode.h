#ifndef PASSERELLE_GATEWAY_TRANSCODE_H_
#define PASSERELLE_GATEWAY_TRANSCODE_H_

// HTTP request parts → a request message, with protobuf's own JSON mapping
// (proto3 JSON: field names in either spelling). Pure: no I/O, no gRPC. Every refusal is
// INVALID_ARGUMENT carrying google.rpc.BadRequest field violations (common/errors.h) that name the
// field, so the HTTP edge reports it as a gRPC service would.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/path_template.h"
#include "gateway/route_table.h"
#include "google/protobuf/message.h"

namespace passerelle::gateway {

// "a=1&b.c=x%20y&b.c=z" → ordered (name, value) pairs, percent- and '+'-decoded.
std::vector<std::pair<std::string, std::string>> ParseQuery(absl::string_view query);

// Sets the field at `field_path` ("structure.contact.email", by proto or JSON name) from its text
// form: numbers, bool, enum value names or numbers, and well-known message types by their JSON
// string form ("update_mask= display_name,headcount", timestamps). A repeated field gets `value`
// appended. Intermediate fields must be singular messages.
absl::Status SetFieldFromText(google::protobuf::Message* message, absl::string_view field_path,
                              absl::string_view value);

// Fills `request` (empty, of the route's input type) from one HTTP request: the JSON `body` as the
// rule's body says ("*": the whole message; a field name: that field; none: body must be empty),
// then the path `bindings` (which win), then `query` parameters for fields neither binds. A missing
// body where one is expected, malformed JSON, an unknown field, a wrong type, a query parameter
// with body "*" or for a bound field: each is INVALID_ARGUMENT naming the field (or "body").
absl::Status BuildRequest(const Route& route, const std::vector<PathBinding>& bindings,
                          absl::string_view query, absl::string_view body,
                          google::protobuf::Message* request);

// The non-blank lines of an NDJSON body, each with its 1-based line number, for client-streaming
// calls.
struct NdjsonLine {
  int number;
  absl::string_view json;
};
std::vector<NdjsonLine> SplitNdjson(absl::string_view body);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_TRANSCODE_H_
