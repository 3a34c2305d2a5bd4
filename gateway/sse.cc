#include "gateway/sse.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gateway/transcode.h"

namespace passerelle::gateway {
namespace {

std::string EventIdOf(const google::protobuf::Message& message, int64_t sequence) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName("event_id");
  const google::protobuf::Reflection* r = message.GetReflection();
  if (field != nullptr && !field->is_repeated()) {
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING: {
        // An id is one line of the event: a line break would end it early.
        std::string id = r->GetString(message, field);
        if (!id.empty() && id.find_first_of("\r\n") == std::string::npos) return id;
        break;
      }
      case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
        return absl::StrCat(r->GetInt64(message, field));
      case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
        return absl::StrCat(r->GetUInt64(message, field));
      default:
        break;
    }
  }
  return absl::StrCat(sequence);
}

}  // namespace

std::string SseEvent(const google::protobuf::Message& message, int64_t sequence) {
  // protobuf prints JSON on one line, so the data needs no splitting over several "data:" lines.
  return absl::StrCat("id: ", EventIdOf(message, sequence), "\ndata: ", ToJson(message), "\n\n");
}

std::string SseErrorEvent(absl::string_view error_json) {
  return absl::StrCat("event: error\ndata: ", absl::StrReplaceAll(error_json, {{"\n", " "}}),
                      "\n\n");
}

}  // namespace passerelle::gateway
