// `wcloud serve COMPONENT --listen 127.0.0.1:PORT ARGS...` as a subprocess on a free port, for the
// tests that drive the real binary; stopped (SIGTERM) when destroyed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "test_components.h"

namespace wcloud::testing {

class WcloudServe {
 public:
  WcloudServe(const std::string& component, const std::vector<std::string>& args)
      : port_(FreePort()) {
    std::vector<std::string> argv = {WcloudBinary(), "serve", TestComponentPath(component),
                                     "--listen", "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<Subprocess>(argv, dir_.path() / "serve.log");
    ready_ = process_->WaitForPort(port_, std::chrono::seconds(60));
  }

  // Listening, and it said so: "wcloud serve: NAME listening on http://HOST:PORT/".
  bool ready() const {
    const std::string line = "listening on http://127.0.0.1:" + std::to_string(port_) + "/";
    for (int i = 0; ready_ && i < 100; ++i) {
      if (process_->Log().find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  Subprocess& process() { return *process_; }
  std::string Log() const { return process_->Log(); }

 private:
  TempDir dir_;
  int port_;
  std::unique_ptr<Subprocess> process_;
  bool ready_ = false;
};

}  // namespace wcloud::testing
