#ifndef PASSERELLE_GATEWAY_JSON_PRINT_H_
#define PASSERELLE_GATEWAY_JSON_PRINT_H_

// Messages → JSON, byte for byte as protobuf's MessageToJsonString prints them with default options
// (proto3 mapping, lowerCamelCase names, default values omitted), but written straight from
// reflection. Protobuf 3.21 prints a message by converting each of its types to a
// google.protobuf.Type, serializing the message and re-reading the bytes through those types: that
// was the largest cost of a GET through the gateway. What the direct path does not render exactly
// as protobuf does (Any, Duration, Struct, Value, ListValue, NullValue, maps, extensions,
// timestamps out of range, strings with code points protobuf escapes beyond the common ones,
// invalid UTF-8) is handed whole to protobuf.

#include <string>

#include "google/protobuf/message.h"

namespace passerelle::gateway {

std::string ToJson(const google::protobuf::Message& message);

// The direct path alone: false (with `out` in an unspecified state) where ToJson hands the message
// to protobuf. For tests that check the two agree.
bool PrintJsonDirect(const google::protobuf::Message& message, std::string* out);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_JSON_PRINT_H_
