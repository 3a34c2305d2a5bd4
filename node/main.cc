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
ABSL_FLAG(bool, new_partner, false,
          "this partner joins the mesh with no past: start its own changes at sequence 1 and accept "
          "writes at once (refused on a data folder that already holds the node's state; without it, "
          "a node with peers and no changes of its own takes them back from its peers first)");
ABSL_FLAG(bool, recover_damaged_wal, false,
          "open a write-ahead log damaged before its end up to the damage (RocksDB's point-in-time "
          "recovery), then take the lost changes back from the peers before accepting writes");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "how long in-flight calls may run after SIGTERM before they are cancelled");

using passerelle::common::LogLine;

int main(int argc, char** argv) {
  passerelle::common::ConfigureServerProcess();
  absl::SetProgramUsageMessage(
      "passerelle-node --config=FILE [--new_partner | --recover_damaged_wal]");
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

  passerelle::node::StartOptions start;
  start.new_partner = absl::GetFlag(FLAGS_new_partner);
  start.recover_damaged_wal = absl::GetFlag(FLAGS_recover_damaged_wal);
  absl::StatusOr<std::unique_ptr<passerelle::node::Node>> node =
      passerelle::node::Node::Start(*config, start);
  if (!node.ok()) {
    LogLine(absl::StrCat("passerelle-node: cannot start partner=", config->partner_id(), ": ",
                         node.status().ToString()));
    if (passerelle::store::IsDamagedWal(node.status())) {
      LogLine(absl::StrCat(
          "passerelle-node: to open what is intact and take the lost changes back from the peers "
          "(RocksDB's point-in-time recovery; writes resume once they are back), restart with: "
          "passerelle-node --config=",
          path, " --recover_damaged_wal"));
    }
    return 1;
  }
  LogLine(absl::StrCat(
      "passerelle-node started partner=", (*node)->partner_id(), " address=", (*node)->address(),
      (*node)->development_mode() ? " mode=development (plaintext, loopback only, unsigned)"
                                  : " mode=mtls",
      " own_origin=", (*node)->store().OwnOriginStatus()));

  int signal = 0;
  sigwait(&stop_signals, &signal);
  (*node)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  LogLine(absl::StrCat("passerelle-node stopped partner=", (*node)->partner_id(), " address=",
                       (*node)->address(), " signal=", signal == SIGTERM ? "SIGTERM" : "SIGINT"));
  return 0;
}
