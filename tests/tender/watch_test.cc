// WatchTenders through a real in-process node: the snapshot then live events, filters, and a slow
// watcher that overflows its queue, ends with RESOURCE_EXHAUSTED and resumes from its last token
// without loss, while a fast watcher sees every event in order; and that a watcher gone leaves
// nothing behind.

#include "tender_svc/watch.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "registry_svc/rules.h"
#include "store/store.h"
#include "tender_svc/tenders.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::HasCode;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::RegistryClient;
using testing::SampleTender;
using testing::TestNode;

constexpr int kQueueLimit = 8;

v1::NodeConfig SmallQueueConfig() {
  v1::NodeConfig config;
  config.set_partner_id("solideo");
  config.set_watch_queue_limit(kQueueLimit);
  return config;
}

// One watch stream. The deadline turns a missing event into a failure instead of a hung test.
struct Watcher {
  Watcher(const std::shared_ptr<grpc::Channel>& channel, const v1::WatchTendersRequest& request)
      : stub(v1::TenderService::NewStub(channel)) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    reader = stub->WatchTenders(&context, request);
  }
  std::unique_ptr<v1::TenderService::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::TenderEvent>> reader;
};

class WatchTendersTest : public ::testing::Test {
 protected:
  WatchTendersTest()
      : node_(SmallQueueConfig()),
        registry_(node_),
        stub_(v1::TenderService::NewStub(node_.channel())) {
    EXPECT_THAT(registry_.CreateBuyer(testing::SampleBuyer()).status, IsOk());
  }

  void Create(const v1::Tender& t) {
    grpc::ClientContext context;
    v1::CreateTenderRequest r;
    *r.mutable_tender() = t;
    v1::Tender created;
    ASSERT_THAT(stub_->CreateTender(&context, r, &created), IsOk());
  }

  // A channel whose stream windows are small, so that a watcher that does not read soon stops the
  // server's writes and lets its queue fill.
  std::shared_ptr<grpc::Channel> SmallWindowChannel() const {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
    return grpc::CreateCustomChannel(node_.address(), grpc::InsecureChannelCredentials(), args);
  }

  TestNode node_;
  RegistryClient registry_;
  std::unique_ptr<v1::TenderService::Stub> stub_;
};

TEST_F(WatchTendersTest, AWatcherGetsTheMatchingSnapshotThenLiveEventsOfMatchingNoticesOnly) {
  v1::Tender construction = SampleTender("a-existing");
  Create(construction);
  v1::Tender catering = SampleTender("b-catering");
  catering.clear_themes();
  catering.add_themes(v1::THEME_SOLIDARITY_CATERING);
  Create(catering);

  v1::WatchTendersRequest request;
  request.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  Watcher w(node_.channel(), request);
  v1::TenderEvent event;
  ASSERT_TRUE(w.reader->Read(&event));
  EXPECT_TRUE(event.snapshot());
  EXPECT_EQ(event.tender().tender_id(), "a-existing");

  catering.set_tender_id("c-catering");
  Create(catering);  // filtered out
  Create(SampleTender("d-new"));
  ASSERT_TRUE(w.reader->Read(&event));
  EXPECT_FALSE(event.snapshot());
  EXPECT_EQ(event.action(), v1::TENDER_ACTION_CREATED);
  EXPECT_EQ(event.tender().tender_id(), "d-new");
  {
    grpc::ClientContext context;
    v1::PublishTenderRequest r;
    r.set_name("tenders/d-new");
    v1::Tender published;
    ASSERT_THAT(stub_->PublishTender(&context, r, &published), IsOk());
  }
  ASSERT_TRUE(w.reader->Read(&event));
  EXPECT_EQ(event.action(), v1::TENDER_ACTION_PUBLISHED);
  EXPECT_EQ(event.tender().status(), v1::TENDER_STATUS_PUBLISHED);
  w.context.TryCancel();
}

TEST_F(WatchTendersTest, ALastEventIdHeaderFromTheGatewayResumesLikeAResumeToken) {
  Create(SampleTender("a-first"));
  Watcher first(node_.channel(), v1::WatchTendersRequest());
  v1::TenderEvent event;
  ASSERT_TRUE(first.reader->Read(&event));
  first.context.TryCancel();
  Create(SampleTender("b-second"));

  auto stub = v1::TenderService::NewStub(node_.channel());
  grpc::ClientContext context;
  context.AddMetadata("last-event-id", event.event_id());
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = stub->WatchTenders(&context, v1::WatchTendersRequest());
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_FALSE(event.snapshot());
  EXPECT_EQ(event.tender().tender_id(), "b-second");
  context.TryCancel();
}

TEST_F(WatchTendersTest, BadFiltersAndTokensAreInvalidArguments) {
  v1::WatchTendersRequest request;
  request.add_departments("20");
  request.set_resume_token("!!");
  Watcher w(node_.channel(), request);
  v1::TenderEvent event;
  EXPECT_FALSE(w.reader->Read(&event));
  EXPECT_THAT(w.reader->Finish(), IsInvalidArgumentOn(ElementsAre("departments[0]")));
  request.clear_departments();
  Watcher bad_token(node_.channel(), request);
  EXPECT_FALSE(bad_token.reader->Read(&event));
  EXPECT_THAT(bad_token.reader->Finish(), IsInvalidArgumentOn(ElementsAre("resume_token")));
}

TEST_F(WatchTendersTest,
       ASlowWatcherIsDroppedAndResumesWithoutLossWhileAFastOneSeesEveryEventInOrder) {
  Create(SampleTender("seed"));
  constexpr int kNotices = 300;
  std::vector<std::string> expected;
  for (int i = 0; i < kNotices; ++i) expected.push_back(absl::StrFormat("t-%03d", i));

  // Both watchers have received the snapshot (so they are registered) before any write.
  v1::TenderEvent event;
  Watcher fast(node_.channel(), v1::WatchTendersRequest());
  ASSERT_TRUE(fast.reader->Read(&event));
  ASSERT_TRUE(event.snapshot());
  Watcher slow(SmallWindowChannel(), v1::WatchTendersRequest());
  ASSERT_TRUE(slow.reader->Read(&event));
  ASSERT_TRUE(event.snapshot());
  std::string last_token = event.event_id();

  // The fast watcher reads each event as soon as its write is acknowledged, so its queue never
  // holds more than one, however loaded the machine; the slow one reads nothing until the end.
  std::vector<std::string> fast_seen;
  for (const std::string& id : expected) {
    Create(SampleTender(id));
    v1::TenderEvent e;
    if (!fast.reader->Read(&e)) break;
    fast_seen.push_back(e.tender().tender_id());
  }
  EXPECT_THAT(fast_seen, ElementsAreArray(expected));

  // The slow watcher now reads what reached it, and finds its stream ended for falling behind.
  std::vector<std::string> slow_seen;
  while (slow.reader->Read(&event)) {
    slow_seen.push_back(event.tender().tender_id());
    last_token = event.event_id();
  }
  EXPECT_THAT(slow.reader->Finish(), HasCode(grpc::StatusCode::RESOURCE_EXHAUSTED));
  ASSERT_LT(slow_seen.size(), expected.size());

  v1::WatchTendersRequest resume;
  resume.set_resume_token(last_token);
  Watcher resumed(node_.channel(), resume);
  while (slow_seen.size() < expected.size() && resumed.reader->Read(&event)) {
    EXPECT_FALSE(event.snapshot());
    slow_seen.push_back(event.tender().tender_id());
  }
  EXPECT_THAT(slow_seen, ElementsAreArray(expected));
  resumed.context.TryCancel();
}

TEST_F(WatchTendersTest, ManyWatchersOfOneBuyerEachGetEveryEventOfItsNotices) {
  EXPECT_THAT(registry_.CreateBuyer(testing::SampleBuyer("paris-2024")).status, IsOk());
  Create(SampleTender("seed", "paris-2024"));
  constexpr int kWatchers = 40;
  constexpr int kNotices = 20;
  v1::WatchTendersRequest request;
  request.set_buyer("buyers/paris-2024");
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<Watcher>(node_.channel(), request));
    v1::TenderEvent event;
    ASSERT_TRUE(watchers.back()->reader->Read(&event));  // the seed: registered
    ASSERT_TRUE(event.snapshot());
  }
  for (int i = 0; i < kNotices; ++i) {
    Create(SampleTender(absl::StrFormat("p-%02d", i), "paris-2024"));
    Create(SampleTender(absl::StrFormat("s-%02d", i)));  // another buyer's: filtered out
  }
  for (auto& w : watchers) {
    std::vector<std::string> seen;
    v1::TenderEvent event;
    while (seen.size() < kNotices && w->reader->Read(&event))
      seen.push_back(event.tender().tender_id());
    ASSERT_EQ(seen.size(), static_cast<size_t>(kNotices));
    EXPECT_EQ(seen.front(), "p-00");
    EXPECT_EQ(seen.back(), "p-19");
    w->context.TryCancel();
  }
}

// Threads of this process (the in-process node and the test's clients).
size_t ThreadCount() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/task"))
    ++n;
  return n;
}

// A watcher waiting for its next event holds no server thread: a node serving many (a gateway
// fanning out to browsers) does not grow a thread per stream, and each still gets its events.
TEST_F(WatchTendersTest, WaitingWatchersHoldNoServerThreadAndStillGetTheirEvents) {
  Create(SampleTender("seed"));
  constexpr int kWatchers = 150;
  const size_t before = ThreadCount();
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kWatchers; ++i) {
    watchers.push_back(std::make_unique<Watcher>(node_.channel(), v1::WatchTendersRequest()));
    v1::TenderEvent event;
    ASSERT_TRUE(watchers.back()->reader->Read(&event));  // the seed: registered
  }
  EXPECT_LT(ThreadCount(), before + kWatchers / 3);
  Create(SampleTender("live"));
  for (auto& w : watchers) {
    v1::TenderEvent event;
    ASSERT_TRUE(w->reader->Read(&event));
    EXPECT_EQ(event.tender().tender_id(), "live");
    EXPECT_FALSE(event.snapshot());
    w->context.TryCancel();
  }
}

// The dispatcher does not keep a subscription alive: once its stream lets go (the watcher went
// away), the subscription is freed at once, instead of taking deliveries until its queue overflows.
TEST(TenderWatchTest, ASubscriptionEndsWithTheStreamHoldingIt) {
  testing::TempDir dir;
  store::StoreOptions options;
  options.path = dir.path() + "/db";
  options.partner_id = "solideo";
  options.kinds = {std::string(tender::kTenderKind)};
  absl::StatusOr<std::unique_ptr<store::Store>> store = store::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  tender::TenderWatch watch(store->get(), kQueueLimit);
  tender::WatchPlan everything{[](const v1::Tender&) { return true; },
                               [](const store::ReadView& view) {
                                 return view.Postings(tender::kTenderKind, registry::terms::kAll);
                               }};
  absl::StatusOr<std::shared_ptr<tender::Subscription>> sub = watch.Subscribe(everything, "");
  ASSERT_TRUE(sub.ok()) << sub.status();
  std::weak_ptr<tender::Subscription> held_elsewhere = *sub;
  sub->reset();
  EXPECT_TRUE(held_elsewhere.expired());
}

}  // namespace
}  // namespace passerelle
