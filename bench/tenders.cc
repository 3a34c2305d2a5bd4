#include "bench/tenders.h"

#include "absl/strings/str_cat.h"
#include "cli/demo_tenders.h"
#include "grpcpp/client_context.h"

namespace passerelle::bench {

absl::Status CreateBuyer(v1::RegistryService::Stub& stub, const std::string& id) {
  grpc::ClientContext context;
  v1::CreateBuyerRequest request;
  request.mutable_buyer()->set_buyer_id(id);
  request.mutable_buyer()->set_display_name(id);
  request.mutable_buyer()->set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
  v1::Buyer buyer;
  grpc::Status s = stub.CreateBuyer(&context, request, &buyer);
  return s.ok() ? absl::OkStatus() : absl::InternalError(s.error_message());
}

grpc::Status CreateTender(v1::TenderService::Stub& stub, const v1::Tender& tender) {
  grpc::ClientContext context;
  v1::CreateTenderRequest request;
  *request.mutable_tender() = tender;
  v1::Tender created;
  return stub.CreateTender(&context, request, &created);
}

std::vector<v1::Tender> GenerateTenders(int count, uint64_t seed, const std::string& buyer,
                                        const std::string& prefix) {
  cli::TenderGenerator generator(seed, {buyer}, prefix);
  std::vector<v1::Tender> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) out.push_back(generator.Next());
  return out;
}

const v1::Tender& FreshNotice(const std::vector<v1::Tender>& notices, int64_t i) {
  const auto n = static_cast<int64_t>(notices.size());
  if (i < n) return notices[static_cast<size_t>(i)];
  thread_local v1::Tender again;
  again = notices[static_cast<size_t>(i % n)];
  again.set_tender_id(absl::StrCat(again.tender_id(), "-", i / n));
  return again;
}

}  // namespace passerelle::bench
