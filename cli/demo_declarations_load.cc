#include "cli/demo_declarations_load.h"

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/demo_declarations.h"
#include "cli/pages.h"
#include "grpcpp/client_context.h"

namespace passerelle::cli {
namespace {

constexpr int32_t kPageSize = 1000;

grpc::Status ReadNotices(v1::TenderService::StubInterface& tenders, const std::string& buyer_id,
                         std::vector<v1::Tender>* out) {
  v1::ListTendersRequest request;
  request.set_buyer(absl::StrCat("buyers/", buyer_id));
  request.set_page_size(kPageSize);
  return CollectPages(tenders, &v1::TenderService::StubInterface::ListTenders, request,
                      &v1::ListTendersResponse::mutable_tenders, out);
}

grpc::Status ReadStructures(v1::RegistryService::StubInterface& registry,
                            std::vector<v1::Structure>* out) {
  v1::ListStructuresRequest request;
  request.set_page_size(kPageSize);
  return CollectPages(registry, &v1::RegistryService::StubInterface::ListStructures, request,
                      &v1::ListStructuresResponse::mutable_structures, out);
}

// Closes the published notices and awards the closed notices' lots that have no award yet.
grpc::Status AwardLots(v1::RegistryService::StubInterface& registry,
                       v1::TenderService::StubInterface& tenders, uint64_t seed,
                       std::vector<v1::Tender>* notices, DemoDeclarationsRun* run) {
  for (v1::Tender& t : *notices) {
    if (t.status() != v1::TENDER_STATUS_PUBLISHED) continue;
    grpc::ClientContext context;
    v1::CloseTenderRequest request;
    request.set_name(t.name());
    if (grpc::Status s = tenders.CloseTender(&context, request, &t); !s.ok()) return s;
    ++run->closed;
  }
  std::optional<DemoAwarder> awarder;  // the registry is read only when a lot needs a supplier
  for (v1::Tender& t : *notices) {
    if (t.status() != v1::TENDER_STATUS_CLOSED) continue;
    for (v1::Lot& lot : *t.mutable_lots()) {
      if (lot.has_award()) continue;
      if (!awarder) {
        std::vector<v1::Structure> structures;
        if (grpc::Status s = ReadStructures(registry, &structures); !s.ok()) return s;
        awarder.emplace(seed, std::move(structures));
      }
      std::optional<v1::Award> award = awarder->AwardFor(t, lot);
      if (!award) continue;
      grpc::ClientContext context;
      v1::AwardLotRequest request;
      request.set_tender(t.name());
      *request.mutable_award() = *std::move(award);
      if (grpc::Status s = tenders.AwardLot(&context, request, lot.mutable_award()); !s.ok()) {
        return s;
      }
      ++run->lots_awarded;
    }
  }
  return grpc::Status::OK;
}

// Streams the declarations; names[i] is the i-th one's name once accepted, empty when refused.
grpc::Status Submit(v1::ImpactService::StubInterface& impact,
                    const std::vector<DemoDeclaration>& declarations,
                    std::vector<std::string>* names, DemoDeclarationsRun* run) {
  grpc::ClientContext context;
  v1::SubmitDeclarationsResponse response;
  std::unique_ptr<grpc::ClientWriterInterface<v1::SubmitDeclarationRequest>> stream =
      impact.SubmitDeclarations(&context, &response);
  v1::SubmitDeclarationRequest item;
  for (const DemoDeclaration& d : declarations) {
    *item.mutable_declaration() = d.declaration;
    if (!stream->Write(item)) break;  // the node ended the call: Finish says why
  }
  stream->WritesDone();
  if (grpc::Status s = stream->Finish(); !s.ok()) return s;
  names->assign(declarations.size(), "");
  for (const v1::SubmitResult& r : response.results()) {
    if (r.index() < 0 || static_cast<size_t>(r.index()) >= names->size()) continue;
    if (!r.name().empty()) {
      (*names)[static_cast<size_t>(r.index())] = r.name();
      ++run->accepted;
    } else {
      if (run->refused++ == 0) run->first_refusal = r.error().message();
    }
  }
  return grpc::Status::OK;
}

// Validates or rejects each accepted declaration as planned; one reviewed before is left alone.
grpc::Status Review(v1::ImpactService::StubInterface& impact,
                    const std::vector<DemoDeclaration>& declarations,
                    const std::vector<std::string>& names, DemoDeclarationsRun* run) {
  for (size_t i = 0; i < declarations.size(); ++i) {
    const DemoDeclaration& d = declarations[i];
    if (names[i].empty() || d.review == DemoReview::kLeaveSubmitted) continue;
    grpc::ClientContext context;
    v1::HourDeclaration reviewed;
    grpc::Status s;
    if (d.review == DemoReview::kValidate) {
      v1::ValidateDeclarationRequest request;
      request.set_name(names[i]);
      s = impact.ValidateDeclaration(&context, request, &reviewed);
      run->validated += s.ok();
    } else {
      v1::RejectDeclarationRequest request;
      request.set_name(names[i]);
      request.set_reason(d.reject_reason);
      s = impact.RejectDeclaration(&context, request, &reviewed);
      run->rejected += s.ok();
    }
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      ++run->already_reviewed;
    } else if (!s.ok()) {
      return s;
    }
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status LoadDemoDeclarations(v1::RegistryService::StubInterface& registry,
                                  v1::TenderService::StubInterface& tenders,
                                  v1::ImpactService::StubInterface& impact,
                                  const DemoDeclarationsOptions& options,
                                  DemoDeclarationsRun* run) {
  std::vector<v1::Tender> notices;
  if (grpc::Status s = ReadNotices(tenders, options.buyer_id, &notices); !s.ok()) return s;
  run->notices = static_cast<int>(notices.size());
  if (grpc::Status s = AwardLots(registry, tenders, options.seed, &notices, run); !s.ok()) {
    return s;
  }
  const std::vector<DemoDeclaration> declarations =
      GenerateDeclarations(options.seed, notices, options.count, options.validate_percent);
  std::vector<std::string> names;
  if (grpc::Status s = Submit(impact, declarations, &names, run); !s.ok()) return s;
  return Review(impact, declarations, names, run);
}

}  // namespace passerelle::cli
