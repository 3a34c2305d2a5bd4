#include "tests/support/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace passerelle::testing {
namespace {

[[noreturn]] void Die(const char* what) {
  std::perror(what);
  std::abort();
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::string stdout_path) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) Die("pipe2");
  pid_ = fork();
  if (pid_ < 0) Die("fork");
  if (pid_ == 0) {
    // Only async-signal-safe calls from here to exec.
    dup2(pipe_fds[1], STDERR_FILENO);
    int out = open(stdout_path.empty() ? "/dev/null" : stdout_path.c_str(),
                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) dup2(out, STDOUT_FILENO);
    std::vector<char*> args;
    for (std::string& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  stderr_fd_ = pipe_fds[0];
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    Signal(SIGKILL);
    Wait();
  }
  if (stderr_fd_ >= 0) close(stderr_fd_);
}

std::optional<std::string> ChildProcess::AwaitStderrLine(absl::string_view needle,
                                                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Match complete lines not yet looked at.
    size_t end;
    while ((end = stderr_text_.find('\n', scanned_)) != std::string::npos) {
      std::string line = stderr_text_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(needle.data(), 0, needle.size()) != std::string::npos) return line;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration() || stderr_fd_ < 0) return std::nullopt;
    pollfd p{stderr_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char buffer[4096];
    ssize_t n = read(stderr_fd_, buffer, sizeof buffer);
    if (n <= 0) {
      close(stderr_fd_);
      stderr_fd_ = -1;
      continue;
    }
    stderr_text_.append(buffer, static_cast<size_t>(n));
  }
}

void ChildProcess::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

int ChildProcess::Wait() {
  if (reaped_) return exit_code_;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) Die("waitpid");
  }
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

int RunToCompletion(std::vector<std::string> argv, std::string* output) {
  char path[] = "/tmp/passerelle-run-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) Die("mkstemp");
  close(fd);
  int code;
  {
    ChildProcess process(std::move(argv), path);
    // Drain standard error so the child never blocks on a full pipe.
    process.AwaitStderrLine("\x01never\x01", absl::Minutes(5));
    code = process.Wait();
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  *output = text.str();
  unlink(path);
  return code;
}

}  // namespace passerelle::testing
