#ifndef PASSERELLE_TENDER_SVC_WATCH_H_
#define PASSERELLE_TENDER_SVC_WATCH_H_

// Live notice events for WatchTenders. One dispatcher follows the store's change log (local writes
// and changes replicated from peers alike), decodes each notice change once, and hands it to every
// subscriber whose filter it matches, through a bounded queue per subscriber: writers never wait
// for watchers, and a slow watcher cannot hold up the others — when its queue overflows it is
// dropped, and it resumes from the token of the last event it received.
//
// Tokens are version vectors (how far into each origin's change log the event lies), so resuming
// replays exactly the notice changes after it, from the change log, without gap or duplicate.

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "passerelle/v1/common.pb.h"
#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"
#include "store/cursor.h"
#include "store/store.h"

namespace passerelle::tender {

using TenderFilter = std::function<bool(const v1::Tender&)>;
// The stored notices that may pass a filter, found through the index, so that a subscriber's
// snapshot reads those rather than every notice.
using TenderCandidates =
    std::function<std::unique_ptr<store::PostingCursor>(const store::ReadView&)>;

struct WatchPlan {
  TenderFilter filter;
  TenderCandidates candidates;
};

// The filter a WatchTendersRequest describes, its values already validated (NoticeFilterTerms);
// `structure` is the one its matches_structure names (nullptr when unset).
TenderFilter MakeTenderFilter(const v1::WatchTendersRequest& request,
                              const v1::Structure* structure);

class Subscription {
 public:
  enum class Wait { kEvent, kEmpty, kOverflow, kClosed };

  // An event as it goes on the wire: a serialised v1::TenderEvent. A live one is serialised once
  // and shared by every subscriber it goes to, not once per delivery.
  using Event = std::shared_ptr<const std::string>;

  // The next event, without waiting: first the snapshot (or the catch-up after a resume token),
  // then live ones. kEmpty: none yet, and the listener will be called once that changes. kOverflow:
  // this subscriber fell more than the queue limit behind and was dropped; kClosed: the node is
  // stopping. With kEvent, `more` says whether another is waiting already, so that the writer can
  // let the transport coalesce the two.
  Wait Take(Event* event, bool* more);

  // Set once, before the first Take. Called on the dispatcher's thread, with none of this
  // subscription's locks held, when Take last answered kEmpty and an event arrived, the
  // subscription overflowed or the node began stopping: a stream needs no thread of its own waiting
  // for its next event.
  void SetListener(std::function<void()> listener);

 private:
  friend class TenderWatch;
  explicit Subscription(TenderFilter filter) : filter_(std::move(filter)) {}
  // Runs `change` (which edits the queues or flags) under `mu_`, then, with `mu_` released, calls
  // the listener if Take asked for it.
  void Update(absl::FunctionRef<void()> change);

  const TenderFilter filter_;
  std::function<void()> listener_;  // written before the first Take, read-only after
  absl::Mutex mu_;
  std::deque<Event> first_ ABSL_GUARDED_BY(mu_);  // the snapshot or catch-up; not bounded
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);  // live events; bounded
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool listening_ ABSL_GUARDED_BY(mu_) = false;  // Take answered kEmpty since the last Notify
};

class TenderWatch {
 public:
  // Starts the dispatcher at the store's current state. `queue_limit`: live events a subscriber may
  // have waiting before it is dropped.
  TenderWatch(store::Store* store, size_t queue_limit);
  // Close()s.
  ~TenderWatch();

  // A subscription whose first events are the notices committed before the call that the plan's
  // filter accepts among its candidates (resume_token empty), or every accepted notice change after
  // `resume_token`; then live events. INVALID_ARGUMENT on a malformed token.
  absl::StatusOr<std::shared_ptr<Subscription>> Subscribe(WatchPlan plan,
                                                          absl::string_view resume_token);

  // Ends every subscription (kClosed) and stops the dispatcher. Idempotent.
  void Close();

 private:
  // Delivers the notice changes the store committed since the last call.
  void Advance();
  void Run();

  store::Store* store_;
  const size_t queue_limit_;
  absl::Mutex mu_;
  // Everything up to position_ has been delivered; view_ is the snapshot position_ was read from.
  v1::VersionVector position_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<const store::ReadView> view_ ABSL_GUARDED_BY(mu_);
  // Not owned: a subscription lives as long as its stream holds it, and a watcher that goes away
  // leaves at once rather than taking deliveries until its queue overflows.
  std::vector<std::weak_ptr<Subscription>> subscribers_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread dispatcher_;
};

// Token encoding, exposed for tests.
std::string EncodeWatchToken(const v1::VersionVector& position);
absl::StatusOr<v1::VersionVector> DecodeWatchToken(absl::string_view token);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_WATCH_H_
