#include "bench/report.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"

namespace passerelle::bench {

void PrintBench(absl::string_view name, double value, absl::string_view unit) {
  // Enough digits to compare runs, no more: rates are whole numbers, latencies and ratios keep 3
  // decimals.
  const double magnitude = std::fabs(value);
  const int decimals = magnitude >= 1000 ? 0 : magnitude >= 10 ? 1 : 3;
  absl::PrintF("BENCH %s %.*f %s\n", name, decimals, value, unit);
  std::fflush(stdout);
}

void PrintNote(absl::string_view text) {
  absl::PrintF("# %s\n", text);
  std::fflush(stdout);
}

int DriverMain(int argc, char** argv, absl::string_view program, absl::Status (*run)()) {
  absl::ParseCommandLine(argc, argv);
  absl::Status status = run();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", std::string(program).c_str(), status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace passerelle::bench
