// Real servers for integration tests: start a program, wait until its port answers, stop it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace wcloud::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  std::string out;
  std::string err;
};

// Runs argv to completion with `input` on stdin and returns what it printed.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "");

// The wcloud binary under test (from WCLOUD_BINARY_DIR, which CTest sets).
std::string WcloudBinary();
// config/samples/ of the source tree (from WCLOUD_SOURCE_DIR, which CTest sets).
std::string SamplesDir();
// The kubectl PATH finds, resolved through symlinks; empty when there is none. The machine's
// kubectl.1.N (one per minor version) sit beside it.
std::filesystem::path DefaultKubectl();

// A free TCP port on 127.0.0.1 (bound, read back, released: racy only against other processes).
int FreePort();

// A directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A child process with stdout/stderr sent to `log_path`; SIGTERM then SIGKILL on destruction.
class Subprocess {
 public:
  Subprocess(std::vector<std::string> argv, std::filesystem::path log_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool running() const;
  // Polls until 127.0.0.1:port accepts connections or the process dies; false on timeout.
  bool WaitForPort(int port, std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  std::string Log() const;
  void Kill(int signal);
  pid_t pid() const { return pid_; }
  // Waits for the process to end: its exit code (-1 when a signal killed it), or nullopt if it
  // is still running at `timeout`.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_path_;
  // Set once waitpid has reaped the process (running() may be the one that does).
  mutable std::optional<int> exit_code_;
};

}  // namespace wcloud::testing
