#ifndef PASSERELLE_COMMON_RUNTIME_H_
#define PASSERELLE_COMMON_RUNTIME_H_

namespace passerelle::common {

// Process-wide settings for the servers' main(), before any thread starts. Debian's Abseil is
// built without NDEBUG, so every absl::Mutex acquisition is checked for lock-order cycles through
// one process-wide graph under a global lock: a cost on every lock and a point of contention
// between threads. The server binaries built with NDEBUG turn the check off; in-process tests,
// which do not call this, keep it.
void ConfigureServerProcess();

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_RUNTIME_H_
