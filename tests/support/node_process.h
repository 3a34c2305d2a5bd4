#ifndef PASSERELLE_TESTS_SUPPORT_NODE_PROCESS_H_
#define PASSERELLE_TESTS_SUPPORT_NODE_PROCESS_H_

// A real passerelle-node running as a child process, for tests of what only a process can show: a
// kill -9, a restart on the same data dir, several nodes talking over real sockets. Where
// in-process is enough, use TestNode (tests/support/test_node.h) instead.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/mesh.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/support/child_process.h"

namespace passerelle::testing {

class NodeProcess {
 public:
  // A node run as `binary --config=<config_path>`, not started yet. The test's calls present
  // `client` (cert_file/key_file, trusting ca_file) when given, and go in plaintext otherwise.
  NodeProcess(std::string binary, std::string config_path,
              std::optional<v1::TlsConfig> client = std::nullopt);
  // Kills (SIGKILL) the node if it still runs.
  ~NodeProcess();
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Starts the process and waits until it announces its address ("... started ...
  // address=HOST:PORT"). Fails, with what the node wrote to standard error, if it does not within
  // `timeout`. Also restarts a node that was killed or stopped, on the same config and so the same
  // data dir.
  // `flags` are added to this run's command line (e.g. "--new_partner").
  ::testing::AssertionResult Start(absl::Duration timeout = absl::Seconds(30),
                                   const std::vector<std::string>& flags = {});
  // Runs the node with `flags` and waits for it to exit by itself (a start it refuses); returns its
  // exit code (-1 if it was still running after `timeout`, then killed). Its standard error joins
  // StderrText().
  int RunUntilExit(const std::vector<std::string>& flags,
                   absl::Duration timeout = absl::Seconds(30));
  // kill -9, then reaps the process; returns its exit code (128 + SIGKILL).
  int Kill();
  // SIGTERM, then waits for the graceful shutdown; returns the exit code (0 when it stopped
  // cleanly). Drops channel() first: the node's graceful shutdown waits out its whole grace period
  // (5 s) while any client keeps a connection to it open, so callers should drop stubs and channels
  // of their own as well.
  int Stop();

  bool running() const { return process_ != nullptr; }
  // The address the running node listens on, with the port it bound; empty before the first
  // Start().
  const std::string& address() const { return address_; }
  // The running process. Only while running().
  ChildProcess& process() { return *process_; }
  // Everything the node has written to standard error, over all its runs so far, for failure
  // messages. Reads what the running process has written in the last moment (up to 50 ms), which
  // also keeps it from blocking on a full pipe when a test calls this from time to time.
  std::string StderrText();

  // A channel to the node as started last (a new one after each Start()).
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  std::unique_ptr<v1::RegistryService::Stub> Registry() const;
  std::unique_ptr<v1::MeshService::Stub> Mesh() const;

 private:
  // Keeps what the reaped process wrote to standard error, then forgets the process.
  void Reap();

  const std::string binary_;
  const std::string config_path_;
  const std::optional<v1::TlsConfig> client_;
  std::unique_ptr<ChildProcess> process_;
  std::string earlier_runs_stderr_;  // what the node wrote before it was last killed or stopped
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_NODE_PROCESS_H_
