#ifndef PASSERELLE_REGISTRY_SVC_SERVICE_H_
#define PASSERELLE_REGISTRY_SVC_SERVICE_H_

#include "mesh/authorizer.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "registry_svc/registry.h"

namespace passerelle::registry {

// RegistryService on the wire: translates requests to Registry calls and statuses to gRPC, nothing more.
class RegistryServiceImpl final : public v1::RegistryService::Service {
 public:
  // Every call is first put to `authorizer` (reads: MayCall; writes: MayWrite for the record's kind).
  RegistryServiceImpl(Registry* registry, const mesh::Authorizer* authorizer)
      : registry_(registry), authorizer_(authorizer) {}

  grpc::Status CreateStructure(grpc::ServerContext* context, const v1::CreateStructureRequest* request,
                               v1::Structure* response) override;
  grpc::Status GetStructure(grpc::ServerContext* context, const v1::GetStructureRequest* request,
                            v1::Structure* response) override;
  grpc::Status UpdateStructure(grpc::ServerContext* context, const v1::UpdateStructureRequest* request,
                               v1::Structure* response) override;
  grpc::Status DeleteStructure(grpc::ServerContext* context, const v1::DeleteStructureRequest* request,
                               google::protobuf::Empty* response) override;
  grpc::Status ListStructures(grpc::ServerContext* context, const v1::ListStructuresRequest* request,
                              v1::ListStructuresResponse* response) override;
  grpc::Status SearchStructures(grpc::ServerContext* context, const v1::SearchStructuresRequest* request,
                                v1::SearchStructuresResponse* response) override;
  grpc::Status ImportStructures(grpc::ServerContext* context,
                                grpc::ServerReader<v1::ImportStructuresRequest>* reader,
                                v1::ImportStructuresResponse* response) override;
  grpc::Status CreateBuyer(grpc::ServerContext* context, const v1::CreateBuyerRequest* request,
                           v1::Buyer* response) override;
  grpc::Status GetBuyer(grpc::ServerContext* context, const v1::GetBuyerRequest* request,
                        v1::Buyer* response) override;
  grpc::Status ListBuyers(grpc::ServerContext* context, const v1::ListBuyersRequest* request,
                          v1::ListBuyersResponse* response) override;

 private:
  Registry* registry_;
  const mesh::Authorizer* authorizer_;
};

}  // namespace passerelle::registry

#endif  // PASSERELLE_REGISTRY_SVC_SERVICE_H_
