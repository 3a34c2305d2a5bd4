// passerelle-node --config=FILE: runs one partner node until SIGTERM or SIGINT.

#include <csignal>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/runtime.h"
#include "node/node.h"

ABSL_FLAG(std::string, config, "", "text-format passerelle.v1.NodeConfig file");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "how long in-flight calls may run after SIGTERM before they are cancelled");

using passerelle::common::LogLine;

int main(int argc, char** argv) {
  passerelle::common::ConfigureServerProcess();
  absl::SetProgramUsageMessage("passerelle-node --config=FILE");
  absl::ParseCommandLine(argc, argv);
  std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) {
    LogLine("passerelle-node: --config=FILE is required");
    return 2;
  }
  absl::StatusOr<passerelle::v1::NodeConfig> config = passerelle::node::LoadConfig(path);
  if (!config.ok()) {
    LogLine(absl::StrCat("passerelle-node: bad config: ", config.status().ToString()));
    return 2;
  }

  // Block the stop signals before gRPC starts its threads, so that they all inherit the mask and
  // only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<passerelle::node::Node>> node =
      passerelle::node::Node::Start(*config);
  if (!node.ok()) {
    LogLine(absl::StrCat("passerelle-node: cannot start partner=", config->partner_id(), ": ",
                         node.status().ToString()));
    return 1;
  }
  LogLine(absl::StrCat(
      "passerelle-node started partner=", (*node)->partner_id(), " address=", (*node)->address(),
      (*node)->development_mode() ? " mode=development (plaintext, loopback only, unsigned)"
                                  : " mode=mtls"));

  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*node)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  LogLine(absl::StrCat("passerelle-node stopped partner=", (*node)->partner_id(), " address=",
                       (*node)->address(), " signal=", signal == SIGTERM ? "SIGTERM" : "SIGINT"));
  return 0;
}
