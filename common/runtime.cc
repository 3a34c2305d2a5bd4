#include "common/runtime.h"

#include "absl/synchronization/mutex.h"

namespace passerelle::common {
namespace {

constexpr int kMaxIdleServerThreads = 64;

}  // namespace

void ConfigureServerProcess() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

void ConfigureSyncServer(grpc::ServerBuilder* builder) {
  builder->SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                               kMaxIdleServerThreads);
  builder->SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::CQ_TIMEOUT_MSEC, 1000);
}

}  // namespace passerelle::common
