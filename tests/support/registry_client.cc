#include "tests/support/registry_client.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_format.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "registry_svc/siret.h"
#include "tests/support/status_matchers.h"

namespace passerelle::testing {
namespace {

// Long enough for a loaded CI machine, short enough that a hung call fails the test rather than
// ctest.
constexpr std::chrono::seconds kCallDeadline{20};
// More pages than any test holds: a token that never ends the listing is a bug, not a long listing.
constexpr int kMaxPages = 10000;

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
}

template <typename Request, typename Response, typename Method>
Reply<Response> Call(const TestNode& node, Method method, const Request& request) {
  grpc::ClientContext context;
  SetDeadline(&context);
  Reply<Response> reply;
  reply.status = ((*node.Registry()).*method)(&context, request, &reply.response);
  return reply;
}

}  // namespace

Reply<v1::Structure> RegistryClient::CreateStructure(const v1::Structure& structure) const {
  v1::CreateStructureRequest request;
  *request.mutable_structure() = structure;
  return Call<v1::CreateStructureRequest, v1::Structure>(
      node_, &v1::RegistryService::Stub::CreateStructure, request);
}

Reply<v1::Structure> RegistryClient::GetStructure(const std::string& name) const {
  v1::GetStructureRequest request;
  request.set_name(name);
  return Call<v1::GetStructureRequest, v1::Structure>(
      node_, &v1::RegistryService::Stub::GetStructure, request);
}

Reply<v1::Structure> RegistryClient::UpdateStructure(
    const v1::Structure& patch, const std::vector<std::string>& mask_paths) const {
  v1::UpdateStructureRequest request;
  *request.mutable_structure() = patch;
  for (const std::string& path : mask_paths) request.mutable_update_mask()->add_paths(path);
  return Call<v1::UpdateStructureRequest, v1::Structure>(
      node_, &v1::RegistryService::Stub::UpdateStructure, request);
}

grpc::Status RegistryClient::DeleteStructure(const std::string& name,
                                             const std::string& etag) const {
  v1::DeleteStructureRequest request;
  request.set_name(name);
  request.set_etag(etag);
  return Call<v1::DeleteStructureRequest, google::protobuf::Empty>(
             node_, &v1::RegistryService::Stub::DeleteStructure, request)
      .status;
}

Reply<v1::ListStructuresResponse> RegistryClient::ListStructures(
    int32_t page_size, const std::string& page_token) const {
  v1::ListStructuresRequest request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Call<v1::ListStructuresRequest, v1::ListStructuresResponse>(
      node_, &v1::RegistryService::Stub::ListStructures, request);
}

Reply<v1::SearchStructuresResponse> RegistryClient::SearchStructures(
    const v1::SearchStructuresRequest& request) const {
  return Call<v1::SearchStructuresRequest, v1::SearchStructuresResponse>(
      node_, &v1::RegistryService::Stub::SearchStructures, request);
}

Reply<v1::ImportStructuresResponse> RegistryClient::ImportStructures(
    const std::vector<v1::ImportStructuresRequest>& rows) const {
  grpc::ClientContext context;
  SetDeadline(&context);
  Reply<v1::ImportStructuresResponse> reply;
  std::unique_ptr<v1::RegistryService::Stub> stub = node_.Registry();
  std::unique_ptr<grpc::ClientWriter<v1::ImportStructuresRequest>> writer =
      stub->ImportStructures(&context, &reply.response);
  for (const v1::ImportStructuresRequest& row : rows) {
    if (!writer->Write(row)) break;  // the server ended the call; Finish() says why
  }
  writer->WritesDone();
  reply.status = writer->Finish();
  return reply;
}

Reply<v1::Buyer> RegistryClient::CreateBuyer(const v1::Buyer& buyer) const {
  v1::CreateBuyerRequest request;
  *request.mutable_buyer() = buyer;
  return Call<v1::CreateBuyerRequest, v1::Buyer>(node_, &v1::RegistryService::Stub::CreateBuyer,
                                                 request);
}

Reply<v1::Buyer> RegistryClient::GetBuyer(const std::string& name) const {
  v1::GetBuyerRequest request;
  request.set_name(name);
  return Call<v1::GetBuyerRequest, v1::Buyer>(node_, &v1::RegistryService::Stub::GetBuyer, request);
}

Reply<v1::ListBuyersResponse> RegistryClient::ListBuyers(int32_t page_size,
                                                         const std::string& page_token) const {
  v1::ListBuyersRequest request;
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Call<v1::ListBuyersRequest, v1::ListBuyersResponse>(
      node_, &v1::RegistryService::Stub::ListBuyers, request);
}

std::vector<v1::Structure> RegistryClient::ListAllStructures(int32_t page_size) const {
  std::vector<v1::Structure> all;
  std::string token;
  int pages = 0;
  do {
    if (++pages > kMaxPages) {
      ADD_FAILURE() << "ListStructures never ends";
      break;
    }
    Reply<v1::ListStructuresResponse> page = ListStructures(page_size, token);
    if (!page.status.ok()) {
      ADD_FAILURE() << "ListStructures failed: " << Describe(page.status);
      break;
    }
    all.insert(all.end(), page.response.structures().begin(), page.response.structures().end());
    token = page.response.next_page_token();
  } while (!token.empty());
  return all;
}

std::vector<std::string> RegistryClient::SearchAllSirets(
    v1::SearchStructuresRequest request) const {
  std::vector<std::string> sirets;
  int pages = 0;
  do {
    if (++pages > kMaxPages) {
      ADD_FAILURE() << "SearchStructures never ends";
      break;
    }
    Reply<v1::SearchStructuresResponse> page = SearchStructures(request);
    if (!page.status.ok()) {
      ADD_FAILURE() << "SearchStructures failed: " << Describe(page.status);
      break;
    }
    for (const v1::Structure& s : page.response.structures()) sirets.push_back(s.siret());
    request.set_page_token(page.response.next_page_token());
  } while (!request.page_token().empty());
  return sirets;
}

std::string TestSiret(int64_t n) {
  std::string first13 = absl::StrFormat("7%012d", n);
  return first13 + registry::LuhnCheckDigit(first13);
}

v1::Structure MinimalStructure(const std::string& siret, const std::string& display_name) {
  v1::Structure s;
  s.set_siret(siret);
  s.set_display_name(display_name);
  s.set_legal_form(v1::LEGAL_FORM_ASSOCIATION);
  s.set_sse_status(v1::SSE_STATUS_SSE);
  s.set_size_class(v1::SIZE_CLASS_TPE);
  return s;
}

std::vector<v1::ImportStructuresRequest> ImportRows(const std::vector<v1::Structure>& structures) {
  std::vector<v1::ImportStructuresRequest> rows;
  for (const v1::Structure& s : structures) {
    rows.emplace_back();
    *rows.back().mutable_structure() = s;
    rows.back().set_row(static_cast<int64_t>(rows.size()));
  }
  return rows;
}

}  // namespace passerelle::testing
