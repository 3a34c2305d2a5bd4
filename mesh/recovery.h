#ifndef PASSERELLE_MESH_RECOVERY_H_
#define PASSERELLE_MESH_RECOVERY_H_

// A node never reuses its own origin's sequence numbers. When its store may hold less of its own
// origin than its peers do — an empty data folder, a write-ahead log opened past its damage, a
// restored copy — the node asks every peer how far it holds the node's origin (the first message of
// each Pull stream carries the peer's vector), pulls those changes back like any remote change
// (checked in Store::Apply against the node's own key), and accepts local writes again only once
// every configured peer has answered and the store holds the highest sequence any of them reported.
// Meanwhile the store refuses local writes with UNAVAILABLE saying how far recovery stands.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "store/store.h"

namespace passerelle::mesh {

// What decides how a node starts.
struct StartFacts {
  store::OwnOrigin marker = store::OwnOrigin::kUnknown;  // as the store holds it
  uint64_t own_head = 0;                                 // the highest own sequence the store holds
  bool new_partner = false;         // --new_partner: a partner joining with no past
  bool opened_damaged_wal = false;  // --recover_damaged_wal: the log was opened past its damage
  bool has_peers = false;
};

struct StartState {
  bool recovering = false;
  std::string why;  // for the log line; empty when ready and nothing to say
};

// Ready or recovering, or FAILED_PRECONDITION for a start that contradicts the store (a new partner
// on a store with a past). A development node without peers has nobody to recover from: ready.
absl::StatusOr<StartState> DecideStart(const StartFacts& facts);

// Where a recovery stands: which peers answered, with the highest own sequence each holds.
struct RecoveryProgress {
  size_t peers = 0;                      // configured
  std::map<std::string, uint64_t> held;  // by peer that answered
  uint64_t holding = 0;                  // the store's own head

  uint64_t highest() const;  // the highest sequence any answering peer holds; 0 if none
  bool complete() const { return held.size() >= peers && holding >= highest(); }
  // "(N of M answered, holding S of T)".
  std::string ToString() const;
};

// The node's own-origin state while it runs. Thread-safe; the pullers report to it.
class OwnOriginRecovery {
 public:
  // `store` (not owned) outlives this. `peers`: every configured peer's partner id.
  OwnOriginRecovery(store::Store* store, std::vector<std::string> peers);

  // Runs after the state changes (ready ↔ recovering), outside any lock: the pullers reopen their
  // streams, so that peers send the node's own origin (or stop sending it). Set before reports
  // come.
  void OnStateChange(std::function<void()> listener) { on_change_ = std::move(listener); }

  // Starts recovering (persisted): local writes are refused until Check finds it complete. Logs
  // why.
  absl::Status Begin(const std::string& why);
  bool recovering() const;

  // A stream from `peer` opened: the peer holds this node's origin up to `held`. While ready, a
  // peer holding more than the store is the sign of a restored or damaged store: recovery begins.
  void Report(const std::string& peer, uint64_t held);
  // Changes were applied: ends recovery once complete.
  void Check();

 private:
  // Ends recovery if complete; returns whether the state changed.
  bool FinishIfComplete() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ChangedState();

  store::Store* store_;
  const std::vector<std::string> peers_;
  std::function<void()> on_change_;
  std::atomic<bool> recovering_{false};  // written under mu_; read without it on the hot path
  mutable absl::Mutex mu_;
  uint64_t began_at_ ABSL_GUARDED_BY(mu_) = 0;  // the own head when recovery began
  std::map<std::string, uint64_t> held_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_RECOVERY_H_
