#include "gateway/json_value.h"

#include "common/utf8.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::gateway {

google::protobuf::Value String(absl::string_view text) {
  google::protobuf::Value v;
  v.set_string_value(common::ToUtf8(text));
  return v;
}

google::protobuf::Value Number(double number) {
  google::protobuf::Value v;
  v.set_number_value(number);
  return v;
}

google::protobuf::Value Bool(bool value) {
  google::protobuf::Value v;
  v.set_bool_value(value);
  return v;
}

google::protobuf::Value List(std::vector<google::protobuf::Value> items) {
  google::protobuf::Value v;
  google::protobuf::ListValue* list = v.mutable_list_value();
  for (google::protobuf::Value& item : items) *list->add_values() = std::move(item);
  return v;
}

google::protobuf::Value Object(
    std::vector<std::pair<std::string, google::protobuf::Value>> fields) {
  google::protobuf::Value v;
  v.mutable_struct_value();
  for (auto& [key, value] : fields) Put(&v, key, std::move(value));
  return v;
}

void Put(google::protobuf::Value* object, const std::string& key, google::protobuf::Value value) {
  (*object->mutable_struct_value()->mutable_fields())[key] = std::move(value);
}

std::string ToJsonText(const google::protobuf::Value& value) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

}  // namespace passerelle::gateway
