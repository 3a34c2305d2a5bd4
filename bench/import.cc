#include "bench/import.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "tests/support/registry_client.h"

namespace passerelle::bench {

absl::StatusOr<absl::Duration> ImportAll(v1::RegistryService::Stub& stub,
                                         const std::vector<v1::Structure>& structures) {
  grpc::ClientContext context;
  v1::ImportStructuresResponse summary;
  const absl::Time start = absl::Now();
  auto stream = stub.ImportStructures(&context, &summary);
  v1::ImportStructuresRequest row;
  for (size_t i = 0; i < structures.size(); ++i) {
    *row.mutable_structure() = structures[i];
    row.set_row(static_cast<int64_t>(i) + 1);
    if (!stream->Write(row)) break;
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  const absl::Duration elapsed = absl::Now() - start;
  if (!status.ok()) return absl::InternalError(absl::StrCat("import: ", status.error_message()));
  if (summary.created() != static_cast<int64_t>(structures.size())) {
    return absl::InternalError(absl::StrCat("import created ", summary.created(), " of ",
                                            structures.size(), " structures; ",
                                            summary.rejected_size(), " rejected"));
  }
  return elapsed;
}

const v1::Structure& FreshStructure(const std::vector<v1::Structure>& structures, size_t first,
                                    int64_t i) {
  // Where re-used structures' SIRETs start (testing::TestSiret), far from the demo generator's.
  constexpr int64_t kReusedSiretBase = 900'000'000'000;
  const auto pool = static_cast<int64_t>(structures.size() - first);
  if (i < pool) return structures[first + static_cast<size_t>(i)];
  thread_local v1::Structure again;
  again = structures[first + static_cast<size_t>(i % pool)];
  again.set_siret(testing::TestSiret(kReusedSiretBase + i));
  return again;
}

}  // namespace passerelle::bench
