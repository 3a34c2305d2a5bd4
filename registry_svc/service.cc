#include "registry_svc/service.h"

#include <future>
#include <utility>
#include <vector>

#include "common/errors.h"
#include "common/serve.h"

namespace passerelle::registry {

// Reads follow sharing (mesh/read_scope.h): a caller of partner P reading here sees what this
// node's policy shares with P of each kind (its own partner: everything).
// - GetStructure, GetBuyer: the record; NOT_FOUND, as for a name that does not exist, when this
//   node shares no structure (buyer) with P. Structures and buyers redact nothing, so a REDACTED
//   rule shows them whole.
// - ListStructures, SearchStructures, ListBuyers: the page; an empty one when none is shared.
// Structures and buyers are public directory records: a caller bound to a SIRET or a buyer reads
// them all.

namespace {

// Rows committed per store batch during an import: large enough to amortise the commit, small
// enough that a broken stream loses little work in progress.
constexpr size_t kImportBatchRows = 512;

using common::Serve;

std::string Method(absl::string_view name) {
  return mesh::FullMethodName(v1::RegistryService::service_full_name(), name);
}

void MergeSummary(const v1::ImportStructuresResponse& part, v1::ImportStructuresResponse* total) {
  total->set_created(total->created() + part.created());
  total->set_updated(total->updated() + part.updated());
  for (const auto& r : part.rejected()) *total->add_rejected() = r;
}

}  // namespace

grpc::Status RegistryServiceImpl::CreateStructure(grpc::ServerContext* context,
                                                  const v1::CreateStructureRequest* request,
                                                  v1::Structure* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("CreateStructure"), kStructureKind),
      [&] { return registry_->CreateStructure(request->structure()); }, response);
}

grpc::Status RegistryServiceImpl::GetStructure(grpc::ServerContext* context,
                                               const v1::GetStructureRequest* request,
                                               v1::Structure* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetStructure"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::Structure>(kStructureKind, request->name(),
                                          [&] { return registry_->GetStructure(request->name()); });
      },
      response);
}

grpc::Status RegistryServiceImpl::UpdateStructure(grpc::ServerContext* context,
                                                  const v1::UpdateStructureRequest* request,
                                                  v1::Structure* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("UpdateStructure"), kStructureKind),
      [&] { return registry_->UpdateStructure(request->structure(), request->update_mask()); },
      response);
}

grpc::Status RegistryServiceImpl::DeleteStructure(grpc::ServerContext* context,
                                                  const v1::DeleteStructureRequest* request,
                                                  google::protobuf::Empty*) {
  absl::Status allowed = authorizer_->MayWrite(*context, Method("DeleteStructure"), kStructureKind);
  if (!allowed.ok()) return common::ToGrpcStatus(allowed);
  return common::ToGrpcStatus(registry_->DeleteStructure(request->name(), request->etag()));
}

grpc::Status RegistryServiceImpl::ListStructures(grpc::ServerContext* context,
                                                 const v1::ListStructuresRequest* request,
                                                 v1::ListStructuresResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListStructures"),
      [&](const mesh::ReadScope& scope) {
        return scope.ListOf<v1::ListStructuresResponse>(
            kStructureKind, [&] { return registry_->ListStructures(*request); });
      },
      response);
}

grpc::Status RegistryServiceImpl::SearchStructures(grpc::ServerContext* context,
                                                   const v1::SearchStructuresRequest* request,
                                                   v1::SearchStructuresResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("SearchStructures"),
      [&](const mesh::ReadScope& scope) {
        return scope.ListOf<v1::SearchStructuresResponse>(
            kStructureKind, [&] { return registry_->SearchStructures(*request); });
      },
      response);
}

grpc::Status RegistryServiceImpl::ImportStructures(
    grpc::ServerContext* context, grpc::ServerReader<v1::ImportStructuresRequest>* reader,
    v1::ImportStructuresResponse* response) {
  absl::Status allowed =
      authorizer_->MayWrite(*context, Method("ImportStructures"), kStructureKind);
  if (!allowed.ok()) return common::ToGrpcStatus(allowed);
  // While one batch commits, the next is read and prepared (validated, its index terms computed):
  // reading and preparing on this thread and committing (the store) then use two cores instead of
  // taking turns. Batches still commit one at a time, in stream order, and a failed one stops the
  // import before the next commits.
  std::vector<v1::ImportStructuresRequest> batch;
  batch.reserve(kImportBatchRows);
  std::future<absl::StatusOr<v1::ImportStructuresResponse>> committing;
  auto await_committing = [&]() -> absl::Status {
    if (!committing.valid()) return absl::OkStatus();
    absl::StatusOr<v1::ImportStructuresResponse> part = committing.get();
    if (!part.ok()) return part.status();
    MergeSummary(*part, response);
    return absl::OkStatus();
  };
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return await_committing();
    Registry::PreparedImport prepared = Registry::PrepareImport(std::move(batch));
    if (absl::Status s = await_committing(); !s.ok()) return s;
    committing = std::async(std::launch::async, [this, prepared = std::move(prepared)]() mutable {
      return registry_->CommitImport(std::move(prepared));
    });
    batch.clear();
    batch.reserve(kImportBatchRows);
    return absl::OkStatus();
  };
  for (v1::ImportStructuresRequest row; reader->Read(&row);) {
    batch.push_back(std::move(row));
    if (batch.size() == kImportBatchRows) {
      if (absl::Status s = flush(); !s.ok()) return common::ToGrpcStatus(s);
    }
  }
  if (absl::Status s = flush(); !s.ok()) return common::ToGrpcStatus(s);
  return common::ToGrpcStatus(await_committing());
}

grpc::Status RegistryServiceImpl::CreateBuyer(grpc::ServerContext* context,
                                              const v1::CreateBuyerRequest* request,
                                              v1::Buyer* response) {
  return Serve(
      authorizer_->MayWrite(*context, Method("CreateBuyer"), kBuyerKind),
      [&] { return registry_->CreateBuyer(request->buyer()); }, response);
}

grpc::Status RegistryServiceImpl::GetBuyer(grpc::ServerContext* context,
                                           const v1::GetBuyerRequest* request,
                                           v1::Buyer* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("GetBuyer"),
      [&](const mesh::ReadScope& scope) {
        return scope.GetOf<v1::Buyer>(kBuyerKind, request->name(),
                                      [&] { return registry_->GetBuyer(request->name()); });
      },
      response);
}

grpc::Status RegistryServiceImpl::ListBuyers(grpc::ServerContext* context,
                                             const v1::ListBuyersRequest* request,
                                             v1::ListBuyersResponse* response) {
  return mesh::ServeRead(
      *authorizer_, *context, Method("ListBuyers"),
      [&](const mesh::ReadScope& scope) {
        return scope.ListOf<v1::ListBuyersResponse>(
            kBuyerKind, [&] { return registry_->ListBuyers(*request); });
      },
      response);
}

}  // namespace passerelle::registry
