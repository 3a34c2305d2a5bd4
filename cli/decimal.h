#ifndef PASSERELLE_CLI_DECIMAL_H_
#define PASSERELLE_CLI_DECIMAL_H_

// Exact decimals written from the integers Passerelle keeps — cents, hundredths of an hour, basis
// points (hundredths of a percent) — never through floating point, so that a figure reads back to
// the integer it came from.

#include <cstdint>
#include <string>

namespace passerelle::cli {

// How many decimals to write.
enum class Decimals {
  kShortest,  // trailing zeros and a bare point dropped: 123450 → "1234.5", 100 → "1" (JSON
              // numbers)
  kTwo,       // always two: 123450 → "1234.50", 100 → "1.00" (a table's column)
};

// `hundredths` / 100 as an exact decimal: 123456 → "1234.56", 5 → "0.05", -1999 → "-19.99". Every
// int64_t value, the most negative included.
std::string HundredthsDecimal(int64_t hundredths, Decimals decimals);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_DECIMAL_H_
