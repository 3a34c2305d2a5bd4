#include "bench/server_process.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"

namespace passerelle::bench {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(30);
constexpr absl::string_view kAddressField = "address=";

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartNode(const std::string& binary) {
  v1::NodeConfig config;
  config.set_partner_id("bench");
  return StartNode(binary, std::move(config));
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartNode(const std::string& binary,
                                                                        v1::NodeConfig config) {
  auto dir = std::make_unique<testing::TempDir>();
  if (config.listen_address().empty()) config.set_listen_address("127.0.0.1:0");
  if (config.data_dir().empty()) config.set_data_dir(dir->path() + "/data");
  return StartWithConfig(binary, std::move(dir), config);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartGateway(const std::string& binary,
                                                                           const v1::GatewayConfig& config) {
  return StartWithConfig(binary, std::make_unique<testing::TempDir>(), config);
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartWithConfig(
    const std::string& binary, std::unique_ptr<testing::TempDir> dir, const google::protobuf::Message& config) {
  const std::string config_path = dir->path() + "/config.textproto";
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(config, &text)) {
    return absl::InternalError(absl::StrCat("cannot print the ", config.GetDescriptor()->name()));
  }
  std::ofstream(config_path) << text;
  std::unique_ptr<ServerProcess> server(
      new ServerProcess(std::move(dir), {binary, absl::StrCat("--config=", config_path)}));
  if (absl::Status started = server->AwaitStarted(); !started.ok()) return started;
  return server;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::StartRawBaseline(
    const std::string& binary) {
  auto dir = std::make_unique<testing::TempDir>();
  const std::string data = dir->path() + "/data";
  std::unique_ptr<ServerProcess> server(new ServerProcess(
      std::move(dir), {binary, absl::StrCat("--db_dir=", data), "--listen_address=127.0.0.1:0"}));
  if (absl::Status started = server->AwaitStarted(); !started.ok()) return started;
  return server;
}

ServerProcess::ServerProcess(std::unique_ptr<testing::TempDir> dir, std::vector<std::string> argv)
    : dir_(std::move(dir)), process_(std::make_unique<testing::ChildProcess>(std::move(argv))) {}

ServerProcess::~ServerProcess() { Stop(); }

absl::Status ServerProcess::AwaitStarted() {
  std::optional<std::string> line = process_->AwaitStderrLine(" started ", kStartTimeout);
  absl::string_view text = line ? absl::string_view(*line) : absl::string_view();
  size_t at = text.find(kAddressField);
  if (at == absl::string_view::npos) {
    return absl::UnavailableError(
        absl::StrCat("server did not report its address; it logged: ", process_->stderr_text()));
  }
  text.remove_prefix(at + kAddressField.size());
  address_ = std::string(text.substr(0, text.find(' ')));
  return absl::OkStatus();
}

int64_t ServerProcess::StatusBytes(absl::string_view field) const {
  return ProcStatusBytes(pid(), field);
}

int64_t ProcStatusBytes(int pid, absl::string_view field) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  const std::string prefix = absl::StrCat(field, ":");
  for (std::string line; std::getline(status, line);) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, prefix)) continue;
    int64_t kilobytes;
    rest = absl::StripSuffix(absl::StripAsciiWhitespace(rest), " kB");
    return absl::SimpleAtoi(rest, &kilobytes) ? kilobytes * 1024 : -1;
  }
  return -1;
}

absl::Duration ServerProcess::CpuTime() const {
  std::ifstream stat(absl::StrCat("/proc/", pid(), "/stat"));
  std::string line;
  std::getline(stat, line);
  // Fields after the parenthesised command name (which may hold spaces): state is field 3, utime
  // 14, stime 15.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return absl::ZeroDuration();
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(close + 2), ' ', absl::SkipEmpty());
  int64_t user_ticks, system_ticks;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &user_ticks) ||
      !absl::SimpleAtoi(fields[12], &system_ticks)) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(static_cast<double>(user_ticks + system_ticks) /
                       static_cast<double>(sysconf(_SC_CLK_TCK)));
}

int ServerProcess::Stop() {
  if (stopped_) return exit_code_;
  stopped_ = true;
  process_->Signal(SIGTERM);
  exit_code_ = process_->Wait();
  return exit_code_;
}

}  // namespace passerelle::bench
