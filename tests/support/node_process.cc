#include "tests/support/node_process.h"

#include <signal.h>

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "mesh/identity.h"

namespace passerelle::testing {
namespace {

// What follows "address=" in the node's start line, up to the next space.
std::string AddressIn(const std::string& line) {
  constexpr absl::string_view kKey = "address=";
  const size_t at = line.find(kKey.data(), 0, kKey.size());
  if (at == std::string::npos) return "";
  const size_t begin = at + kKey.size();
  return line.substr(begin, line.find(' ', begin) - begin);
}

// A needle no log line contains: awaiting it reads standard error until the timeout or its end.
constexpr absl::string_view kNeverWritten = "\x01never\x01";

}  // namespace

NodeProcess::NodeProcess(std::string binary, std::string config_path,
                         std::optional<v1::TlsConfig> client)
    : binary_(std::move(binary)),
      config_path_(std::move(config_path)),
      client_(std::move(client)) {}

NodeProcess::~NodeProcess() = default;  // ~ChildProcess kills and reaps

::testing::AssertionResult NodeProcess::Start(absl::Duration timeout,
                                              const std::vector<std::string>& flags) {
  if (running())
    return ::testing::AssertionFailure() << "node " << config_path_ << " is already running";
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (client_) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls =
        mesh::ChannelCredentials(*client_);
    if (!tls.ok())
      return ::testing::AssertionFailure() << "test client credentials: " << tls.status();
    credentials = *std::move(tls);
  }
  std::vector<std::string> argv = {binary_, absl::StrCat("--config=", config_path_)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ChildProcess>(std::move(argv));
  std::optional<std::string> started =
      process_->AwaitStderrLine("passerelle-node started", timeout);
  if (!started || AddressIn(*started).empty()) {
    Kill();
    return ::testing::AssertionFailure()
           << "node " << config_path_ << " did not start within " << absl::FormatDuration(timeout)
           << "; its standard error:\n"
           << earlier_runs_stderr_;
  }
  address_ = AddressIn(*started);
  channel_ = grpc::CreateChannel(address_, credentials);
  return ::testing::AssertionSuccess();
}

int NodeProcess::RunUntilExit(const std::vector<std::string>& flags, absl::Duration timeout) {
  if (running()) return -1;
  std::vector<std::string> argv = {binary_, absl::StrCat("--config=", config_path_)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ChildProcess>(std::move(argv));
  // Standard error closes when the process ends.
  process_->AwaitStderrLine(kNeverWritten, timeout);
  if (process_->stderr_text().find("passerelle-node started") != std::string::npos) {
    Kill();
    return -1;
  }
  const int code = process_->Wait();
  Reap();
  return code;
}

int NodeProcess::Kill() {
  if (!running()) return -1;
  process_->Signal(SIGKILL);
  const int code = process_->Wait();
  Reap();
  return code;
}

int NodeProcess::Stop() {
  if (!running()) return -1;
  channel_
      .reset();  // see the header: an open connection holds the shutdown for its whole grace period
  process_->Signal(SIGTERM);
  // Read standard error up to the last line the node writes, so that it never blocks on a full pipe
  // while shutting down.
  process_->AwaitStderrLine("passerelle-node stopped", absl::Seconds(30));
  const int code = process_->Wait();
  Reap();
  return code;
}

std::string NodeProcess::StderrText() {
  if (!running()) return earlier_runs_stderr_;
  process_->AwaitStderrLine(kNeverWritten, absl::Milliseconds(50));
  return absl::StrCat(earlier_runs_stderr_, process_->stderr_text());
}

void NodeProcess::Reap() {
  // The process is gone: reads up to the end of its standard error, which comes at once.
  process_->AwaitStderrLine(kNeverWritten, absl::Seconds(5));
  absl::StrAppend(&earlier_runs_stderr_, process_->stderr_text());
  process_.reset();
}

std::unique_ptr<v1::RegistryService::Stub> NodeProcess::Registry() const {
  return v1::RegistryService::NewStub(channel_);
}

std::unique_ptr<v1::MeshService::Stub> NodeProcess::Mesh() const {
  return v1::MeshService::NewStub(channel_);
}

}  // namespace passerelle::testing
