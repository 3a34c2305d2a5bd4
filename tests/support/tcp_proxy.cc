#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <list>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace passerelle::testing {
namespace {

constexpr size_t kChunk = 64 * 1024;

[[noreturn]] void Die(const std::string& what) {
  std::perror(what.c_str());
  std::abort();
}

sockaddr_in LoopbackAddress(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

// "HOST:PORT" with an IPv4 host, as the test configs write addresses.
sockaddr_in ParseAddress(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  sockaddr_in address{};
  address.sin_family = AF_INET;
  uint32_t port = 0;
  if (colon == std::string::npos ||
      inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &address.sin_addr) != 1 ||
      !absl::SimpleAtoi(host_port.substr(colon + 1), &port) || port == 0 || port > 65535) {
    std::fprintf(stderr, "TcpProxy: target '%s' is not IPV4:PORT\n", host_port.c_str());
    std::abort();
  }
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

void SetNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Closes with a TCP reset rather than an orderly FIN: the peer learns at once that the link is
// gone.
void Reset(int fd) {
  linger abort_on_close{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  close(fd);
}

}  // namespace

// One forwarded connection: side 0 is the accepted client, side 1 the connection to the target.
// pending[s] holds bytes read from side s not yet written to the other side; a side is read only
// when its pending bytes are gone, which is all the flow control needed.
struct TcpProxy::Link {
  int fd[2];
  std::string pending[2];
  bool open = true;

  // Moves bytes from side `from` to the other side; false when the connection has ended or failed.
  bool Pump(int from) {
    const int to = 1 - from;
    if (pending[from].empty()) {
      char buffer[kChunk];
      const ssize_t n = read(fd[from], buffer, sizeof buffer);
      if (n == 0) return false;
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      pending[from].assign(buffer, static_cast<size_t>(n));
    }
    return Flush(from, to);
  }

  bool Flush(int from, int to) {
    while (!pending[from].empty()) {
      const ssize_t n = send(fd[to], pending[from].data(), pending[from].size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      pending[from].erase(0, static_cast<size_t>(n));
    }
    return true;
  }
};

TcpProxy::TcpProxy(std::string target) : target_(std::move(target)) {
  ParseAddress(target_);  // fail early on a malformed target
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) Die("TcpProxy socket");
  sockaddr_in address = LoopbackAddress(0);
  socklen_t size = sizeof address;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    Die("TcpProxy listen");
  }
  address_ = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) Die("TcpProxy eventfd");
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void TcpProxy::Cut() {
  uint64_t request;
  {
    absl::MutexLock lock(&mu_);
    cut_ = true;
    request = ++requested_;
  }
  AwaitApplied(request);
}

void TcpProxy::Heal() {
  uint64_t request;
  {
    absl::MutexLock lock(&mu_);
    cut_ = false;
    request = ++requested_;
  }
  AwaitApplied(request);
}

uint64_t TcpProxy::forwarded() const {
  absl::MutexLock lock(&mu_);
  return forwarded_;
}

void TcpProxy::AwaitApplied(uint64_t request) {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  absl::MutexLock lock(&mu_);
  while (applied_ < request) applied_changed_.Wait(&mu_);
}

void TcpProxy::Run() {
  const sockaddr_in target = ParseAddress(target_);
  std::list<Link> links;
  auto close_links = [&links] {
    for (Link& link : links) {
      Reset(link.fd[0]);
      Reset(link.fd[1]);
    }
    links.clear();
  };

  while (true) {
    bool cut;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      cut = cut_;
      if (applied_ < requested_) {
        if (cut) close_links();
        applied_ = requested_;
        applied_changed_.SignalAll();
      }
    }

    std::vector<pollfd> polled = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const Link& link : links) {
      for (int side = 0; side < 2; ++side) {
        short events = 0;
        if (link.pending[side].empty()) events |= POLLIN;
        if (!link.pending[1 - side].empty()) events |= POLLOUT;
        polled.push_back({link.fd[side], events, 0});
      }
    }
    if (poll(polled.data(), polled.size(), -1) < 0) {
      if (errno == EINTR) continue;
      Die("TcpProxy poll");
    }
    if (polled[0].revents != 0) {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof count);
    }

    size_t at = 2;
    for (auto link = links.begin(); link != links.end(); at += 2) {
      for (int side = 0; side < 2 && link->open; ++side) {
        const short revents = polled[at + side].revents;
        if (revents & POLLERR) link->open = false;
        if ((revents & POLLOUT) && link->open && !link->Flush(1 - side, side)) link->open = false;
        if ((revents & (POLLIN | POLLHUP)) && link->open && !link->Pump(side)) {
          link->open = false;
        }
      }
      if (link->open) {
        ++link;
      } else {
        // Whatever one side sent before it closed has been passed on as far as the other side would
        // take it.
        close(link->fd[0]);
        close(link->fd[1]);
        link = links.erase(link);
      }
    }

    if (polled[1].revents & POLLIN) {
      int client;
      while ((client = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        if (cut) {
          Reset(client);
          continue;
        }
        const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (server < 0 ||
            connect(server, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
          if (server >= 0) close(server);
          Reset(client);
          continue;
        }
        SetNonBlocking(server);
        links.push_back(Link{{client, server}, {}, true});
        absl::MutexLock lock(&mu_);
        ++forwarded_;
      }
    }
  }
  close_links();
}

}  // namespace passerelle::testing
