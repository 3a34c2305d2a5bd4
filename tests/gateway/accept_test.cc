// The gateway's accept loop out of file descriptors: it neither spins nor stops, and serves again
// once descriptors are free. Its own binary, since it lowers this process's descriptor limit.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/http_client.h"

namespace passerelle::testing {
namespace {

absl::Duration ProcessCpuTime() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return absl::DurationFromTimespec(now);
}

// Holds every descriptor this process may still open but `spare`, under a lowered soft limit;
// restores both on destruction.
class DescriptorExhaustion {
 public:
  explicit DescriptorExhaustion(int spare) {
    // Lowered so that exhausting them is quick whatever the hard limit.
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 4096);
    setrlimit(RLIMIT_NOFILE, &lowered);
    for (int fd; (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) held_.push_back(fd);
    for (int i = 0; i < spare && !held_.empty(); ++i) {
      close(held_.back());
      held_.pop_back();
    }
  }
  ~DescriptorExhaustion() { Release(); }
  void Release() {
    for (int fd : held_) close(fd);
    held_.clear();
    setrlimit(RLIMIT_NOFILE, &saved_);
  }
  size_t held() const { return held_.size(); }

 private:
  rlimit saved_;
  std::vector<int> held_;
};

// A request on a socket made before the descriptors ran out, so that connecting needs none: the
// status line of the reply, or empty when none came within 20 s.
std::string StatusLineOf(int fd, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "";
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return "";
  timeval timeout{20, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string reply;
  char buffer[512];
  while (reply.find("\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<size_t>(n));
  }
  return reply.substr(0, reply.find("\r\n"));
}

TEST(GatewayAccept, OutOfDescriptorsTheGatewayWaitsWithoutSpinningAndServesOnceTheyAreFree) {
  // /healthz needs no node: what is measured is the gateway alone.
  std::unique_ptr<gateway::Gateway> gateway = StartGateway(GatewayConfigFor("127.0.0.1:1"));
  ASSERT_NE(gateway, nullptr);
  ASSERT_EQ(HttpClient(gateway->port()).Call("GET", "/healthz").status, 200);

  const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  DescriptorExhaustion exhaustion(/*spare=*/0);
  ASSERT_GT(exhaustion.held(), 0u);
  // The kernel completes the connection into the listen backlog, and every accept of it fails
  // with EMFILE.
  std::future<std::string> reply =
      std::async(std::launch::async, [&] { return StatusLineOf(client, gateway->port()); });

  // A bounded window of the failing episode, measured: an accept retried at once would burn a
  // whole core over it; backing off from 10 ms costs a handful of failed calls.
  const absl::Duration window = absl::Seconds(1);
  const absl::Duration cpu_before = ProcessCpuTime();
  EXPECT_EQ(reply.wait_for(std::chrono::milliseconds(absl::ToInt64Milliseconds(window))),
            std::future_status::timeout)
      << "answered although no descriptor was free";
  const absl::Duration cpu = ProcessCpuTime() - cpu_before;
  EXPECT_LT(cpu, window / 5) << "the accept loop spun for " << cpu;

  exhaustion.Release();
  // The backoff is at most 1 s: the waiting connection is accepted and answered within it.
  ASSERT_EQ(reply.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(reply.get(), "HTTP/1.1 200 OK");
  close(client);
  EXPECT_EQ(HttpClient(gateway->port()).Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace passerelle::testing
