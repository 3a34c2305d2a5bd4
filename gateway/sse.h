#ifndef PASSERELLE_GATEWAY_SSE_H_
#define PASSERELLE_GATEWAY_SSE_H_

// Server-Sent Events framing for server-streaming RPCs. Each message is one event whose data is the
// message's JSON and whose id lets a client resume: the message's own `event_id` field when its
// type has one (the method's resume position, handed back to it as the `last-event-id` metadata
// when the client reconnects with Last-Event-ID), else the event's number in this stream, 1, 2, ...

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace passerelle::gateway {

// The metadata key carrying the client's Last-Event-ID to the streaming method.
inline constexpr absl::string_view kLastEventIdMetadata = "last-event-id";

// "id: <id>\ndata: <json>\n\n"; `sequence` numbers the event within its stream from 1.
std::string SseEvent(const google::protobuf::Message& message, int64_t sequence);

// "event: error\ndata: <json>\n\n", for a stream that fails after it has started.
std::string SseErrorEvent(absl::string_view error_json);

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_SSE_H_
