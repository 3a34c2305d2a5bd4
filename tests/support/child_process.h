#ifndef PASSERELLE_TESTS_SUPPORT_CHILD_PROCESS_H_
#define PASSERELLE_TESTS_SUPPORT_CHILD_PROCESS_H_

// A program run as a separate process, for the tests that must kill a real node (kill -9) or run several.
// Its standard error is captured line by line so a test can wait for what the process announces (e.g. the
// node's "started ... address=HOST:PORT" line) instead of sleeping.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace passerelle::testing {

class ChildProcess {
 public:
  // Starts `argv[0]` with arguments `argv`; standard output is discarded unless `stdout_path` is given.
  // Aborts the test binary if the process cannot be started.
  explicit ChildProcess(std::vector<std::string> argv, std::string stdout_path = "");
  // Kills (SIGKILL) and reaps the process if it still runs.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // Waits until a line of standard error contains `needle` and returns that line, or nullopt if the
  // process closes standard error or `timeout` passes first.
  std::optional<std::string> AwaitStderrLine(absl::string_view needle, absl::Duration timeout);

  // Sends `signal`; then Wait() reaps the process.
  void Signal(int signal);
  // Waits for the process to end; returns its exit code, or 128 + the signal that killed it.
  int Wait();

  // Everything read from standard error so far (for failure messages).
  const std::string& stderr_text() const { return stderr_text_; }

 private:
  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  std::string stderr_text_;
  size_t scanned_ = 0;  // stderr_text_ before this offset has been matched against line by line
  bool reaped_ = false;
  int exit_code_ = 0;
};

// Runs a program to completion; returns its exit code and, in *output, its standard output.
int RunToCompletion(std::vector<std::string> argv, std::string* output);

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_CHILD_PROCESS_H_
