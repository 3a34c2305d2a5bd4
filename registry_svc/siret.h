#ifndef PASSERELLE_REGISTRY_SVC_SIRET_H_
#define PASSERELLE_REGISTRY_SVC_SIRET_H_

#include <string>
#include "absl/strings/string_view.h"

namespace passerelle::registry {

// Why a SIRET is refused; empty when it is valid. A SIRET is 14 digits whose Luhn sum is a multiple of 10,
// except La Poste's establishments (SIREN 356000000), whose digit sum is a multiple of 5 instead.
std::string SiretProblem(absl::string_view siret);

inline bool IsValidSiret(absl::string_view siret) { return SiretProblem(siret).empty(); }

// The Luhn check digit that makes `first13 + digit` a valid SIRET (first13 must be 13 digits).
char LuhnCheckDigit(absl::string_view first13);

}  // namespace passerelle::registry

#endif  // PASSERELLE_REGISTRY_SVC_SIRET_H_
