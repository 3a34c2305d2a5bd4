#ifndef PASSERELLE_CLI_TENDER_DIGEST_H_
#define PASSERELLE_CLI_TENDER_DIGEST_H_

// The weekly newsletter: the digest of every structure for one ISO week, as Markdown files.

#include <cstdint>
#include <string>

#include "grpcpp/support/status.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"

namespace passerelle::cli {

struct DigestRun {
  int64_t structures = 0;    // digests written (one file each)
  int64_t with_notices = 0;  // of which list at least one notice
  int64_t notices = 0;       // notice entries across all digests
};

// Writes DIR/<siret>.md for every structure the node holds, and DIR/index.md listing them (those
// with notices first). Stops at the first failed call or file.
grpc::Status WriteWeeklyDigests(v1::RegistryService::StubInterface& registry,
                                v1::TenderService::StubInterface& tenders, const std::string& week,
                                const std::string& dir, DigestRun* run);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_TENDER_DIGEST_H_
