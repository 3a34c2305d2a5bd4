// Server streaming as Server-Sent Events, through a real gateway in front of a real in-process gRPC
// server running a test-only service (feed_test_service.proto): the gateway's transport, not a
// domain service.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "feed_test_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/http_client.h"

namespace passerelle::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// On the callback API, so that a held stream hears its cancellation as it happens (a sync handler
// would only see it when it next touched the call).
class Feed final : public FeedTestService::CallbackService {
 public:
  // Notified when a hold_open stream is cancelled.
  absl::Notification cancelled;

 private:
  class Watch final : public grpc::ServerWriteReactor<FeedEvent> {
   public:
    Watch(grpc::CallbackServerContext* context, const WatchFeedRequest& request,
          absl::Notification* cancelled)
        : request_(request), cancelled_(cancelled) {
      auto last = context->client_metadata().find("last-event-id");
      if (last != context->client_metadata().end()) {
        (void)absl::SimpleAtoi(absl::string_view(last->second.data(), last->second.size()),
                               &after_);
      }
      Next();
    }

    void OnWriteDone(bool ok) override {
      if (ok) Next();  // otherwise the call is cancelled: OnCancel and OnDone follow
    }
    void OnCancel() override {
      if (request_.hold_open()) cancelled_->Notify();
      Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override { delete this; }

   private:
    void Next() {
      if (sent_ < request_.count()) {
        ++sent_;
        event_.set_event_id(absl::StrCat(after_ + sent_));
        event_.set_text(absl::StrCat(request_.feed(), " #", after_ + sent_));
        StartWrite(&event_);
      } else if (!request_.hold_open()) {
        Finish(
            request_.fail_code() == 0
                ? grpc::Status::OK
                : grpc::Status(static_cast<grpc::StatusCode>(request_.fail_code()), "feed broke"));
      }
    }

    const WatchFeedRequest request_;
    absl::Notification* cancelled_;
    int64_t after_ = 0;
    int sent_ = 0;
    FeedEvent event_;
  };

  grpc::ServerWriteReactor<FeedEvent>* WatchFeed(grpc::CallbackServerContext* context,
                                                 const WatchFeedRequest* request) override {
    return new Watch(context, *request, &cancelled);
  }
};

struct SseEvent {
  std::string id, event, data;
};

std::vector<SseEvent> ParseEvents(const std::string& body) {
  std::vector<SseEvent> events;
  for (absl::string_view block : absl::StrSplit(body, "\n\n", absl::SkipEmpty())) {
    SseEvent e;
    for (absl::string_view line : absl::StrSplit(block, '\n')) {
      if (absl::ConsumePrefix(&line, "id: ")) e.id = std::string(line);
      if (absl::ConsumePrefix(&line, "event: ")) e.event = std::string(line);
      if (absl::ConsumePrefix(&line, "data: ")) e.data = std::string(line);
    }
    events.push_back(e);
  }
  return events;
}

std::vector<std::string> Ids(const std::vector<SseEvent>& events) {
  std::vector<std::string> ids;
  for (const SseEvent& e : events) ids.push_back(e.id);
  return ids;
}

class GatewaySse : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    gateway_ = StartGateway(GatewayConfigFor(absl::StrCat("127.0.0.1:", port)));
    ASSERT_NE(gateway_, nullptr);
  }
  void TearDown() override {
    gateway_.reset();
    server_->Shutdown();
  }

  Feed feed_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

TEST_F(GatewaySse, EachStreamedMessageIsAnEventWithItsIdAndJsonData) {
  HttpReply reply =
      HttpClient(gateway_->port()).CallAs(kAdminToken, "GET", "/v1/test/feeds/news:watch?count=3");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "text/event-stream");
  std::vector<SseEvent> events = ParseEvents(reply.body);
  EXPECT_THAT(Ids(events), ElementsAre("1", "2", "3"));
  EXPECT_EQ(events[0].data, R"({"eventId":"1","text":"news #1"})");
}

TEST_F(GatewaySse, LastEventIdReachesTheMethodSoTheStreamResumesAfterIt) {
  HttpReply reply = HttpClient(gateway_->port())
                        .CallAs(kAdminToken, "GET", "/v1/test/feeds/news:watch?count=2", "",
                                {{"Last-Event-ID", "41"}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_THAT(Ids(ParseEvents(reply.body)), ElementsAre("42", "43"));
}

TEST_F(GatewaySse, AStreamFailingBeforeItsFirstEventIsAPlainHttpError) {
  HttpReply reply =
      HttpClient(gateway_->port())
          .CallAs(kAdminToken, "GET",
                  absl::StrCat("/v1/test/feeds/news:watch?failCode=", grpc::NOT_FOUND));
  EXPECT_EQ(reply.status, 404) << reply.body;
  EXPECT_EQ(reply.ErrorStatus(), "NOT_FOUND");
}

TEST_F(GatewaySse, AStreamFailingAfterEventsEndsWithAnErrorEvent) {
  HttpReply reply =
      HttpClient(gateway_->port())
          .CallAs(kAdminToken, "GET",
                  absl::StrCat("/v1/test/feeds/news:watch?count=2&failCode=", grpc::UNAVAILABLE));
  ASSERT_EQ(reply.status, 200);
  std::vector<SseEvent> events = ParseEvents(reply.body);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].event, "error");
  EXPECT_THAT(events[2].data, HasSubstr("UNAVAILABLE"));
}

TEST_F(GatewaySse, TheConnectionIsKeptAliveAfterAStream) {
  HttpClient client(gateway_->port());
  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/test/feeds/a:watch?count=1").status, 200);
  EXPECT_EQ(client.CallAs(kAdminToken, "GET", "/v1/test/feeds/b:watch").status, 200);
  EXPECT_EQ(client.Call("GET", "/healthz").status, 200);
}

TEST_F(GatewaySse, AClientHangingUpOnASilentStreamEndsTheNodesCall) {
  {
    HttpClient client(gateway_->port());
    client.SendRaw(
        absl::StrCat("GET /v1/test/feeds/news:watch?count=1&holdOpen=true HTTP/1.1\r\nHost: x\r\n",
                     "Authorization: Bearer ", kAdminToken, "\r\n\r\n"));
    EXPECT_THAT(client.ReadUntil("id: 1"), HasSubstr("id: 1"));
  }  // hangs up with the stream silent
  EXPECT_TRUE(feed_.cancelled.WaitForNotificationWithTimeout(absl::Seconds(20)));
  EXPECT_EQ(HttpClient(gateway_->port()).Call("GET", "/healthz").status, 200);
}

TEST_F(GatewaySse, AStreamWithManyEventsArrivesWhole) {
  HttpReply reply = HttpClient(gateway_->port())
                        .CallAs(kAdminToken, "GET", "/v1/test/feeds/big:watch?count=2000");
  ASSERT_EQ(reply.status, 200);
  std::vector<SseEvent> events = ParseEvents(reply.body);
  ASSERT_EQ(events.size(), 2000u);
  EXPECT_EQ(events.back().id, "2000");
}

}  // namespace
}  // namespace passerelle::testing
