#include "tender_svc/service.h"

#include "common/errors.h"
#include "common/serve.h"

namespace passerelle::tender {
namespace {

using common::Serve;

// How long a watch handler waits for an event before checking that its client is still there.
constexpr absl::Duration kWatchPoll = absl::Milliseconds(250);

// The request's resume token, or the Last-Event-ID a Server-Sent Events client sent through the
// gateway.
std::string ResumeToken(const grpc::ServerContext& context,
                        const v1::WatchTendersRequest& request) {
  if (!request.resume_token().empty()) return request.resume_token();
  auto header = context.client_metadata().find("last-event-id");
  if (header == context.client_metadata().end()) return "";
  return std::string(header->second.data(), header->second.size());
}

std::string Method(absl::string_view name) {
  return mesh::FullMethodName(v1::TenderService::service_full_name(), name);
}

}  // namespace

grpc::Status TenderServiceImpl::CreateTender(grpc::ServerContext* context,
                                             const v1::CreateTenderRequest* request,
                                             v1::Tender* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("CreateTender"), kTenderKind),
      [&] { return tenders_->CreateTender(request->tender()); }, response);
}

grpc::Status TenderServiceImpl::GetTender(grpc::ServerContext* context,
                                          const v1::GetTenderRequest* request,
                                          v1::Tender* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("GetTender")),
      [&] { return tenders_->GetTender(request->name()); }, response);
}

grpc::Status TenderServiceImpl::UpdateTender(grpc::ServerContext* context,
                                             const v1::UpdateTenderRequest* request,
                                             v1::Tender* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("UpdateTender"), kTenderKind),
      [&] { return tenders_->UpdateTender(request->tender(), request->update_mask()); }, response);
}

grpc::Status TenderServiceImpl::ListTenders(grpc::ServerContext* context,
                                            const v1::ListTendersRequest* request,
                                            v1::ListTendersResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("ListTenders")),
      [&] { return tenders_->ListTenders(*request); }, response);
}

grpc::Status TenderServiceImpl::PublishTender(grpc::ServerContext* context,
                                              const v1::PublishTenderRequest* request,
                                              v1::Tender* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("PublishTender"), kTenderKind),
      [&] { return tenders_->PublishTender(request->name(), request->etag()); }, response);
}

grpc::Status TenderServiceImpl::CloseTender(grpc::ServerContext* context,
                                            const v1::CloseTenderRequest* request,
                                            v1::Tender* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("CloseTender"), kTenderKind),
      [&] { return tenders_->CloseTender(request->name(), request->etag()); }, response);
}

grpc::Status TenderServiceImpl::CancelTender(grpc::ServerContext* context,
                                             const v1::CancelTenderRequest* request,
                                             v1::Tender* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("CancelTender"), kTenderKind),
      [&] { return tenders_->CancelTender(request->name(), request->reason(), request->etag()); },
      response);
}

grpc::Status TenderServiceImpl::AwardLot(grpc::ServerContext* context,
                                         const v1::AwardLotRequest* request, v1::Award* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("AwardLot"), kTenderKind),
      [&] { return tenders_->AwardLot(request->tender(), request->award()); }, response);
}

grpc::Status TenderServiceImpl::ListAwards(grpc::ServerContext* context,
                                           const v1::ListAwardsRequest* request,
                                           v1::ListAwardsResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("ListAwards")),
      [&] { return tenders_->ListAwards(*request); }, response);
}

grpc::Status TenderServiceImpl::WatchTenders(grpc::ServerContext* context,
                                             const v1::WatchTendersRequest* request,
                                             grpc::ServerWriter<v1::TenderEvent>* writer) {
  if (absl::Status allowed = authorizer_->MayCall(*context, Method("WatchTenders"));
      !allowed.ok()) {
    return common::ToGrpcStatus(allowed);
  }
  absl::StatusOr<WatchPlan> plan = tenders_->PlanWatch(*request);
  if (!plan.ok()) return common::ToGrpcStatus(plan.status());
  absl::StatusOr<std::shared_ptr<Subscription>> sub =
      watch_->Subscribe(std::move(*plan), ResumeToken(*context, *request));
  if (!sub.ok()) return common::ToGrpcStatus(sub.status());
  Subscription::Event event;
  for (bool more = false;;) {
    switch ((*sub)->Next(absl::Now() + kWatchPoll, &event, &more)) {
      case Subscription::Wait::kEvent: {
        // While events queue up, let the transport put several in one write.
        grpc::WriteOptions options;
        if (more) options.set_buffer_hint();
        if (!writer->Write(*event, options)) {
          return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
        }
        break;
      }
      case Subscription::Wait::kTimeout:
        if (context->IsCancelled())
          return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
        break;
      case Subscription::Wait::kOverflow:
        return grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            "this watcher fell too far behind; resume with the token of the last event received");
      case Subscription::Wait::kClosed:
        return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "the node is stopping; resume on another");
    }
  }
}

grpc::Status TenderServiceImpl::MatchStructures(grpc::ServerContext* context,
                                                const v1::MatchStructuresRequest* request,
                                                v1::MatchStructuresResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("MatchStructures")),
      [&] { return tenders_->MatchStructures(*request); }, response);
}

grpc::Status TenderServiceImpl::MatchTenders(grpc::ServerContext* context,
                                             const v1::MatchTendersRequest* request,
                                             v1::MatchTendersResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("MatchTenders")),
      [&] { return tenders_->MatchTenders(*request); }, response);
}

grpc::Status TenderServiceImpl::GetDigest(grpc::ServerContext* context,
                                          const v1::GetDigestRequest* request,
                                          v1::Digest* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("GetDigest")),
      [&] { return tenders_->GetDigest(*request); }, response);
}

grpc::Status TenderServiceImpl::DeclareInterest(grpc::ServerContext* context,
                                                const v1::DeclareInterestRequest* request,
                                                v1::Interest* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("DeclareInterest"), kInterestKind),
      [&] { return tenders_->DeclareInterest(*request); }, response);
}

grpc::Status TenderServiceImpl::ListInterests(grpc::ServerContext* context,
                                              const v1::ListInterestsRequest* request,
                                              v1::ListInterestsResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("ListInterests")),
      [&] { return tenders_->ListInterests(*request); }, response);
}

grpc::Status TenderServiceImpl::ProposeConsortium(grpc::ServerContext* context,
                                                  const v1::ProposeConsortiumRequest* request,
                                                  v1::Consortium* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("ProposeConsortium"), kConsortiumKind),
      [&] { return tenders_->ProposeConsortium(request->consortium()); }, response);
}

grpc::Status TenderServiceImpl::RespondToConsortium(grpc::ServerContext* context,
                                                    const v1::RespondToConsortiumRequest* request,
                                                    v1::Consortium* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("RespondToConsortium"), kConsortiumKind),
      [&] { return tenders_->RespondToConsortium(*request); }, response);
}

grpc::Status TenderServiceImpl::GetConsortium(grpc::ServerContext* context,
                                              const v1::GetConsortiumRequest* request,
                                              v1::Consortium* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("GetConsortium")),
      [&] { return tenders_->GetConsortium(request->name()); }, response);
}

}  // namespace passerelle::tender
