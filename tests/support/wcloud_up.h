// `wcloud up` as a child process on a free port with its own data dir, plus kubectl against it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace wcloud::testing {

class WcloudUp {
 public:
  // Starts (or restarts on the same data dir and port) the server; check ok().
  WcloudUp();
  bool Start();
  void Stop(int signal);

  bool ok() const { return running_; }
  std::string Log() const { return server_ ? server_->Log() : ""; }
  const std::filesystem::path& data_dir() const { return dir_.path(); }
  std::string kubeconfig() const { return (dir_.path() / "kubeconfig").string(); }
  int port() const { return port_; }
  pid_t pid() const { return server_ ? server_->pid() : -1; }

  // kubectl with our kubeconfig.
  CommandResult Kubectl(std::vector<std::string> args, const std::string& input = "") const;

 private:
  TempDir dir_;
  int port_;
  bool running_ = false;
  std::unique_ptr<Subprocess> server_;
};

}  // namespace wcloud::testing
