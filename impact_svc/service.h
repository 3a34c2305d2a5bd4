#ifndef PASSERELLE_IMPACT_SVC_SERVICE_H_
#define PASSERELLE_IMPACT_SVC_SERVICE_H_

#include "impact_svc/declarations.h"
#include "mesh/authorizer.h"
#include "passerelle/v1/impact.grpc.pb.h"

namespace passerelle::impact {

// ImpactService on the wire: translates requests to Declarations calls and statuses to gRPC, and
// the caller's credentials to a Caller.
class ImpactServiceImpl final : public v1::ImpactService::Service {
 public:
  // Items of a SubmitDeclarations stream committed together.
  static constexpr size_t kStreamChunk = 256;

  ImpactServiceImpl(Declarations* declarations, const mesh::Authorizer* authorizer)
      : declarations_(declarations), authorizer_(authorizer) {}

  grpc::Status SubmitDeclaration(grpc::ServerContext* context,
                                 const v1::SubmitDeclarationRequest* request,
                                 v1::HourDeclaration* response) override;
  grpc::Status SubmitDeclarations(grpc::ServerContext* context,
                                  grpc::ServerReader<v1::SubmitDeclarationRequest>* reader,
                                  v1::SubmitDeclarationsResponse* response) override;
  grpc::Status GetDeclaration(grpc::ServerContext* context,
                              const v1::GetDeclarationRequest* request,
                              v1::HourDeclaration* response) override;
  grpc::Status ListDeclarations(grpc::ServerContext* context,
                                const v1::ListDeclarationsRequest* request,
                                v1::ListDeclarationsResponse* response) override;
  grpc::Status ValidateDeclaration(grpc::ServerContext* context,
                                   const v1::ValidateDeclarationRequest* request,
                                   v1::HourDeclaration* response) override;
  grpc::Status RejectDeclaration(grpc::ServerContext* context,
                                 const v1::RejectDeclarationRequest* request,
                                 v1::HourDeclaration* response) override;
  grpc::Status CorrectDeclaration(grpc::ServerContext* context,
                                  const v1::CorrectDeclarationRequest* request,
                                  v1::HourDeclaration* response) override;
  grpc::Status GetImpactReport(grpc::ServerContext* context,
                               const v1::GetImpactReportRequest* request,
                               v1::ImpactReport* response) override;
  grpc::Status RebuildAggregates(grpc::ServerContext* context,
                                 const v1::RebuildAggregatesRequest* request,
                                 v1::RebuildAggregatesResponse* response) override;

 private:
  // A unary write: MayWrite for declarations, then `call` with the caller.
  template <typename T, typename Call>
  grpc::Status ServeWrite(grpc::ServerContext* context, absl::string_view method, Call call,
                          T* response);
  // The caller (after MayWrite/MayCall allowed it).
  absl::StatusOr<Caller> CallerOf(const grpc::ServerContext& context) const;

  Declarations* declarations_;
  const mesh::Authorizer* authorizer_;
};

}  // namespace passerelle::impact

#endif  // PASSERELLE_IMPACT_SVC_SERVICE_H_
