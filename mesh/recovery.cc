#include "mesh/recovery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"

namespace passerelle::mesh {

absl::StatusOr<StartState> DecideStart(const StartFacts& facts) {
  const bool has_past = facts.marker != store::OwnOrigin::kUnknown || facts.own_head > 0;
  if (facts.new_partner && has_past) {
    return absl::FailedPreconditionError(
        absl::StrCat("--new_partner is for a partner joining the mesh with no past, but this store "
                     "already holds "
                     "this node's state (",
                     facts.own_head, " of its own changes, own origin ",
                     facts.marker == store::OwnOrigin::kRecovering ? "recovering"
                     : facts.marker == store::OwnOrigin::kReady    ? "ready"
                                                                   : "unmarked",
                     "); start it without --new_partner"));
  }
  if (facts.new_partner && facts.opened_damaged_wal) {
    return absl::FailedPreconditionError(
        "--new_partner and --recover_damaged_wal contradict each other: a new partner has no log "
        "to recover");
  }
  if (!facts.has_peers) {
    // A development node on its own: nobody holds its past but itself.
    if (facts.opened_damaged_wal) {
      return StartState{false,
                        "opened past a damaged write-ahead log with no peers to take the lost "
                        "changes back from: they are gone"};
    }
    return StartState{};
  }
  if (facts.opened_damaged_wal) {
    return StartState{true,
                      "the write-ahead log was opened past its damage (--recover_damaged_wal): "
                      "the changes after it are taken back from the peers"};
  }
  switch (facts.marker) {
    case store::OwnOrigin::kRecovering:
      return StartState{true, "a recovery of this node's own changes was under way: resuming it"};
    case store::OwnOrigin::kReady:
      return StartState{};
    case store::OwnOrigin::kUnknown:
      break;
  }
  // A store from before the marker that holds own changes has been this node's all along.
  if (facts.own_head > 0) return StartState{};
  if (facts.new_partner) return StartState{};
  return StartState{true,
                    "the store holds none of this node's own changes and the node was not started "
                    "as a new partner (--new_partner): an empty or lost data folder; its changes "
                    "are taken back from the peers"};
}

uint64_t RecoveryProgress::highest() const {
  uint64_t top = 0;
  for (const auto& [peer, sequence] : held) top = std::max(top, sequence);
  return top;
}

std::string RecoveryProgress::ToString() const {
  return absl::StrCat("(", held.size(), " of ", peers, " peers answered, holding ", holding, " of ",
                      highest(), ")");
}

OwnOriginRecovery::OwnOriginRecovery(store::Store* store, std::vector<std::string> peers)
    : store_(store), peers_(std::move(peers)) {}

bool OwnOriginRecovery::recovering() const { return recovering_.load(); }

absl::Status OwnOriginRecovery::Begin(const std::string& why) {
  {
    absl::MutexLock lock(&mu_);
    if (recovering_.load()) return absl::OkStatus();
    RecoveryProgress progress{peers_.size(), held_, store_->last_sequence()};
    store_->SetWriteRefusal(absl::StrCat("this node is taking its own changes back from its peers ",
                                         progress.ToString(), "; local writes resume after"));
    if (absl::Status marked = store_->SetOwnOrigin(store::OwnOrigin::kRecovering); !marked.ok()) {
      return marked;
    }
    recovering_.store(true);
    began_at_ = progress.holding;
    common::LogLine(absl::StrCat("mesh: recovery of own origin ", store_->partner_id(),
                                 " started at sequence ", began_at_, ": ", why,
                                 "; local writes are refused until every peer has answered ",
                                 progress.ToString()));
  }
  ChangedState();
  return absl::OkStatus();
}

void OwnOriginRecovery::Report(const std::string& peer, uint64_t held) {
  if (std::find(peers_.begin(), peers_.end(), peer) == peers_.end()) return;
  std::string why;
  bool changed = false;
  {
    absl::MutexLock lock(&mu_);
    uint64_t& known = held_[peer];
    known = std::max(known, held);
    if (recovering_.load()) {
      changed = FinishIfComplete();
    } else if (const uint64_t head = store_->last_sequence(); held > head) {
      why = absl::StrCat("peer ", peer, " holds this node's own changes up to ", held,
                         " but its store only up to ", head,
                         " (a restored or damaged store?): taking the rest back before writing");
    }
  }
  if (changed) ChangedState();
  if (!why.empty()) {
    if (absl::Status begun = Begin(why); !begun.ok()) {
      common::LogLine(absl::StrCat("mesh: cannot begin recovery of own origin: ", begun.message()));
    }
  }
}

void OwnOriginRecovery::Check() {
  if (!recovering_.load()) return;
  bool changed;
  {
    absl::MutexLock lock(&mu_);
    changed = FinishIfComplete();
  }
  if (changed) ChangedState();
}

bool OwnOriginRecovery::FinishIfComplete() {
  if (!recovering_.load()) return false;
  RecoveryProgress progress{peers_.size(), held_, store_->last_sequence()};
  if (!progress.complete()) {
    store_->SetWriteRefusal(absl::StrCat("this node is taking its own changes back from its peers ",
                                         progress.ToString(), "; local writes resume after"));
    return false;
  }
  if (absl::Status marked = store_->SetOwnOrigin(store::OwnOrigin::kReady); !marked.ok()) {
    common::LogLine(
        absl::StrCat("mesh: recovery of own origin complete but not recorded: ", marked.message()));
    return false;
  }
  recovering_.store(false);
  common::LogLine(absl::StrCat("mesh: recovery of own origin ", store_->partner_id(),
                               " complete: took back ", progress.holding - began_at_,
                               " changes, now at sequence ", progress.holding,
                               " as every peer holds; local writes accepted"));
  return true;
}

void OwnOriginRecovery::ChangedState() {
  if (on_change_) on_change_();
}

}  // namespace passerelle::mesh
