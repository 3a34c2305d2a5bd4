#include "common/runtime.h"

#include "absl/synchronization/mutex.h"

namespace passerelle::common {

void ConfigureServerProcess() {
#ifdef NDEBUG
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
}

}  // namespace passerelle::common
