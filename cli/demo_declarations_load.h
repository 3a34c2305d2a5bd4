#ifndef PASSERELLE_CLI_DEMO_DECLARATIONS_LOAD_H_
#define PASSERELLE_CLI_DEMO_DECLARATIONS_LOAD_H_

// `passerelle demo declarations`: takes a buyer's notices on its node to awarded lots, then submits
// the demo's hour declarations (cli/demo_declarations.h) as contractors would and reviews them as a
// facilitator would. Running it again with the same options changes nothing: notices already
// closed and lots already awarded are kept, a declaration already stored is accepted again without
// a second copy, and one already reviewed is left as it is.

#include <cstdint>
#include <string>

#include "grpcpp/support/status.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"

namespace passerelle::cli {

struct DemoDeclarationsOptions {
  std::string buyer_id;  // whose notices, e.g. "solideo"
  uint64_t seed = 1;
  int count = 1000;           // declarations wanted (fewer when the awards hold fewer)
  int validate_percent = 80;  // of them to validate; 3 % are rejected, the rest left submitted
};

// What a run did.
struct DemoDeclarationsRun {
  int notices = 0;            // the buyer's notices on the node
  int closed = 0;             // published notices this run closed
  int lots_awarded = 0;       // by this run
  int accepted = 0;           // declarations the node holds after the run (re-sent ones included)
  int refused = 0;            // declarations the node refused
  std::string first_refusal;  // why the first refused one was
  int validated = 0;          // by this run
  int rejected = 0;           // by this run
  int already_reviewed = 0;   // by an earlier run
};

// Reads the buyer's notices, closes the published ones and awards their lots (to structures of the
// registry as `registry` lists it; see DemoAwarder), submits the declarations in one
// SubmitDeclarations stream, then validates or rejects each accepted one as planned. Returns the
// first failed call's status (a refused declaration is counted, not a failure).
grpc::Status LoadDemoDeclarations(v1::RegistryService::StubInterface& registry,
                                  v1::TenderService::StubInterface& tenders,
                                  v1::ImpactService::StubInterface& impact,
                                  const DemoDeclarationsOptions& options, DemoDeclarationsRun* run);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DEMO_DECLARATIONS_LOAD_H_
