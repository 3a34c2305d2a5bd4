#include "common/log.h"

#include <cstdio>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace passerelle::common {

void LogLine(absl::string_view line) {
  std::string text = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ ", absl::Now(), absl::UTCTimeZone());
  text.append(line.data(), line.size());
  text.push_back('\n');
  // One write per line, so lines from several threads never interleave.
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace passerelle::common
