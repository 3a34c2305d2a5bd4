#include "registry_svc/siret.h"

#include "absl/strings/ascii.h"

namespace passerelle::registry {
namespace {

constexpr absl::string_view kLaPosteSiren = "356000000";

// Luhn sum over `digits`, doubling every second digit counted from the right; `rightmost_doubled` says
// whether the rightmost digit is itself doubled (true when computing a check digit still to be appended).
int LuhnSum(absl::string_view digits, bool rightmost_doubled) {
  int sum = 0;
  bool doubled = rightmost_doubled;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (doubled) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    doubled = !doubled;
  }
  return sum;
}

}  // namespace

std::string SiretProblem(absl::string_view siret) {
  if (siret.size() != 14) return "must be exactly 14 digits";
  for (char c : siret) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return "must contain digits only";
  }
  if (siret.substr(0, 9) == kLaPosteSiren) {
    int sum = 0;
    for (char c : siret) sum += c - '0';
    return sum % 5 == 0 ? "" : "fails the La Poste check (digit sum not a multiple of 5)";
  }
  return LuhnSum(siret, false) % 10 == 0 ? "" : "fails the Luhn check";
}

char LuhnCheckDigit(absl::string_view first13) {
  int sum = LuhnSum(first13, true);
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

}  // namespace passerelle::registry
