#ifndef PASSERELLE_BENCH_IMPORT_H_
#define PASSERELLE_BENCH_IMPORT_H_

// Loading a node the way the CLI's import does: one ImportStructures client stream.

#include <cstddef>
#include <cstdint>
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

// Structure `i` of `structures` (those from `first` on) for a create that must not repeat one: past
// their end, the same structures again under new SIRETs, so that a machine faster than the pool
// was sized for goes on measuring rather than failing on duplicates. The copy is per thread.
const v1::Structure& FreshStructure(const std::vector<v1::Structure>& structures, size_t first,
                                    int64_t i);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_IMPORT_H_
