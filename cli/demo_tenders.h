#ifndef PASSERELLE_CLI_DEMO_TENDERS_H_
#define PASSERELLE_CLI_DEMO_TENDERS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "passerelle/v1/tender.pb.h"

namespace passerelle::cli {

// Synthetic notices for the next event built on the ESS 2024 model, for demos and benchmarks: valid
// under TenderService's rules (CPV codes with their check digit, weights summing to 100, deadlines
// after the forecast publication in 2029-2030), in the sectors, themes and departments the demo
// structures use, so that matching finds them. Three lots each, some reserved (SIAE, EA/ESAT, SSE).
// The same seed gives the same notices. Not thread-safe.
class TenderGenerator {
 public:
  // Notices are named "<id_prefix>-00001", ... and published by `buyers` in turn (buyers/{id}
  // names).
  TenderGenerator(uint64_t seed, std::vector<std::string> buyers, std::string id_prefix = "t");

  v1::Tender Next();

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> buyers_;
  std::string id_prefix_;
  uint64_t index_ = 0;
};

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DEMO_TENDERS_H_
