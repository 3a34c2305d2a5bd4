#ifndef PASSERELLE_MESH_PULLER_H_
#define PASSERELLE_MESH_PULLER_H_

// One per peer: keeps a Pull stream open to the peer, applies what arrives, and reconnects with
// exponential backoff and jitter whenever the stream breaks. What it applies is checked first —
// author policy here, sequence continuity, hash chain and origin signature in Store::Apply — and a
// batch that fails a check is not applied, counted, logged with the peer's id, and pulled again
// from where this node stands.

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "mesh/link_board.h"
#include "mesh/policy.h"
#include "mesh/recovery.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/mesh.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::mesh {

// Checks an origin's signature over a message; see store::SignatureCheck.
using Verifier = std::function<absl::Status(absl::string_view origin, absl::string_view message,
                                            absl::string_view signature)>;

struct PullerOptions {
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // Checks who answered, once a stream has delivered its first message; unset: not checked.
  std::function<absl::Status(const grpc::ClientContext&)> verify_server;
  // The node's links (not owned; outlives the puller): this puller reports whether its stream is up
  // and asks its peer not to relay the origins other links bring. Unset: the peer relays
  // everything.
  LinkBoard* links = nullptr;
  // The node's own-origin recovery (not owned; outlives the puller): this puller reports how far
  // its peer holds the node's own origin, and while it recovers asks the peer for that origin too.
  // Unset, or ready: the peer is asked not to send the node its own changes back.
  OwnOriginRecovery* recovery = nullptr;
};

// The changes `server` holds beyond `local`, over the origins a stream carries (not `skipped`): the
// origins a stream skips come from other links, and the stream never says when the node has them.
uint64_t ChangesBehind(const v1::VersionVector& server, const v1::VersionVector& local,
                       const google::protobuf::RepeatedPtrField<std::string>& skipped);

class PeerPuller {
 public:
  // `verify` null: a development mesh without signing keys; unsigned commits are then accepted.
  PeerPuller(std::string self, v1::Peer peer, std::shared_ptr<grpc::Channel> channel,
             store::Store* store, const store::RecordKinds* kinds, const Policy* policy,
             Verifier verify, PullerOptions options = {});
  ~PeerPuller();  // Stop()s.
  PeerPuller(const PeerPuller&) = delete;
  PeerPuller& operator=(const PeerPuller&) = delete;

  void Start();
  // Cancels the stream and joins the thread. Idempotent.
  void Stop();

  v1::PeerStatus status() const;

  // Ends the current stream so that the next one carries the links and own-origin state as they
  // are now; no backoff.
  void Restart();

 private:
  void Run();
  // One Pull stream, until it ends, fails or Stop() cancels it. OK when it ended without a rejected
  // change.
  absl::Status PullOnce();
  // Applies the prefix of `pending` that a signature closes (all of it without signatures); keeps
  // the rest.
  absl::Status ApplyReady(std::vector<v1::Change>* pending);
  void NoteLag(const v1::VersionVector& server);
  // Records whether the stream is up, on the board too when that changed. Called without mu_ held.
  void SetConnected(bool up);

  const std::string self_;
  const v1::Peer peer_;
  std::shared_ptr<grpc::Channel> channel_;
  store::Store* store_;
  const store::RecordKinds* kinds_;
  const Policy* policy_;
  const Verifier verify_;
  const PullerOptions options_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool restarting_ ABSL_GUARDED_BY(mu_) = false;  // the stream is being ended on purpose
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // the live stream's, to cancel it
  v1::PeerStatus status_ ABSL_GUARDED_BY(mu_);
  absl::Time behind_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // status_.last_error is from a stream that never reached the peer.
  bool unreached_error_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_PULLER_H_
