// Server-Sent Events rendering of serialized stream messages: the memo that renders a message
// watched by many clients once must give each client exactly the event that message makes.

#include "gateway/sse.h"

#include "absl/strings/str_cat.h"
#include "feed_test_service.pb.h"
#include "gtest/gtest.h"

namespace passerelle::gateway {
namespace {

testing::FeedEvent Event(const std::string& id, const std::string& text) {
  testing::FeedEvent event;
  event.set_event_id(id);
  event.set_text(text);
  return event;
}

TEST(SseRenderer, RendersTheMessageAsJsonUnderItsOwnIdAndAgainForEveryCopy) {
  SseRenderer renderer;
  const testing::FeedEvent event = Event("v1:3", "hello");
  const std::string bytes = event.SerializeAsString();
  const std::string expected = "id: v1:3\ndata: {\"eventId\":\"v1:3\",\"text\":\"hello\"}\n\n";
  for (int copy = 0; copy < 3; ++copy) {
    EXPECT_EQ(renderer.Render(testing::FeedEvent(), bytes, 7 + copy), expected) << "copy " << copy;
  }
}

TEST(SseRenderer, MessagesWithoutTheirOwnIdAreNumberedByEachStream) {
  SseRenderer renderer;
  testing::EchoRequest echo;
  echo.set_label("same");
  const std::string bytes = echo.SerializeAsString();
  EXPECT_EQ(renderer.Render(echo, bytes, 1), "id: 1\ndata: {\"label\":\"same\"}\n\n");
  EXPECT_EQ(renderer.Render(echo, bytes, 42), "id: 42\ndata: {\"label\":\"same\"}\n\n");
}

TEST(SseRenderer, TheSameBytesAsAnotherTypeAreRenderedAsThatType) {
  SseRenderer renderer;
  // FeedEvent{event_id, text} and EchoRequest{label, path} share their wire form.
  const std::string bytes = Event("a", "b").SerializeAsString();
  ASSERT_TRUE(renderer.Render(testing::FeedEvent(), bytes, 1).has_value());
  EXPECT_EQ(renderer.Render(testing::EchoRequest(), bytes, 1),
            "id: 1\ndata: {\"label\":\"a\",\"path\":\"b\"}\n\n");
}

TEST(SseRenderer, BytesThatDoNotParseGiveNoEvent) {
  SseRenderer renderer;
  EXPECT_FALSE(renderer.Render(testing::FeedEvent(), "\xff\xff\xff", 1).has_value());
}

TEST(SseRenderer, MessagesPastItsCapacityAreRenderedAfresh) {
  SseRenderer renderer(/*capacity=*/2);
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 5; ++i) {
      const testing::FeedEvent event = Event(absl::StrCat("e", i), absl::StrCat("text ", i));
      EXPECT_EQ(renderer.Render(event, event.SerializeAsString(), i),
                absl::StrCat("id: e", i, "\ndata: {\"eventId\":\"e", i, "\",\"text\":\"text ", i,
                             "\"}\n\n"))
          << "round " << round << ", event " << i;
    }
  }
}

}  // namespace
}  // namespace passerelle::gateway
