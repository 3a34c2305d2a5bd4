#include "impact_svc/service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/serve.h"
#include "impact_svc/aggregates.h"

namespace passerelle::impact {

// Reads follow sharing (mesh/read_scope.h): a caller of partner P reading here sees declarations
// as this node's policy shares them with P (its own partner: whole).
// - GetDeclaration: the declaration; without worker lines under a REDACTED rule; NOT_FOUND under
//   NONE; PERMISSION_DENIED for observers (they read figures), for a caller bound to another
//   SIRET than the declaration's contractor, and for one bound to another buyer.
// - ListDeclarations: the same rules over the page; a caller bound to a SIRET (a buyer) lists only
//   that company's (buyer's) declarations, and a contractor_siret (buyer) filter naming another is
//   PERMISSION_DENIED; under NONE an empty page.
// - GetImpactReport: the figures, to every role that may call it (observers included).
// - ValidateDeclaration, RejectDeclaration: a reviewer bound to a buyer reviews only that buyer's
//   declarations (PERMISSION_DENIED otherwise); they write, so only the node's own partner calls them.

namespace {

using common::Serve;

std::string Method(absl::string_view name) {
  return mesh::FullMethodName(v1::ImpactService::service_full_name(), name);
}

// A google.rpc.Status carrying `status` as the wire would.
void ToRpcStatus(const absl::Status& status, google::rpc::Status* out) {
  grpc::Status wire = common::ToGrpcStatus(status);
  if (!wire.error_details().empty() && out->ParseFromString(wire.error_details())) return;
  out->set_code(static_cast<int>(status.code()));
  out->set_message(std::string(status.message()));
}

}  // namespace

absl::StatusOr<Caller> ImpactServiceImpl::CallerOf(const grpc::ServerContext& context) const {
  absl::StatusOr<mesh::Principal> p = authorizer_->Caller(context);
  if (!p.ok()) return p.status();
  return Caller{p->siret, absl::StrCat(p->partner_id, "/", p->role),
                p->buyer_id.empty() ? "" : absl::StrCat("buyers/", p->buyer_id)};
}

template <typename T, typename Call>
grpc::Status ImpactServiceImpl::ServeWrite(grpc::ServerContext* context, absl::string_view method,
                                           Call call, T* response) {
  absl::Status allowed = authorizer_->MayWrite(*context, Method(method), kDeclarationKind);
  absl::StatusOr<Caller> caller = allowed.ok() ? CallerOf(*context) : allowed;
  return Serve(
      caller.status(), [&] { return call(*caller); }, response);
}

grpc::Status ImpactServiceImpl::SubmitDeclaration(grpc::ServerContext* context,
                                                  const v1::SubmitDeclarationRequest* request,
                                                  v1::HourDeclaration* response) {
  return ServeWrite(
      context, "SubmitDeclaration",
      [&](const Caller& caller) { return declarations_->Submit(request->declaration(), caller); },
      response);
}

grpc::Status ImpactServiceImpl::SubmitDeclarations(
    grpc::ServerContext* context, grpc::ServerReader<v1::SubmitDeclarationRequest>* reader,
    v1::SubmitDeclarationsResponse* response) {
  if (absl::Status allowed =
          authorizer_->MayWrite(*context, Method("SubmitDeclarations"), kDeclarationKind);
      !allowed.ok()) {
    return common::ToGrpcStatus(allowed);
  }
  absl::StatusOr<Caller> caller = CallerOf(*context);
  if (!caller.ok()) return common::ToGrpcStatus(caller.status());
  std::vector<v1::HourDeclaration> chunk;
  int32_t index = 0;
  auto flush = [&]() -> absl::Status {
    if (chunk.empty()) return absl::OkStatus();
    auto results = declarations_->SubmitMany(std::move(chunk), *caller);
    if (!results.ok()) return results.status();
    for (absl::StatusOr<v1::HourDeclaration>& r : *results) {
      v1::SubmitResult* out = response->add_results();
      out->set_index(index++);
      if (r.ok()) {
        out->set_name(r->name());
        response->set_accepted(response->accepted() + 1);
      } else {
        ToRpcStatus(r.status(), out->mutable_error());
        response->set_rejected(response->rejected() + 1);
      }
    }
    chunk.clear();
    return absl::OkStatus();
  };
  v1::SubmitDeclarationRequest item;
  while (reader->Read(&item)) {
    chunk.push_back(std::move(*item.mutable_declaration()));
    if (chunk.size() == kStreamChunk) {
      if (absl::Status s = flush(); !s.ok()) return common::ToGrpcStatus(s);
    }
  }
  // A stream that ended because the client went away keeps what was committed, not its tail.
  if (context->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
  if (absl::Status s = flush(); !s.ok()) return common::ToGrpcStatus(s);
  return grpc::Status::OK;
}

grpc::Status ImpactServiceImpl::GetDeclaration(grpc::ServerContext* context,
                                               const v1::GetDeclarationRequest* request,
                                               v1::HourDeclaration* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetDeclaration"),
      [&](const mesh::ReadScope& scope) { return declarations_->Get(request->name(), scope); },
      response);
}

grpc::Status ImpactServiceImpl::ListDeclarations(grpc::ServerContext* context,
                                                 const v1::ListDeclarationsRequest* request,
                                                 v1::ListDeclarationsResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListDeclarations"),
      [&](const mesh::ReadScope& scope) { return declarations_->List(*request, scope); },
      response);
}

grpc::Status ImpactServiceImpl::ValidateDeclaration(grpc::ServerContext* context,
                                                    const v1::ValidateDeclarationRequest* request,
                                                    v1::HourDeclaration* response) {
  return ServeWrite(
      context, "ValidateDeclaration",
      [&](const Caller& caller) {
        return declarations_->Validate(request->name(), request->etag(), caller);
      },
      response);
}

grpc::Status ImpactServiceImpl::RejectDeclaration(grpc::ServerContext* context,
                                                  const v1::RejectDeclarationRequest* request,
                                                  v1::HourDeclaration* response) {
  return ServeWrite(
      context, "RejectDeclaration",
      [&](const Caller& caller) {
        return declarations_->Reject(request->name(), request->reason(), request->etag(), caller);
      },
      response);
}

grpc::Status ImpactServiceImpl::CorrectDeclaration(grpc::ServerContext* context,
                                                   const v1::CorrectDeclarationRequest* request,
                                                   v1::HourDeclaration* response) {
  return ServeWrite(
      context, "CorrectDeclaration",
      [&](const Caller& caller) { return declarations_->Correct(*request, caller); }, response);
}

grpc::Status ImpactServiceImpl::GetImpactReport(grpc::ServerContext* context,
                                                const v1::GetImpactReportRequest* request,
                                                v1::ImpactReport* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("GetImpactReport")),
      [&] { return declarations_->Report(*request); }, response);
}

grpc::Status ImpactServiceImpl::RebuildAggregates(grpc::ServerContext* context,
                                                  const v1::RebuildAggregatesRequest*,
                                                  v1::RebuildAggregatesResponse* response) {
  return Serve(
      authorizer_->MayCall(*context, Method("RebuildAggregates")),
      [&] { return declarations_->RebuildAggregates(); }, response);
}

}  // namespace passerelle::impact
