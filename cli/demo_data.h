#ifndef PASSERELLE_CLI_DEMO_DATA_H_
#define PASSERELLE_CLI_DEMO_DATA_H_

#include <cstdint>
#include <random>
#include <vector>

#include "passerelle/v1/registry.pb.h"

namespace passerelle::cli {

// Synthetic but plausible structures of the Île-de-France SSE ecosystem, for demos and benchmarks.
//
// The same seed always yields the same sequence. Within one generator every SIRET is valid (Luhn;
// the SIREN is Luhn-valid too, and La Poste's SIREN never appears) and distinct, for up to 10^8
// structures. Departments lean toward 93, 75, 92 and 94; legal form, SSE status and inclusion kind
// agree with one another (an ACI or an AI is an association, an EI or ETTI a company); size class
// agrees with head count (TPE < 10, PME < 250) and turnover with size class. Only fields a client
// may set are filled. Not thread-safe.
class StructureGenerator {
 public:
  explicit StructureGenerator(uint64_t seed);

  v1::Structure Next();

 private:
  std::mt19937_64 rng_;
  uint64_t siren_offset_;  // from the seed, so that two seeds give different SIRETs
  uint64_t index_ = 0;     // structures generated so far
};

// The first `count` structures of StructureGenerator(seed).
std::vector<v1::Structure> GenerateStructures(int count, uint64_t seed);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DEMO_DATA_H_
