#ifndef PASSERELLE_CLI_STRUCTURE_IMPORT_H_
#define PASSERELLE_CLI_STRUCTURE_IMPORT_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <vector>

#include "grpcpp/support/status.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/registry.pb.h"

namespace passerelle::cli {

struct ImportSummary {
  int64_t rows = 0;  // data rows read from the file
  int64_t created = 0;
  int64_t updated = 0;
  // Rows refused by the CSV conversion (not sent) and by the server, in line order; `row` is the
  // line.
  std::vector<v1::ImportRejection> rejected;
};

// Called with the number of rows read so far, every `kImportProgressEvery` rows.
using ImportProgress = std::function<void(int64_t rows)>;
inline constexpr int64_t kImportProgressEvery = 1000;

// Sends every structure of a CSV file (header first, see structure_csv.h) to `registry` in one
// ImportStructures stream, each with its line number as `row`, so that files of any size take one
// call and memory stays flat. Rows the CSV conversion refuses are not sent; they join the server's
// rejections in *summary. Returns OK when the stream completed, even if rows were rejected;
// INVALID_ARGUMENT, before any call, when the header cannot be read; otherwise the status the call
// ended with.
grpc::Status ImportStructureCsv(std::istream& csv, v1::RegistryService::StubInterface& registry,
                                const ImportProgress& progress, ImportSummary* summary);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_STRUCTURE_IMPORT_H_
