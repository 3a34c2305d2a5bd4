#include "cli/structure_import.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "cli/structure_csv.h"
#include "grpcpp/client_context.h"

namespace passerelle::cli {

grpc::Status ImportStructureCsv(std::istream& csv, v1::RegistryService::StubInterface& registry,
                                const ImportProgress& progress, ImportSummary* summary) {
  *summary = ImportSummary();
  auto reader = StructureCsvReader::Open(csv);
  if (!reader.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(reader.status().message()));
  }

  grpc::ClientContext context;
  v1::ImportStructuresResponse response;
  std::unique_ptr<grpc::ClientWriterInterface<v1::ImportStructuresRequest>> stream =
      registry.ImportStructures(&context, &response);
  StructureRow row;
  v1::ImportStructuresRequest request;
  while ((*reader)->Next(&row)) {
    ++summary->rows;
    if (row.structure.ok()) {
      request.set_row(row.line);
      *request.mutable_structure() = *std::move(row.structure);
      // A failed write means the server has ended the call; Finish says why.
      if (!stream->Write(request)) break;
    } else {
      v1::ImportRejection& rejection = summary->rejected.emplace_back();
      rejection.set_row(row.line);
      rejection.set_reason(std::string(row.structure.status().message()));
    }
    if (progress && summary->rows % kImportProgressEvery == 0) progress(summary->rows);
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (!status.ok()) return status;

  summary->created = response.created();
  summary->updated = response.updated();
  summary->rejected.insert(summary->rejected.end(), response.rejected().begin(),
                           response.rejected().end());
  std::stable_sort(summary->rejected.begin(), summary->rejected.end(),
                   [](const auto& a, const auto& b) { return a.row() < b.row(); });
  return grpc::Status::OK;
}

}  // namespace passerelle::cli
