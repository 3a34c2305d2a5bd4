#ifndef PASSERELLE_BENCH_REPORT_H_
#define PASSERELLE_BENCH_REPORT_H_

// How benchmark programs report: one figure per line on standard output as
//   BENCH <name> <value> <unit>
// (names snake_case, no spaces anywhere in name or unit), which is all a caller of bench/run needs
// to parse. Anything else a program prints is commentary, on lines that start with "#".

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace passerelle::bench {

void PrintBench(absl::string_view name, double value, absl::string_view unit);

// A "# ..." line: context for a human reader (goals, what a figure measured), never a result.
void PrintNote(absl::string_view text);

// A load driver's main(): parses the flags, runs `run`, and turns a failure into a message and exit code 1.
int DriverMain(int argc, char** argv, absl::string_view program, absl::Status (*run)());

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_REPORT_H_
