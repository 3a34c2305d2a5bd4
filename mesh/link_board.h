#ifndef PASSERELLE_MESH_LINK_BOARD_H_
#define PASSERELLE_MESH_LINK_BOARD_H_

// Which peers a node hears from directly at the moment. In a full mesh every peer relays what it
// holds, so without this a change reached a node once from its origin and once more from each other
// peer — three copies in four nodes, two of them received, checked and skipped. Each puller asks
// its peer to leave out the origins that a working direct link already brings, and opens a new
// stream with a shorter list as soon as one of those links fails: relaying stays the fallback that
// lets a node catch up through anyone.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace passerelle::mesh {

class LinkBoard {
 public:
  // Runs when the set of links up changes, other than the listener's own partner's.
  using Listener = std::function<void()>;

  // `partner`'s puller listens; it replaces any listener `partner` had. Listeners run with the
  // board's lock held, so they must not call the board.
  void Listen(const std::string& partner, Listener listener);
  void Unlisten(const std::string& partner);

  // Whether the stream from `partner` is up (it delivered its first message and has not ended).
  void SetUp(const std::string& partner, bool up);

  // The origins a stream from `peer` may leave out: every other partner whose link is up, in order.
  std::vector<std::string> SkippableFor(absl::string_view peer) const;

 private:
  mutable absl::Mutex mu_;
  std::set<std::string, std::less<>> up_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Listener, std::less<>> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_LINK_BOARD_H_
