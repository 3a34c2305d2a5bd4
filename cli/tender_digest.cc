#include "cli/tender_digest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/pages.h"
#include "grpcpp/client_context.h"
#include "tender_svc/digest.h"

namespace passerelle::cli {
namespace {

constexpr int32_t kPage = 500;

grpc::Status WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out)
    return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("cannot write ", path.string()));
  return grpc::Status::OK;
}

struct IndexLine {
  std::string siret;
  std::string display_name;
  int notices;
};

}  // namespace

grpc::Status WriteWeeklyDigests(v1::RegistryService::StubInterface& registry,
                                v1::TenderService::StubInterface& tenders, const std::string& week,
                                const std::string& dir, DigestRun* run) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return grpc::Status(grpc::StatusCode::INTERNAL, absl::StrCat("cannot create ", dir));
  std::vector<IndexLine> index;
  v1::ListStructuresRequest list;
  list.set_page_size(kPage);
  auto write_page = [&](const v1::ListStructuresResponse& page) {
    for (const v1::Structure& structure : page.structures()) {
      grpc::ClientContext digest_context;
      v1::GetDigestRequest request;
      request.set_structure(structure.name());
      request.set_week(week);
      v1::Digest digest;
      if (grpc::Status s = tenders.GetDigest(&digest_context, request, &digest); !s.ok()) return s;
      int notices = 0;
      for (const v1::DigestSection& section : digest.sections()) notices += section.entries_size();
      const std::filesystem::path file =
          std::filesystem::path(dir) / absl::StrCat(structure.siret(), ".md");
      if (grpc::Status s =
              WriteFile(file, tender::DigestMarkdown(digest, structure.display_name()));
          !s.ok()) {
        return s;
      }
      ++run->structures;
      run->with_notices += notices > 0;
      run->notices += notices;
      index.push_back({structure.siret(), structure.display_name(), notices});
    }
    return grpc::Status::OK;
  };
  grpc::Status listed =
      ForEachPage(registry, &v1::RegistryService::StubInterface::ListStructures, list, write_page);
  if (!listed.ok()) return listed;

  std::stable_sort(index.begin(), index.end(),
                   [](const IndexLine& a, const IndexLine& b) { return a.notices > b.notices; });
  std::string text = absl::StrCat(
      "# Weekly digest — ", week, "\n\n", run->with_notices, " of ", run->structures,
      " structures have notices this week.\n\n| structure | SIRET | notices |\n|---|---|---|\n");
  for (const IndexLine& line : index) {
    absl::StrAppend(&text, "| [", line.display_name, "](", line.siret, ".md) | ", line.siret, " | ",
                    line.notices, " |\n");
  }
  return WriteFile(std::filesystem::path(dir) / "index.md", text);
}

}  // namespace passerelle::cli
