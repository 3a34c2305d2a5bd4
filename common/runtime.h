#ifndef PASSERELLE_COMMON_RUNTIME_H_
#define PASSERELLE_COMMON_RUNTIME_H_

#include "grpcpp/server_builder.h"

namespace passerelle::common {

// Process-wide settings for the servers' main(), before any thread starts. Debian's Abseil is
// built without NDEBUG, so every absl::Mutex acquisition is checked for lock-order cycles through
// one process-wide graph under a global lock: a cost on every lock and a point of contention
// between threads. The server binaries built with NDEBUG turn the check off; in-process tests,
// which do not call this, keep it.
void ConfigureServerProcess();

// How a synchronous gRPC server keeps its threads; every server binary (the node, the raw baseline
// it is measured against) builds with it. gRPC's defaults keep at most two idle polling threads, so
// under concurrent calls a call that finds none starts a thread and one that finishes while two are
// idle ends its own: a thread created and torn down per call, which cost more CPU than the node's
// own work for a CreateStructure at 16 calls in flight. Idle threads instead stay polling, up to
// 64, and wake once a second rather than every 10 ms.
void ConfigureSyncServer(grpc::ServerBuilder* builder);

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_RUNTIME_H_
