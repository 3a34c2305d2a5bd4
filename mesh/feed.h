#ifndef PASSERELLE_MESH_FEED_H_
#define PASSERELLE_MESH_FEED_H_

// What a node sends a peer that pulls: every change it holds beyond what the peer has — its own and
// those it relays — per origin in sequence order, each shaped by the sharing policy for that peer.
// A change this node holds only redacted or withheld is not relayed to a peer entitled to more, nor
// anything after it from that origin: that peer gets them from the origin or another node holding
// them whole.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "mesh/policy.h"
#include "passerelle/v1/common.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::mesh {

// What one Pull message carries: changes until they hold kPullMessageBytes, then one more at most.
// A change is bounded by the record inside it, which came in a gRPC request (4 MB at most), so a
// puller accepts messages of up to kMaxPullMessageBytes — above gRPC's default limit, which a batch
// of large records would otherwise exceed and stall the stream on for good.
inline constexpr size_t kPullMessageBytes = 1 << 20;
inline constexpr int kMaxPullMessageBytes = 16 << 20;

// A change as `sharing` lets it leave for a peer. REDACTED uses the kind's redaction; NONE keeps
// only the hashes and signature, so that the origin's chain stays whole at the receiver. A change
// already withheld or redacted when it reached this node is sent as it is.
absl::StatusOr<v1::Change> Share(v1::Change change, v1::Sharing sharing,
                                 const store::RecordKind* kind);

// Whether this node's copy of `change` is less than a peer under `sharing` may have: withheld for a
// peer that may see the record, redacted for one that may see it whole. Such a copy is not relayed.
bool IsDegradedFor(const v1::Change& change, v1::Sharing sharing);

// Strips `change` to what a withheld copy keeps: kind, version, hashes and signature.
void Withhold(v1::Change* change);

class ChangeFeed {
 public:
  // `skip`: origins whose changes the peer takes from elsewhere (PullRequest.skip_origins).
  ChangeFeed(const store::RecordKinds* kinds, const Policy* policy, std::string peer,
             v1::VersionVector have, absl::flat_hash_set<std::string> skip = {})
      : kinds_(kinds),
        policy_(policy),
        peer_(std::move(peer)),
        sent_(std::move(have)),
        skip_(std::move(skip)) {}

  // The next changes in `view` beyond those already returned (or that the peer said it had), at
  // most `limit`, and none more once they hold `max_bytes` (so a batch exceeds it by one change at
  // most); empty when the peer has everything `view` holds.
  absl::StatusOr<std::vector<v1::Change>> Next(const store::ReadView& view,
                                               const v1::VersionVector& held, size_t limit,
                                               size_t max_bytes);

 private:
  const store::RecordKinds* kinds_;
  const Policy* policy_;
  std::string peer_;
  v1::VersionVector sent_;
  const absl::flat_hash_set<std::string> skip_;
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_FEED_H_
