#ifndef PASSERELLE_CLI_OCDS_EXPORT_H_
#define PASSERELLE_CLI_OCDS_EXPORT_H_

// `passerelle tenders ocds`: the node's notices and awards as an OCDS release package (cli/ocds.h).

#include <cstdint>
#include <string>

#include "cli/ocds.h"
#include "grpcpp/support/status.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"

namespace passerelle::cli {

// Reads every notice the node holds (ListTenders, `page_size` at a time), the names of their buyers
// (ListBuyers) and of the structures holding their awards (GetStructure), and sets `*json` to the
// release package. An organisation the caller may not read, or the node does not hold, is named by
// its id; any other failed call is returned, and `*json` is then left as it was.
grpc::Status ExportOcds(v1::RegistryService::StubInterface& registry,
                        v1::TenderService::StubInterface& tenders, OcdsPublication publication,
                        std::string* json, int32_t page_size = 500);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_OCDS_EXPORT_H_
