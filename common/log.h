#ifndef PASSERELLE_COMMON_LOG_H_
#define PASSERELLE_COMMON_LOG_H_

#include "absl/strings/string_view.h"

namespace passerelle::common {

// Writes one timestamped line to standard error. Callers log ids, kinds and counts — never record contents,
// which may concern people.
void LogLine(absl::string_view line);

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_LOG_H_
