// passerelle-gateway --config=FILE: serves the node's API over HTTP/JSON until SIGTERM or SIGINT.

#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/runtime.h"
#include "gateway/gateway.h"

ABSL_FLAG(std::string, config, "", "text-format passerelle.v1.GatewayConfig");

int main(int argc, char** argv) {
  passerelle::common::ConfigureServerProcess();
  absl::SetProgramUsageMessage("passerelle-gateway --config=FILE");
  absl::ParseCommandLine(argc, argv);
  // Each HTTP client holds a descriptor; the default soft limit of 1024 would refuse the
  // 1,000-and-first.
  rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  // Block the stop signals in every thread (the gateway's start them), then wait for one here.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  absl::StatusOr<passerelle::v1::GatewayConfig> config =
      passerelle::gateway::LoadConfig(absl::GetFlag(FLAGS_config));
  if (!config.ok()) {
    std::fprintf(stderr, "passerelle-gateway: %s\n", config.status().ToString().c_str());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<passerelle::gateway::Gateway>> gateway =
      passerelle::gateway::Gateway::Start(*config);
  if (!gateway.ok()) {
    std::fprintf(stderr, "passerelle-gateway: %s\n", gateway.status().ToString().c_str());
    return 1;
  }
  passerelle::common::LogLine(absl::StrCat("gateway started address=", (*gateway)->address(),
                                           " node=", config->node_address(),
                                           config->has_tls() ? " mtls" : " plaintext"));
  int signal = 0;
  sigwait(&stop, &signal);
  gateway->reset();
  passerelle::common::LogLine("gateway stopped");
  return 0;
}
