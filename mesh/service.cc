#include "mesh/service.h"

#include "absl/time/clock.h"
#include "common/errors.h"
#include "mesh/digest.h"
#include "mesh/feed.h"

namespace passerelle::mesh {
namespace {

// Changes per stream message, with kPullMessageBytes: enough to amortise the message and the
// receiver's commit of it, small enough to keep live lag low.
constexpr size_t kChangesPerMessage = 1024;
// How often an idle stream looks up from waiting for commits to notice it was cancelled.
constexpr absl::Duration kIdleCheck = absl::Milliseconds(200);

std::string Method(absl::string_view name) {
  return FullMethodName(v1::MeshService::service_full_name(), name);
}

}  // namespace

grpc::Status MeshServiceImpl::Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                                   grpc::ServerWriter<v1::PullResponse>* writer) {
  absl::StatusOr<std::string> peer =
      authorizer_->PullingPeer(*context, Method("Pull"), request->partner_id());
  if (!peer.ok()) return common::ToGrpcStatus(peer.status());
  ChangeFeed feed(kinds_, policy_, *peer, request->have(),
                  {request->skip_origins().begin(), request->skip_origins().end()});
  bool greeted = false;
  while (!context->IsCancelled() && !stopping_.load()) {
    // Count, vector, snapshot — in that order, so the snapshot holds all the vector names and any
    // commit after the count wakes the wait below.
    const uint64_t seen = store_->commit_count();
    v1::PullResponse response;
    *response.mutable_server_vector() = store_->vector();
    std::unique_ptr<store::ReadView> view = store_->Read();
    absl::StatusOr<std::vector<v1::Change>> changes =
        feed.Next(*view, response.server_vector(), kChangesPerMessage, kPullMessageBytes);
    if (!changes.ok()) return common::ToGrpcStatus(changes.status());
    // The first message goes out even when empty: it tells the puller where this node stands.
    if (changes->empty() && greeted) {
      store_->AwaitCommit(seen, absl::Now() + kIdleCheck);
      continue;
    }
    greeted = true;
    for (v1::Change& change : *changes) *response.add_changes() = std::move(change);
    if (!writer->Write(response)) break;
  }
  return grpc::Status::OK;
}

grpc::Status MeshServiceImpl::Digest(grpc::ServerContext* context, const v1::DigestRequest*,
                                     v1::DigestResponse* response) {
  if (absl::Status allowed = authorizer_->MayCall(*context, Method("Digest")); !allowed.ok()) {
    return common::ToGrpcStatus(allowed);
  }
  absl::StatusOr<v1::DigestResponse> digest = ComputeDigest(*store_, kinds_->Names());
  if (!digest.ok()) return common::ToGrpcStatus(digest.status());
  *response = std::move(*digest);
  return grpc::Status::OK;
}

grpc::Status MeshServiceImpl::GetMeshStatus(grpc::ServerContext* context,
                                            const v1::GetMeshStatusRequest*,
                                            v1::MeshStatus* response) {
  if (absl::Status allowed = authorizer_->MayCall(*context, Method("GetMeshStatus"));
      !allowed.ok()) {
    return common::ToGrpcStatus(allowed);
  }
  response->set_partner_id(store_->partner_id());
  *response->mutable_vector() = store_->vector();
  response->set_own_origin_state(store_->OwnOriginStatus());
  for (v1::PeerStatus& peer : peer_statuses_()) *response->add_peers() = std::move(peer);
  return grpc::Status::OK;
}

}  // namespace passerelle::mesh
