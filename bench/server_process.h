#ifndef PASSERELLE_BENCH_SERVER_PROCESS_H_
#define PASSERELLE_BENCH_SERVER_PROCESS_H_

// A server measured from outside: passerelle-node or the raw baseline, run as a child process with
// its data in a fresh temporary directory, listening on a free loopback port. The load benchmark
// talks to it only over gRPC and /proc, as a partner's tools would.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "passerelle/v1/config.pb.h"
#include "passerelle/v1/gateway_config.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/test_node.h"

namespace passerelle::bench {

class ServerProcess {
 public:
  // passerelle-node at `binary`, configured with only partner_id, a port-0 listen address and
  // data_dir.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartNode(const std::string& binary);
  // passerelle-node at `binary` configured with `config` (a mesh node: peers, TLS, ...); an empty
  // listen_address becomes 127.0.0.1:0 and an empty data_dir a fresh directory of its own.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartNode(const std::string& binary,
                                                                  v1::NodeConfig config);
  // passerelle-gateway at `binary` configured with `config`.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartGateway(const std::string& binary,
                                                                     const v1::GatewayConfig& config);
  // raw-baseline-server at `binary`.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartRawBaseline(const std::string& binary);

  // Stops the process (see Stop) and removes its data.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // host:port, as the server logged it once listening.
  const std::string& address() const { return address_; }
  pid_t pid() const { return process_->pid(); }

  // ProcStatusBytes of this process.
  int64_t StatusBytes(absl::string_view field) const;

  // CPU time (user + system) the process has used so far, all its threads; zero if it cannot be
  // read.
  absl::Duration CpuTime() const;

  // SIGTERM, then waits for a graceful exit; returns the exit code (128 + signal if killed).
  // Idempotent.
  int Stop();

 private:
  ServerProcess(std::unique_ptr<testing::TempDir> dir, std::vector<std::string> argv);
  // Writes `config` as text format into `dir` and runs `binary --config=` it.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> StartWithConfig(const std::string& binary,
                                                                        std::unique_ptr<testing::TempDir> dir,
                                                                        const google::protobuf::Message& config);
  // Waits for the "started ... address=HOST:PORT" line; an error carries what the process logged.
  absl::Status AwaitStarted();

  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<testing::ChildProcess> process_;
  std::string address_;
  bool stopped_ = false;
  int exit_code_ = 0;
};

// A "<field>: <n> kB" line of /proc/<pid>/status (VmRSS, VmHWM, ...) in bytes; -1 if it cannot be
// read.
int64_t ProcStatusBytes(int pid, absl::string_view field);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_SERVER_PROCESS_H_
