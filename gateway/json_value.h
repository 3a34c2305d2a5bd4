#ifndef PASSERELLE_GATEWAY_JSON_VALUE_H_
#define PASSERELLE_GATEWAY_JSON_VALUE_H_

// Building JSON documents (error bodies, the OpenAPI document) as google.protobuf.Value, which
// protobuf prints as plain JSON: one JSON writer for the gateway, protobuf's.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace passerelle::gateway {

// Bytes that are not UTF-8 (a client's, echoed in an error) become U+FFFD: the JSON stays
// printable.
google::protobuf::Value String(absl::string_view text);
google::protobuf::Value Number(double number);
google::protobuf::Value Bool(bool value);
google::protobuf::Value List(std::vector<google::protobuf::Value> items);
google::protobuf::Value Object(std::vector<std::pair<std::string, google::protobuf::Value>> fields);
// Sets `key` of an object value (replacing it).
void Put(google::protobuf::Value* object, const std::string& key, google::protobuf::Value value);
std::string ToJsonText(const google::protobuf::Value& value);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_JSON_VALUE_H_
