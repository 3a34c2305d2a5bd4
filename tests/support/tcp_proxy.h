#ifndef PASSERELLE_TESTS_SUPPORT_TCP_PROXY_H_
#define PASSERELLE_TESTS_SUPPORT_TCP_PROXY_H_

// A network link a test can cut: a TCP proxy on loopback in front of one node. Give its address to
// the clients (e.g. a peer's `peers` entry) instead of the node's, then Cut() and Heal() to
// partition the network without touching either process. Bytes pass through untouched, so mutual
// TLS works end to end: node certificates carry IP SAN 127.0.0.1, which the proxy's address shares.

#include <cstdint>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace passerelle::testing {

class TcpProxy {
 public:
  // Listens on a free 127.0.0.1 port and forwards every connection it accepts to `target`
  // ("127.0.0.1:PORT"), one new connection to the target per accepted one. A connection the target
  // refuses is closed. Aborts the test binary if it cannot listen.
  explicit TcpProxy(std::string target);
  // Closes every connection and stops.
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  // "127.0.0.1:PORT", where the proxy listens.
  const std::string& address() const { return address_; }
  const std::string& target() const { return target_; }

  // The partition: resets every live connection, both sides, and from then on resets each new
  // connection as soon as it is accepted, forwarding nothing. Returns once the live connections are
  // closed. Idempotent.
  void Cut();
  // Forwards new connections again. Returns once in effect. Idempotent.
  void Heal();

  // Connections forwarded to the target so far (refused ones not counted).
  uint64_t forwarded() const;

 private:
  struct Link;
  void Run();
  // Waits until the forwarding thread has acted on every Cut()/Heal() made so far.
  void AwaitApplied(uint64_t request);

  const std::string target_;
  std::string address_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the forwarding thread's poll for a command

  mutable absl::Mutex mu_;
  bool cut_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t requested_ ABSL_GUARDED_BY(mu_) = 0;  // commands issued
  uint64_t applied_ ABSL_GUARDED_BY(mu_) = 0;    // commands the forwarding thread has acted on
  absl::CondVar applied_changed_;
  uint64_t forwarded_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_TCP_PROXY_H_
