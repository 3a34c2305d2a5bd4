#include "cli/decimal.h"

#include "absl/strings/str_cat.h"

namespace passerelle::cli {

std::string HundredthsDecimal(int64_t hundredths, Decimals decimals) {
  // Unsigned, so that the magnitude of the most negative value is representable.
  const uint64_t magnitude =
      hundredths < 0 ? 0 - static_cast<uint64_t>(hundredths) : static_cast<uint64_t>(hundredths);
  std::string text = absl::StrCat(hundredths < 0 ? "-" : "", magnitude / 100);
  const uint64_t fraction = magnitude % 100;
  if (decimals == Decimals::kTwo) {
    absl::StrAppend(&text, ".", fraction / 10, fraction % 10);
    return text;
  }
  if (fraction != 0) absl::StrAppend(&text, ".", fraction / 10);
  if (fraction % 10 != 0) absl::StrAppend(&text, fraction % 10);
  return text;
}

}  // namespace passerelle::cli
