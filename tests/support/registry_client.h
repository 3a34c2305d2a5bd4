#ifndef PASSERELLE_TESTS_SUPPORT_REGISTRY_CLIENT_H_
#define PASSERELLE_TESTS_SUPPORT_REGISTRY_CLIENT_H_

// A blocking RegistryService client over a TestNode, one call per RPC, so that tests read as the
// API does, plus valid sample records to start from.

#include <string>
#include <vector>

#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "passerelle/v1/registry.pb.h"
#include "tests/support/test_node.h"

namespace passerelle::testing {

// What a unary call returned: the status, and the response when it is OK.
template <typename Response>
struct Reply {
  grpc::Status status;
  Response response;
};

// Calls unary `method` of `stub` with `request` and returns what came back.
template <typename Response, typename Stub, typename Request, typename Method>
Reply<Response> CallStub(Stub& stub, Method method, const Request& request) {
  grpc::ClientContext context;
  Reply<Response> reply;
  reply.status = (stub.*method)(&context, request, &reply.response);
  return reply;
}

class RegistryClient {
 public:
  // Calls go to whatever node `node` runs at the time of the call, so the client survives
  // node.Restart(). `node` must outlive the client.
  explicit RegistryClient(const TestNode& node) : node_(node) {}

  Reply<v1::Structure> CreateStructure(const v1::Structure& structure) const;
  Reply<v1::Structure> GetStructure(const std::string& name) const;
  Reply<v1::Structure> UpdateStructure(const v1::Structure& patch,
                                       const std::vector<std::string>& mask_paths) const;
  grpc::Status DeleteStructure(const std::string& name, const std::string& etag = "") const;
  Reply<v1::ListStructuresResponse> ListStructures(int32_t page_size,
                                                   const std::string& page_token = "") const;
  Reply<v1::SearchStructuresResponse> SearchStructures(
      const v1::SearchStructuresRequest& request) const;
  // Streams `rows` in order, then closes the stream and waits for the summary.
  Reply<v1::ImportStructuresResponse> ImportStructures(
      const std::vector<v1::ImportStructuresRequest>& rows) const;

  Reply<v1::Buyer> CreateBuyer(const v1::Buyer& buyer) const;
  Reply<v1::Buyer> GetBuyer(const std::string& name) const;
  Reply<v1::ListBuyersResponse> ListBuyers(int32_t page_size,
                                           const std::string& page_token = "") const;

  // Every structure, following next_page_token with pages of `page_size`; ADD_FAILUREs and stops at
  // the first failed call.
  std::vector<v1::Structure> ListAllStructures(int32_t page_size) const;
  // Every SIRET `request` matches, following next_page_token.
  std::vector<std::string> SearchAllSirets(v1::SearchStructuresRequest request) const;

 private:
  const TestNode& node_;
};

// A valid SIRET, distinct for each `n` (0 <= n < 10^12): 13 digits from `n` and a Luhn check digit.
std::string TestSiret(int64_t n);

// A structure with the required fields set and nothing else: an SSE association of TPE size.
v1::Structure MinimalStructure(const std::string& siret,
                               const std::string& display_name = "Régie Test");

// Import rows for `structures`, numbered 1, 2, ... in order.
std::vector<v1::ImportStructuresRequest> ImportRows(const std::vector<v1::Structure>& structures);

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_REGISTRY_CLIENT_H_
