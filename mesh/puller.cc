#include "mesh/puller.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "mesh/feed.h"
#include "passerelle/v1/mesh.grpc.pb.h"

namespace passerelle::mesh {

PeerPuller::PeerPuller(std::string self, v1::Peer peer, std::shared_ptr<grpc::Channel> channel,
                       store::Store* store, const store::RecordKinds* kinds, const Policy* policy,
                       Verifier verify, PullerOptions options)
    : self_(std::move(self)),
      peer_(std::move(peer)),
      channel_(std::move(channel)),
      store_(store),
      kinds_(kinds),
      policy_(policy),
      verify_(std::move(verify)),
      options_(options) {
  status_.set_partner_id(peer_.partner_id());
  status_.set_address(peer_.address());
}

PeerPuller::~PeerPuller() { Stop(); }

void PeerPuller::Start() {
  if (options_.links != nullptr) options_.links->Listen(peer_.partner_id(), [this] { Restart(); });
  thread_ = std::thread([this] { Run(); });
}

void PeerPuller::Stop() {
  if (options_.links != nullptr) options_.links->Unlisten(peer_.partner_id());
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

v1::PeerStatus PeerPuller::status() const {
  absl::MutexLock lock(&mu_);
  v1::PeerStatus out = status_;
  if (out.lag_changes() > 0 && behind_since_ != absl::InfinitePast()) {
    out.set_lag_seconds(absl::ToDoubleSeconds(absl::Now() - behind_since_));
  }
  return out;
}

void PeerPuller::Run() {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    const uint64_t applied_before = status().applied();
    absl::Status ended = PullOnce();
    bool restarting;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      restarting = restarting_;
      restarting_ = false;
    }
    // Ended on purpose to carry the links as they are now: the link itself is fine.
    if (restarting) continue;
    const bool reached = status().connected();
    SetConnected(false);
    absl::MutexLock lock(&mu_);
    if (stopping_) break;
    if (!ended.ok()) {
      status_.set_last_error(std::string(ended.message()));
      unreached_error_ = !reached;
    }
    // A stream that delivered something was a working connection: start the backoff again from the
    // bottom.
    if (status_.applied() > applied_before) backoff = options_.initial_backoff;
    std::uniform_real_distribution<double> jitter(0.5, 1.5);
    const absl::Duration wait = backoff * jitter(rng);
    backoff = std::min(backoff * 2, options_.max_backoff);
    // Waits out the backoff unless Stop() comes first.
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait);
    if (stopping_) break;
  }
  SetConnected(false);
}

void PeerPuller::Restart() {
  absl::MutexLock lock(&mu_);
  if (context_ == nullptr || stopping_) return;
  restarting_ = true;
  context_->TryCancel();
}

void PeerPuller::SetConnected(bool up) {
  {
    absl::MutexLock lock(&mu_);
    if (status_.connected() == up) return;
    status_.set_connected(up);
    // The peer could not be reached before; now it has answered, so that error no longer holds.
    // An error from a stream that got through (a rejected batch) stays until another replaces it.
    if (up && unreached_error_) {
      status_.clear_last_error();
      unreached_error_ = false;
    }
  }
  if (options_.links != nullptr) options_.links->SetUp(peer_.partner_id(), up);
}

absl::Status PeerPuller::PullOnce() {
  grpc::ClientContext context;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::CancelledError("stopping");
    context_ = &context;
    restarting_ = false;
  }
  v1::PullRequest request;
  *request.mutable_have() = store_->vector();
  request.set_partner_id(self_);
  // Read after context_ is set: a link that changes from here on restarts this stream.
  if (options_.links != nullptr) {
    for (std::string& origin : options_.links->SkippableFor(peer_.partner_id())) {
      request.add_skip_origins(std::move(origin));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    *status_.mutable_skipped_origins() = request.skip_origins();
  }
  // A node's own changes come back to it only while it takes them back (mesh/recovery.h).
  if (options_.recovery == nullptr || !options_.recovery->recovering()) {
    request.add_skip_origins(self_);
  }
  auto stub = v1::MeshService::NewStub(channel_);
  std::unique_ptr<grpc::ClientReader<v1::PullResponse>> reader = stub->Pull(&context, request);

  absl::Status outcome;
  std::vector<v1::Change> pending;
  v1::PullResponse response;
  bool first = true;
  bool reported = false;  // how far the peer holds this node's own origin
  while (outcome.ok() && reader->Read(&response)) {
    if (first && options_.verify_server) {
      first = false;
      outcome = options_.verify_server(context);
      if (!outcome.ok()) break;
    }
    SetConnected(true);
    if (!reported && options_.recovery != nullptr) {
      reported = true;
      auto held = response.server_vector().sequences().find(self_);
      options_.recovery->Report(peer_.partner_id(),
                                held == response.server_vector().sequences().end() ? 0 : held->second);
    }
    for (v1::Change& change : *response.mutable_changes()) {
      absl::Status authored = policy_->MayAuthor(change.kind(), change.version().origin_partner());
      if (!authored.ok() && !change.withheld()) {
        // Kept in the log as withheld so the origin's chain stays whole; the record is never
        // applied.
        common::LogLine(absl::StrCat(
            "mesh: peer=", peer_.partner_id(), " change ", change.version().origin_partner(), "/",
            change.version().origin_sequence(), " not applied: ", authored.message()));
        Withhold(&change);
        absl::MutexLock lock(&mu_);
        status_.set_rejected_policy(status_.rejected_policy() + 1);
      }
      pending.push_back(std::move(change));
    }
    outcome = ApplyReady(&pending);
    if (outcome.ok() && options_.recovery != nullptr) options_.recovery->Check();
    NoteLag(response.server_vector());
  }
  if (!outcome.ok()) {
    context.TryCancel();
    common::LogLine(
        absl::StrCat("mesh: peer=", peer_.partner_id(), " batch rejected: ", outcome.message()));
  }
  grpc::Status finished = reader->Finish();
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
  if (outcome.ok() && !finished.ok() && !stopping_ && !restarting_) {
    outcome = absl::UnavailableError(
        absl::StrCat("stream to ", peer_.address(), ": ", finished.error_message()));
  }
  return outcome;
}

absl::Status PeerPuller::ApplyReady(std::vector<v1::Change>* pending) {
  size_t ready = verify_ ? 0 : pending->size();
  if (verify_) {
    for (size_t i = pending->size(); i > 0; --i) {
      if (!(*pending)[i - 1].signature().empty()) {
        ready = i;
        break;
      }
    }
  }
  if (ready == 0) return absl::OkStatus();
  std::vector<v1::Change> batch(std::make_move_iterator(pending->begin()),
                                std::make_move_iterator(pending->begin() + ready));
  pending->erase(pending->begin(), pending->begin() + ready);

  auto check = [this](absl::string_view origin, absl::string_view message,
                      absl::string_view signature) {
    return verify_ ? verify_(origin, message, signature) : absl::OkStatus();
  };
  auto index = [this](const v1::Change& change, const std::optional<std::string>& current) {
    return kinds_->IndexChange(change, current);
  };
  absl::StatusOr<store::ApplyOutcome> applied =
      store_->Apply(batch, verify_ != nullptr, check, index);
  absl::MutexLock lock(&mu_);
  if (!applied.ok()) {
    status_.set_last_error(std::string(applied.status().message()));
    if (applied.status().code() == absl::StatusCode::kFailedPrecondition) {
      status_.set_rejected_gap(status_.rejected_gap() + 1);
    } else if (applied.status().code() == absl::StatusCode::kUnauthenticated) {
      status_.set_rejected_signature(status_.rejected_signature() + 1);
    }
    return applied.status();
  }
  status_.set_applied(status_.applied() + applied->applied + applied->logged_only);
  status_.set_duplicates(status_.duplicates() + applied->duplicates);
  if (applied->applied + applied->logged_only > 0) {
    status_.set_last_change_unix_millis(absl::ToUnixMillis(absl::Now()));
  }
  return absl::OkStatus();
}

uint64_t ChangesBehind(const v1::VersionVector& server, const v1::VersionVector& local,
                       const google::protobuf::RepeatedPtrField<std::string>& skipped) {
  uint64_t lag = 0;
  for (const auto& [origin, top] : server.sequences()) {
    if (std::find(skipped.begin(), skipped.end(), origin) != skipped.end()) continue;
    auto held = local.sequences().find(origin);
    const uint64_t have = held == local.sequences().end() ? 0 : held->second;
    if (top > have) lag += top - have;
  }
  return lag;
}

void PeerPuller::NoteLag(const v1::VersionVector& server) {
  const v1::VersionVector local = store_->vector();
  absl::MutexLock lock(&mu_);
  const uint64_t lag = ChangesBehind(server, local, status_.skipped_origins());
  if (lag > 0 && status_.lag_changes() == 0) behind_since_ = absl::Now();
  status_.set_lag_changes(lag);
  if (lag == 0) status_.set_lag_seconds(0);
}

}  // namespace passerelle::mesh
