#include "common/text_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace passerelle::common {

absl::Status ReadTextProto(absl::string_view path, google::protobuf::Message* message) {
  std::ifstream in{std::string(path)};
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), message)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a text-format ", message->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

}  // namespace passerelle::common
