#include "cli/ocds_export.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "cli/pages.h"
#include "grpcpp/client_context.h"

namespace passerelle::cli {
namespace {

// Names are a courtesy: a caller whose role may not read the registry still gets the figures.
bool NameUnavailable(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::NOT_FOUND ||
         status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
}

grpc::Status ReadTenders(v1::TenderService::StubInterface& stub, int32_t page_size,
                         std::vector<v1::Tender>* out) {
  v1::ListTendersRequest request;
  request.set_page_size(page_size);
  return CollectPages(stub, &v1::TenderService::StubInterface::ListTenders, request,
                      &v1::ListTendersResponse::mutable_tenders, out);
}

grpc::Status ReadBuyerNames(v1::RegistryService::StubInterface& stub, int32_t page_size,
                            OcdsPublication* publication) {
  v1::ListBuyersRequest request;
  request.set_page_size(page_size);
  grpc::Status s = ForEachPage(stub, &v1::RegistryService::StubInterface::ListBuyers, request,
                               [publication](const v1::ListBuyersResponse& page) {
                                 for (const v1::Buyer& buyer : page.buyers()) {
                                   publication->names[buyer.name()] = buyer.display_name();
                                 }
                                 return grpc::Status::OK;
                               });
  return NameUnavailable(s) ? grpc::Status::OK : s;
}

grpc::Status ReadSupplierNames(v1::RegistryService::StubInterface& stub,
                               const std::vector<v1::Tender>& tenders,
                               OcdsPublication* publication) {
  absl::flat_hash_set<std::string> asked;
  for (const v1::Tender& tender : tenders) {
    for (const v1::Lot& lot : tender.lots()) {
      for (const v1::AwardShare& share : lot.award().shares()) {
        std::string name = absl::StrCat("structures/", share.siret());
        if (!asked.insert(name).second) continue;
        grpc::ClientContext context;
        v1::GetStructureRequest request;
        request.set_name(name);
        v1::Structure structure;
        grpc::Status s = stub.GetStructure(&context, request, &structure);
        if (NameUnavailable(s)) continue;
        if (!s.ok()) return s;
        publication->names[name] = structure.display_name();
      }
    }
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ExportOcds(v1::RegistryService::StubInterface& registry,
                        v1::TenderService::StubInterface& tenders, OcdsPublication publication,
                        std::string* json, int32_t page_size) {
  std::vector<v1::Tender> notices;
  if (grpc::Status s = ReadTenders(tenders, page_size, &notices); !s.ok()) return s;
  if (grpc::Status s = ReadBuyerNames(registry, page_size, &publication); !s.ok()) return s;
  if (grpc::Status s = ReadSupplierNames(registry, notices, &publication); !s.ok()) return s;
  *json = OcdsReleasePackage(notices, publication);
  return grpc::Status::OK;
}

}  // namespace passerelle::cli
