#ifndef PASSERELLE_BENCH_IMPORT_H_
#define PASSERELLE_BENCH_IMPORT_H_

// Loading a node the way the CLI's import does: one ImportStructures client stream.

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "passerelle/v1/registry.grpc.pb.h"

namespace passerelle::bench {

// Streams every structure (rows numbered from 1) and waits for the server's summary. Returns the
// time from opening the stream to the summary; an error if the call fails or any row is not
// created.
absl::StatusOr<absl::Duration> ImportAll(v1::RegistryService::Stub& stub,
                                         const std::vector<v1::Structure>& structures);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_IMPORT_H_
