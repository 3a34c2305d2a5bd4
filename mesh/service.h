#ifndef PASSERELLE_MESH_SERVICE_H_
#define PASSERELLE_MESH_SERVICE_H_

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mesh/authorizer.h"
#include "mesh/policy.h"
#include "passerelle/v1/mesh.grpc.pb.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::mesh {

// MeshService on the wire: Pull streams the change feed, Digest and GetMeshStatus report.
class MeshServiceImpl final : public v1::MeshService::Service {
 public:
  MeshServiceImpl(store::Store* store, const store::RecordKinds* kinds, const Policy* policy,
                  const Authorizer* authorizer, std::function<std::vector<v1::PeerStatus>()> peer_statuses)
      : store_(store),
        kinds_(kinds),
        policy_(policy),
        authorizer_(authorizer),
        peer_statuses_(std::move(peer_statuses)) {}

  // Ends every open Pull stream promptly (they otherwise run until the server's shutdown deadline).
  void Stop() { stopping_.store(true); }

  grpc::Status Pull(grpc::ServerContext* context, const v1::PullRequest* request,
                    grpc::ServerWriter<v1::PullResponse>* writer) override;
  grpc::Status Digest(grpc::ServerContext* context, const v1::DigestRequest*,
                      v1::DigestResponse* response) override;
  grpc::Status GetMeshStatus(grpc::ServerContext* context, const v1::GetMeshStatusRequest*,
                             v1::MeshStatus* response) override;

 private:
  store::Store* store_;
  const store::RecordKinds* kinds_;
  const Policy* policy_;
  const Authorizer* authorizer_;
  std::function<std::vector<v1::PeerStatus>()> peer_statuses_;
  std::atomic<bool> stopping_{false};
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_SERVICE_H_
