#include "tender_svc/watch.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "common/errors.h"
#include "store/records.h"
#include "tender_svc/digest.h"
#include "tender_svc/tenders.h"

namespace passerelle::tender {
namespace {

// Change-log entries read per call; bounds the memory of one step of the dispatcher or of a
// catch-up.
constexpr size_t kChangesPerRead = 512;

// The dispatcher makes at most one pass per interval. Under a steady write load a pass per commit
// would open a snapshot and read the change log thousands of times a second; batching them costs
// a watcher at most this much latency.
constexpr absl::Duration kMinPassInterval = absl::Milliseconds(2);

bool HasCpvUnder(const v1::Tender& t, const std::string& prefix) {
  auto under = [&](const std::string& code) { return absl::StartsWith(code, prefix); };
  if (absl::c_any_of(t.cpv_codes(), under)) return true;
  return absl::c_any_of(t.lots(),
                        [&](const v1::Lot& lot) { return absl::c_any_of(lot.cpv_codes(), under); });
}

// Calls `visit` for each notice change of `view` beyond `from` (advanced as it goes) up to `until`
// (when set) for every origin `until` names, with `from` as it stands just after the change.
// Without `decode` only `from` advances, to the last change the view holds: with nobody watching,
// no change need be read.
template <typename Visit>
absl::Status ForEachTenderChange(const store::ReadView& view, const v1::VersionVector& until,
                                 v1::VersionVector* from, bool decode, Visit visit) {
  for (const auto& [origin, last] : until.sequences()) {
    if (!decode) {
      absl::StatusOr<uint64_t> held = view.LastSequence(origin);
      if (!held.ok()) return held.status();
      uint64_t& at = (*from->mutable_sequences())[origin];
      at = std::max(at, std::min(last, *held));
      continue;
    }
    for (;;) {
      uint64_t after = (*from->mutable_sequences())[origin];
      if (after >= last) break;
      absl::StatusOr<std::vector<v1::Change>> changes =
          view.Changes(origin, after, kChangesPerRead);
      if (!changes.ok()) return changes.status();
      if (changes->empty()) break;
      for (const v1::Change& c : *changes) {
        if (c.version().origin_sequence() > last) break;
        (*from->mutable_sequences())[origin] = c.version().origin_sequence();
        if (c.kind() != kTenderKind || c.withheld() || c.deleted()) continue;
        v1::Tender t;
        if (!t.ParseFromString(c.record()))
          return absl::DataLossError("a notice in the change log is unreadable");
        visit(std::move(t), *from);
      }
    }
  }
  return absl::OkStatus();
}

Subscription::Event EventOf(v1::Tender t, const v1::VersionVector& position, bool snapshot) {
  v1::TenderEvent e;
  e.set_action(snapshot ? v1::TENDER_ACTION_UNSPECIFIED : t.last_action());
  e.set_snapshot(snapshot);
  e.set_event_id(EncodeWatchToken(position));
  *e.mutable_tender() = std::move(t);
  return std::make_shared<const std::string>(e.SerializeAsString());
}

}  // namespace

std::string EncodeWatchToken(const v1::VersionVector& position) {
  std::string bytes;
  position.SerializeToString(&bytes);  // map order is unspecified but any order decodes the same
  return absl::WebSafeBase64Escape(bytes);
}

absl::StatusOr<v1::VersionVector> DecodeWatchToken(absl::string_view token) {
  std::string bytes;
  v1::VersionVector position;
  if (!absl::WebSafeBase64Unescape(token, &bytes) || !position.ParseFromString(bytes)) {
    return common::InvalidField("resume_token", "is not a token this service issued");
  }
  return position;
}

TenderFilter MakeTenderFilter(const v1::WatchTendersRequest& request,
                              const v1::Structure* structure) {
  std::optional<v1::Structure> s;
  if (structure != nullptr) s = *structure;
  return TenderFilter([request, s](const v1::Tender& t) {
    if (!request.themes().empty() && !absl::c_any_of(request.themes(), [&](int theme) {
          return absl::c_linear_search(t.themes(), theme);
        })) {
      return false;
    }
    if (!request.departments().empty() &&
        !absl::c_any_of(request.departments(), [&](const std::string& d) {
          return absl::c_linear_search(t.departments(), d);
        })) {
      return false;
    }
    if (!request.cpv_prefixes().empty() &&
        !absl::c_any_of(request.cpv_prefixes(),
                        [&](const std::string& p) { return HasCpvUnder(t, p); })) {
      return false;
    }
    if (!request.buyer().empty() && t.buyer() != request.buyer()) return false;
    if (s && MatchLots(*s, t).empty()) return false;
    return true;
  });
}

Subscription::Wait Subscription::Take(Event* event, bool* more) {
  absl::MutexLock lock(&mu_);
  if (overflowed_) return Wait::kOverflow;
  std::deque<Event>& from = !first_.empty() ? first_ : queue_;
  if (from.empty()) {
    if (closed_) return Wait::kClosed;
    listening_ = true;
    return Wait::kEmpty;
  }
  *event = std::move(from.front());
  from.pop_front();
  *more = !first_.empty() || !queue_.empty();
  return Wait::kEvent;
}

void Subscription::SetListener(std::function<void()> listener) { listener_ = std::move(listener); }

void Subscription::Update(absl::FunctionRef<void()> change) {
  bool wanted;
  {
    absl::MutexLock lock(&mu_);
    change();
    wanted = std::exchange(listening_, false);
  }
  if (wanted && listener_) listener_();
}

TenderWatch::TenderWatch(store::Store* store, size_t queue_limit)
    : store_(store), queue_limit_(queue_limit) {
  {
    absl::MutexLock lock(&mu_);
    position_ = store_->vector();
  }
  Advance();  // brings view_ in line with position_
  dispatcher_ = std::thread([this] { Run(); });
}

TenderWatch::~TenderWatch() { Close(); }

void TenderWatch::Close() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (const std::weak_ptr<Subscription>& weak : subscribers_) {
      std::shared_ptr<Subscription> s = weak.lock();
      if (s == nullptr) continue;
      s->Update([&s]() ABSL_NO_THREAD_SAFETY_ANALYSIS { s->closed_ = true; });
    }
    subscribers_.clear();
  }
  if (dispatcher_.joinable()) dispatcher_.join();
}

void TenderWatch::Run() {
  for (;;) {
    const absl::Time pass = absl::Now();
    uint64_t seen = store_->commit_count();
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    Advance();
    store_->AwaitCommit(seen, absl::Now() + absl::Milliseconds(200));
    // Commits that land meanwhile join the next pass.
    const absl::Duration since = absl::Now() - pass;
    if (since < kMinPassInterval) absl::SleepFor(kMinPassInterval - since);
  }
}

void TenderWatch::Advance() {
  // Under the lock, so that passes (the dispatcher's, and a subscriber's catching it up) run one
  // after the other and view_ only ever moves forward. The view first, then the vector: every
  // change the view holds is within the vector.
  absl::MutexLock lock(&mu_);
  // The subscribers still there, held for the pass; those gone or dropped during it leave after.
  std::vector<std::shared_ptr<Subscription>> live;
  live.reserve(subscribers_.size());
  for (const std::weak_ptr<Subscription>& weak : subscribers_) {
    if (std::shared_ptr<Subscription> sub = weak.lock()) live.push_back(std::move(sub));
  }
  std::vector<bool> dropped(live.size(), false);
  std::shared_ptr<const store::ReadView> view(store_->Read().release());
  v1::VersionVector held = store_->vector();
  absl::Status s = ForEachTenderChange(
      *view, held, &position_, /*decode=*/!live.empty(),
      [&](v1::Tender t, const v1::VersionVector& at) {
        Subscription::Event event;
        for (size_t i = 0; i < live.size(); ++i) {
          Subscription& sub = *live[i];
          if (dropped[i] || !sub.filter_(t)) continue;
          if (!event) event = EventOf(t, at, false);
          sub.Update([&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
            if (sub.queue_.size() >= queue_limit_) {
              sub.overflowed_ = true;
              sub.queue_.clear();
              dropped[i] = true;
            } else {
              sub.queue_.push_back(event);
            }
          });
        }
      });
  subscribers_.clear();
  for (size_t i = 0; i < live.size(); ++i) {
    if (!dropped[i]) subscribers_.push_back(live[i]);
  }
  // An unreadable log leaves view_ where it was; the next commit retries from where this pass
  // stopped.
  if (s.ok()) view_ = std::move(view);
}

absl::StatusOr<std::shared_ptr<Subscription>> TenderWatch::Subscribe(
    WatchPlan plan, absl::string_view resume_token) {
  std::optional<v1::VersionVector> resume;
  if (!resume_token.empty()) {
    absl::StatusOr<v1::VersionVector> decoded = DecodeWatchToken(resume_token);
    if (!decoded.ok()) return decoded.status();
    resume = std::move(*decoded);
  }
  // Whatever committed before this call belongs in the snapshot, even if the dispatcher has not
  // reached it yet: a client that writes and then watches sees its write.
  Advance();
  std::shared_ptr<Subscription> sub(new Subscription(std::move(plan.filter)));
  std::shared_ptr<const store::ReadView> view;
  v1::VersionVector position;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the node is stopping");
    view = view_;
    position = position_;
    subscribers_.push_back(sub);
  }
  // What precedes the live events, read from the very snapshot the dispatcher had reached when the
  // subscriber joined: nothing is missed between the two, and nothing comes twice.
  std::deque<Subscription::Event> first;
  auto add = [&first](v1::Tender t, const v1::VersionVector& at, bool snapshot) {
    first.push_back(EventOf(std::move(t), at, snapshot));
  };
  if (resume) {
    absl::Status s = ForEachTenderChange(*view, position, &*resume, /*decode=*/true,
                                         [&](v1::Tender t, const v1::VersionVector& at) {
                                           if (sub->filter_(t)) add(std::move(t), at, false);
                                         });
    if (!s.ok()) return s;
  } else {
    absl::StatusOr<std::vector<v1::Tender>> notices =
        store::ReadAll<v1::Tender>(*view, kTenderKind, plan.candidates(*view).get());
    if (!notices.ok()) return notices.status();
    for (v1::Tender& t : *notices) {
      if (sub->filter_(t)) add(std::move(t), position, true);
    }
  }
  absl::MutexLock lock(&sub->mu_);
  sub->first_ = std::move(first);
  return sub;
}

}  // namespace passerelle::tender
