#include "tender_svc/service.h"

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/serve.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace passerelle::tender {
namespace {

using common::Serve;

// The request's resume token, or the Last-Event-ID a Server-Sent Events client sent through the
// gateway.
std::string ResumeToken(const grpc::ServerContextBase& context,
                        const v1::WatchTendersRequest& request) {
  if (!request.resume_token().empty()) return request.resume_token();
  auto header = context.client_metadata().find("last-event-id");
  if (header == context.client_metadata().end()) return "";
  return std::string(header->second.data(), header->second.size());
}

std::string Method(absl::string_view name) {
  return mesh::FullMethodName(v1::TenderService::service_full_name(), name);
}

// Bytes shared with the subscription, handed to gRPC without a copy: the slice keeps them alive.
grpc::ByteBuffer Wrap(Subscription::Bytes bytes) {
  auto* kept = new Subscription::Bytes(std::move(bytes));
  grpc::Slice slice(
      const_cast<char*>((*kept)->data()), (*kept)->size(),
      [](void* p) { delete static_cast<Subscription::Bytes*>(p); }, kept);
  return grpc::ByteBuffer(&slice, 1);
}

// One WatchTenders stream. It writes when its subscription has an event (the dispatcher calls
// Pump) or when the previous write is done, one write at a time, and finishes once: on overflow,
// on the node stopping, or when the watcher goes away (after the write in flight, if any).
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit WatchReactor(std::shared_ptr<Subscription> sub) : sub_(std::move(sub)) {
    sub_->SetListener([this] { Pump(); });
    Pump();
  }
  // A stream refused before it starts.
  explicit WatchReactor(const grpc::Status& refusal) { Finish(refusal); }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) EndLocked(Gone());
    }
    if (!FinishIfEnded()) Pump();
  }
  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      EndLocked(Gone());
    }
    FinishIfEnded();
  }
  void OnDone() override {
    if (sub_ != nullptr) {
      sub_->SetListener(nullptr);  // waits for a call in progress, which may still use this
      sub_->Cancel();
    }
    delete this;
  }

 private:
  static grpc::Status Gone() {
    return grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away");
  }

  void Pump() {
    bool write = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || ended_) return;
      Subscription::Bytes event;
      switch (sub_->TryNext(&event)) {
        case Subscription::Wait::kNone:
          return;
        case Subscription::Wait::kEvent:
          writing_ = write = true;
          // No buffer hint even when more events wait: a hinted write completes only once the
          // connection next flushes, and the next write waits for that completion.
          buffer_ = Wrap(std::move(event));
          break;
        case Subscription::Wait::kOverflow:
          EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "this watcher fell too far behind; resume with the token of the "
                                 "last event received"));
          break;
        case Subscription::Wait::kClosed:
          EndLocked(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "the node is stopping; resume on another"));
          break;
      }
    }
    if (write) {
      StartWrite(&buffer_);
    } else {
      FinishIfEnded();
    }
  }

  void EndLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (ended_) return;
    ended_ = true;
    status_ = std::move(status);
  }
  // Finishes the stream once it has ended and no write is in flight; whether it has ended.
  bool FinishIfEnded() {
    grpc::Status status;
    {
      absl::MutexLock lock(&mu_);
      if (!ended_) return false;
      if (writing_ || finishing_) return true;
      finishing_ = true;
      status = status_;
    }
    Finish(status);
    return true;
  }

  const std::shared_ptr<Subscription> sub_;
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer buffer_;  // the write in flight; set under mu_ before it starts
};

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

absl::StatusOr<std::shared_ptr<Subscription>> TenderServiceImpl::Subscribe(
    const grpc::ServerContextBase& context, const v1::WatchTendersRequest& request) {
  if (absl::Status allowed = authorizer_->MayCall(context, Method("WatchTenders")); !allowed.ok())
    return allowed;
  absl::StatusOr<WatchPlan> plan = tenders_->PlanWatch(request);
  if (!plan.ok()) return plan.status();
  return watch_->Subscribe(std::move(*plan), ResumeToken(context, request));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* TenderServiceImpl::WatchTenders(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* raw) {
  v1::WatchTendersRequest request;
  grpc::ByteBuffer bytes(*raw);
  if (!grpc::SerializationTraits<v1::WatchTendersRequest>::Deserialize(&bytes, &request).ok()) {
    return new WatchReactor(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                         "the request is not a WatchTendersRequest"));
  }
  absl::StatusOr<std::shared_ptr<Subscription>> sub = Subscribe(*context, request);
  if (!sub.ok()) return new WatchReactor(common::ToGrpcStatus(sub.status()));
  return new WatchReactor(std::move(*sub));
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
