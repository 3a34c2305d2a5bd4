#ifndef PASSERELLE_TENDER_SVC_SERVICE_H_
#define PASSERELLE_TENDER_SVC_SERVICE_H_

#include "mesh/authorizer.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tender_svc/tenders.h"
#include "tender_svc/watch.h"

namespace passerelle::tender {

// TenderService on the wire: translates requests to Tenders calls and statuses to gRPC, nothing
// more. WatchTenders is a callback method: a watcher holds no server thread while it waits.
class TenderServiceImpl final
    : public v1::TenderService::WithRawCallbackMethod_WatchTenders<v1::TenderService::Service> {
 public:
  // Every call is first put to `authorizer` (reads: MayCall; writes: MayWrite for the record's
  // kind).
  TenderServiceImpl(Tenders* tenders, TenderWatch* watch, const mesh::Authorizer* authorizer)
      : tenders_(tenders), watch_(watch), authorizer_(authorizer) {}

  grpc::Status CreateTender(grpc::ServerContext* context, const v1::CreateTenderRequest* request,
                            v1::Tender* response) override;
  grpc::Status GetTender(grpc::ServerContext* context, const v1::GetTenderRequest* request,
                         v1::Tender* response) override;
  grpc::Status UpdateTender(grpc::ServerContext* context, const v1::UpdateTenderRequest* request,
                            v1::Tender* response) override;
  grpc::Status ListTenders(grpc::ServerContext* context, const v1::ListTendersRequest* request,
                           v1::ListTendersResponse* response) override;
  grpc::Status PublishTender(grpc::ServerContext* context, const v1::PublishTenderRequest* request,
                             v1::Tender* response) override;
  grpc::Status CloseTender(grpc::ServerContext* context, const v1::CloseTenderRequest* request,
                           v1::Tender* response) override;
  grpc::Status CancelTender(grpc::ServerContext* context, const v1::CancelTenderRequest* request,
                            v1::Tender* response) override;
  grpc::Status AwardLot(grpc::ServerContext* context, const v1::AwardLotRequest* request,
                        v1::Award* response) override;
  grpc::Status ListAwards(grpc::ServerContext* context, const v1::ListAwardsRequest* request,
                          v1::ListAwardsResponse* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchTenders(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;
  grpc::Status MatchStructures(grpc::ServerContext* context,
                               const v1::MatchStructuresRequest* request,
                               v1::MatchStructuresResponse* response) override;
  grpc::Status MatchTenders(grpc::ServerContext* context, const v1::MatchTendersRequest* request,
                            v1::MatchTendersResponse* response) override;
  grpc::Status GetDigest(grpc::ServerContext* context, const v1::GetDigestRequest* request,
                         v1::Digest* response) override;
  grpc::Status DeclareInterest(grpc::ServerContext* context,
                               const v1::DeclareInterestRequest* request,
                               v1::Interest* response) override;
  grpc::Status ListInterests(grpc::ServerContext* context, const v1::ListInterestsRequest* request,
                             v1::ListInterestsResponse* response) override;
  grpc::Status ProposeConsortium(grpc::ServerContext* context,
                                 const v1::ProposeConsortiumRequest* request,
                                 v1::Consortium* response) override;
  grpc::Status RespondToConsortium(grpc::ServerContext* context,
                                   const v1::RespondToConsortiumRequest* request,
                                   v1::Consortium* response) override;
  grpc::Status GetConsortium(grpc::ServerContext* context, const v1::GetConsortiumRequest* request,
                             v1::Consortium* response) override;

 private:
  Tenders* tenders_;
  TenderWatch* watch_;
  const mesh::Authorizer* authorizer_;
};

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_SERVICE_H_
