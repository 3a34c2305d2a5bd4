#ifndef PASSERELLE_GATEWAY_SSE_H_
#define PASSERELLE_GATEWAY_SSE_H_

// Server-Sent Events framing for server-streaming RPCs. Each message is one event whose data is the
// message's JSON and whose id lets a client resume: the message's own `event_id` field when its
// type has one (the method's resume position, handed back to it as the `last-event-id` metadata
// when the client reconnects with Last-Event-ID), else the event's number in this stream, 1, 2, ...

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"

namespace passerelle::gateway {

// The metadata key carrying the client's Last-Event-ID to the streaming method.
inline constexpr absl::string_view kLastEventIdMetadata = "last-event-id";

// Renders serialized stream messages as events, each distinct message once: a notice watched by
// 500 clients reaches the gateway as 500 copies of the same bytes, and parsing them and printing
// JSON is most of what the gateway spends on an event. Thread-safe; remembers the last `capacity`
// distinct messages (those up to kMaxMemoisedBytes).
class SseRenderer {
 public:
  static constexpr size_t kMaxMemoisedBytes = 64 << 10;

  explicit SseRenderer(size_t capacity = 512);

  // "id: <id>\ndata: <json>\n\n" for `bytes`, a serialized message of `prototype`'s type, where
  // `sequence` numbers the event within its stream from 1; nullopt if the bytes do not parse as
  // one.
  std::optional<std::string> Render(const google::protobuf::Message& prototype,
                                    absl::string_view bytes, int64_t sequence);

 private:
  struct Rendered {
    std::string own_id;  // the message's event_id; empty: numbered by its stream
    std::string json;
  };

  const size_t capacity_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Rendered> rendered_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // oldest first, for eviction
};

// "event: error\ndata: <json>\n\n", for a stream that fails after it has started.
std::string SseErrorEvent(absl::string_view error_json);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_SSE_H_
