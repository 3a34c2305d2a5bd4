#include "gateway/sse.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gateway/json_print.h"

namespace passerelle::gateway {
namespace {

// The message's own resume position, or empty when its type has none (the event is then numbered).
std::string OwnEventId(const google::protobuf::Message& message) {
  const google::protobuf::FieldDescriptor* field =
      message.GetDescriptor()->FindFieldByName("event_id");
  const google::protobuf::Reflection* r = message.GetReflection();
  if (field != nullptr && !field->is_repeated()) {
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_STRING: {
        // An id is one line of the event: a line break would end it early.
        std::string id = r->GetString(message, field);
        if (id.find_first_of("\r\n") == std::string::npos) return id;
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
  return "";
}

std::string Frame(absl::string_view own_id, int64_t sequence, absl::string_view json) {
  // protobuf prints JSON on one line, so the data needs no splitting over several "data:" lines.
  return own_id.empty() ? absl::StrCat("id: ", sequence, "\ndata: ", json, "\n\n")
                        : absl::StrCat("id: ", own_id, "\ndata: ", json, "\n\n");
}

}  // namespace

SseRenderer::SseRenderer(size_t capacity) : capacity_(capacity) {}

std::optional<std::string> SseRenderer::Render(const google::protobuf::Message& prototype,
                                               absl::string_view bytes, int64_t sequence) {
  const bool memoised = bytes.size() <= kMaxMemoisedBytes;
  // The type is part of the key: the same bytes print differently as another type.
  std::string key =
      memoised ? absl::StrCat(prototype.GetDescriptor()->full_name(), "\n", bytes) : "";
  if (memoised) {
    absl::MutexLock lock(&mu_);
    if (auto it = rendered_.find(key); it != rendered_.end()) {
      return Frame(it->second.own_id, sequence, it->second.json);
    }
  }
  std::unique_ptr<google::protobuf::Message> message(prototype.New());
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  Rendered rendered{OwnEventId(*message), ToJson(*message)};
  std::string event = Frame(rendered.own_id, sequence, rendered.json);
  if (memoised) {
    absl::MutexLock lock(&mu_);
    if (rendered_.try_emplace(key, std::move(rendered)).second) {
      order_.push_back(std::move(key));
      if (order_.size() > capacity_) {
        rendered_.erase(order_.front());
        order_.pop_front();
      }
    }
  }
  return event;
}

std::string SseErrorEvent(absl::string_view error_json) {
  return absl::StrCat("event: error\ndata: ", absl::StrReplaceAll(error_json, {{"\n", " "}}),
                      "\n\n");
}

}  // namespace passerelle::gateway
