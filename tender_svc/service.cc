#include "tender_svc/service.h"

#include <memory>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "common/errors.h"
#include "common/serve.h"
#include "grpcpp/support/slice.h"

namespace passerelle::tender {

// Reads follow sharing (mesh/read_scope.h): a caller of partner P reading here sees what this
// node's policy shares with P of each kind (its own partner: everything); notices, interests,
// consortia and structures redact nothing, so a REDACTED rule shows them whole.
// - GetTender: the notice; NOT_FOUND when no notice is shared with P. ListTenders, ListAwards
//   (awards live in their notices): the page, or an empty one. WatchTenders: NOT_FOUND at once.
// - MatchStructures: NOT_FOUND when notices are not shared, no match when structures are not;
//   MatchTenders and GetDigest the other way round (their structure NOT_FOUND, no notice).
// - ListInterests: the lot's interests, none when interests are not shared; a caller bound to a
//   SIRET (a structure's or a contractor's token) only that company's.
// - GetConsortium: NOT_FOUND when consortia are not shared; a caller bound to a SIRET only a
//   consortium the company is a member of (else PERMISSION_DENIED).

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

// A WatchTenders stream that has failed before its first event.
class FailedWatch final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  explicit FailedWatch(const absl::Status& status) { Finish(common::ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

// One WatchTenders stream, driven by its subscription rather than by a thread of its own: the
// subscription's listener starts a write when an event arrives for an idle stream, and each
// finished write starts the next. It finishes the call when the subscription overflows or closes,
// or when the client goes away. It may outlive OnDone while the dispatcher is calling it (it is
// held by shared_ptr, the listener by weak_ptr), but makes no gRPC call once it has finished.
class WatchStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // The reactor gRPC drives; valid until OnDone.
  static grpc::ServerWriteReactor<grpc::ByteBuffer>* Reactor(
      std::shared_ptr<Subscription> subscription) {
    auto stream = std::shared_ptr<WatchStream>(new WatchStream(subscription));
    std::weak_ptr<WatchStream> weak = stream;
    subscription->SetListener([weak] {
      if (std::shared_ptr<WatchStream> s = weak.lock()) s->Pump();
    });
    WatchStream* raw = stream.get();
    {
      absl::MutexLock lock(&raw->mu_);
      raw->self_ = std::move(stream);
    }
    raw->Pump();
    return raw;
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) gone_ = true;
    }
    Pump();
  }
  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      gone_ = true;
    }
    Pump();
  }
  void OnDone() override {
    std::shared_ptr<WatchStream> self;
    {
      absl::MutexLock lock(&mu_);
      subscription_.reset();  // leaves the dispatcher at once
      self = std::move(self_);
    }
    // `self` may be the last owner: this object ends here unless the dispatcher is calling it.
  }

 private:
  explicit WatchStream(std::shared_ptr<Subscription> subscription)
      : subscription_(std::move(subscription)) {}

  // Starts the next write, or finishes the call, unless a write is under way or the call is over.
  // gRPC is called with no lock held, so that a reaction run inline cannot deadlock.
  void Pump() {
    grpc::WriteOptions options;
    grpc::Status final_status;
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finished_ || subscription_ == nullptr) return;
      Subscription::Event event;
      bool more = false;
      Subscription::Wait next =
          gone_ ? Subscription::Wait::kClosed : subscription_->Take(&event, &more);
      switch (next) {
        case Subscription::Wait::kEmpty:
          return;  // the listener calls again
        case Subscription::Wait::kEvent: {
          grpc::Slice slice(event->data(), event->size());
          out_ = grpc::ByteBuffer(&slice, 1);
          // While events queue up, let the transport put several in one write.
          if (more) options.set_buffer_hint();
          writing_ = true;
          break;
        }
        case Subscription::Wait::kOverflow:
          final_status = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                      "this watcher fell too far behind; resume with the token of "
                                      "the last event received");
          finish = finished_ = true;
          break;
        case Subscription::Wait::kClosed:
          final_status = gone_ ? grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away")
                               : grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                              "the node is stopping; resume on another");
          finish = finished_ = true;
          break;
      }
    }
    if (finish) {
      Finish(std::move(final_status));
    } else {
      StartWrite(&out_, options);
    }
  }

  absl::Mutex mu_;
  std::shared_ptr<Subscription> subscription_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<WatchStream> self_ ABSL_GUARDED_BY(mu_);  // until OnDone
  grpc::ByteBuffer out_;  // the write under way; touched only by the Pump that starts it
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool gone_ ABSL_GUARDED_BY(mu_) = false;  // the client cancelled, or a write failed
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
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetTender"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::Tender>(kTenderKind, request->name(),
                                       [&] { return tenders_->GetTender(request->name()); });
      },
      response);
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
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListTenders"),
      [&](const mesh::ReadScope& scope) {
        return scope.ListOf<v1::ListTendersResponse>(
            kTenderKind, [&] { return tenders_->ListTenders(*request); });
      },
      response);
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
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListAwards"),
      [&](const mesh::ReadScope& scope) {
        return scope.ListOf<v1::ListAwardsResponse>(
            kTenderKind, [&] { return tenders_->ListAwards(*request); });
      },
      response);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* TenderServiceImpl::WatchTenders(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes) {
  absl::StatusOr<mesh::ReadScope> scope = authorizer_->ReadScopeFor(*context, Method("WatchTenders"));
  if (!scope.ok()) return new FailedWatch(scope.status());
  if (scope->Hides(kTenderKind)) {
    return new FailedWatch(absl::NotFoundError("this node shares no notice with your partner"));
  }
  // The raw method lets every event be serialised once for all its watchers; the request is
  // parsed here, from a copy (its slices shared) since parsing consumes the buffer.
  grpc::ByteBuffer bytes(*request_bytes);
  v1::WatchTendersRequest request;
  if (!grpc::SerializationTraits<v1::WatchTendersRequest>::Deserialize(&bytes, &request).ok()) {
    return new FailedWatch(absl::InvalidArgumentError("the request is not a WatchTendersRequest"));
  }
  absl::StatusOr<WatchPlan> plan = tenders_->PlanWatch(request);
  if (!plan.ok()) return new FailedWatch(plan.status());
  absl::StatusOr<std::shared_ptr<Subscription>> sub =
      watch_->Subscribe(std::move(*plan), ResumeToken(*context, request));
  if (!sub.ok()) return new FailedWatch(sub.status());
  return WatchStream::Reactor(*std::move(sub));
}

grpc::Status TenderServiceImpl::MatchStructures(grpc::ServerContext* context,
                                                const v1::MatchStructuresRequest* request,
                                                v1::MatchStructuresResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("MatchStructures"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::MatchStructuresResponse>(kTenderKind, request->tender(), [&] {
          return scope.ListOf<v1::MatchStructuresResponse>(
              registry::kStructureKind, [&] { return tenders_->MatchStructures(*request); });
        });
      },
      response);
}

grpc::Status TenderServiceImpl::MatchTenders(grpc::ServerContext* context,
                                             const v1::MatchTendersRequest* request,
                                             v1::MatchTendersResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("MatchTenders"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::MatchTendersResponse>(registry::kStructureKind, request->structure(),
                                                     [&] {
          return scope.ListOf<v1::MatchTendersResponse>(
              kTenderKind, [&] { return tenders_->MatchTenders(*request); });
        });
      },
      response);
}

grpc::Status TenderServiceImpl::GetDigest(grpc::ServerContext* context,
                                          const v1::GetDigestRequest* request,
                                          v1::Digest* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetDigest"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::Digest>(registry::kStructureKind, request->structure(), [&] {
          return scope.ListOf<v1::Digest>(kTenderKind,
                                          [&] { return tenders_->GetDigest(*request); });
        });
      },
      response);
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
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListInterests"),
      [&](const mesh::ReadScope& scope) { return tenders_->ListInterests(*request, scope); },
      response);
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
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetConsortium"),
      [&](const mesh::ReadScope& scope) { return tenders_->GetConsortium(request->name(), scope); },
      response);
}

}  // namespace passerelle::tender
