#ifndef PASSERELLE_COMMON_TEXT_CONFIG_H_
#define PASSERELLE_COMMON_TEXT_CONFIG_H_

// Config files are protobuf text format (node, gateway): one reader for all of them.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace passerelle::common {

// Parses the file at `path` into `message`. NOT_FOUND when it cannot be read; INVALID_ARGUMENT
// naming the file and the message type when it does not parse.
absl::Status ReadTextProto(absl::string_view path, google::protobuf::Message* message);

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_TEXT_CONFIG_H_
