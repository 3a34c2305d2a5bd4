#include "mesh/link_board.h"

#include <utility>

namespace passerelle::mesh {

void LinkBoard::Listen(const std::string& partner, Listener listener) {
  absl::MutexLock lock(&mu_);
  listeners_[partner] = std::move(listener);
}

void LinkBoard::Unlisten(const std::string& partner) {
  absl::MutexLock lock(&mu_);
  listeners_.erase(partner);
}

void LinkBoard::SetUp(const std::string& partner, bool up) {
  absl::MutexLock lock(&mu_);
  const bool changed = up ? up_.insert(partner).second : up_.erase(partner) > 0;
  if (!changed) return;
  // Under the lock: a puller unlistens before it goes away, so no listener runs after that.
  for (const auto& [listener_partner, listener] : listeners_) {
    if (listener_partner != partner) listener();
  }
}

std::vector<std::string> LinkBoard::SkippableFor(absl::string_view peer) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const std::string& partner : up_) {
    if (partner != peer) out.push_back(partner);
  }
  return out;
}

}  // namespace passerelle::mesh
