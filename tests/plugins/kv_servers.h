// The keyvalue servers the plugin integration tests run: nats-server with JetStream and
// redis-server, each on a free 127.0.0.1 port, restartable on the same port (and, for NATS, the
// same store directory) to test recovery.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/subprocess.h"

namespace wcloud::plugins {

class KvServer {
 public:
  enum class Kind { kNats, kRedis };

  explicit KvServer(Kind kind) : kind_(kind), port_(testing::FreePort()) { Start(); }

  void Start() {
    auto log = dir_.path() / ("server-" + std::to_string(starts_++) + ".log");
    if (kind_ == Kind::kNats) {
      process_ = std::make_unique<testing::Subprocess>(
          std::vector<std::string>{"nats-server", "-js", "-a", "127.0.0.1", "-p",
                                   std::to_string(port_), "-sd", (dir_.path() / "js").string()},
          log);
    } else {
      process_ = std::make_unique<testing::Subprocess>(
          std::vector<std::string>{"redis-server", "--port", std::to_string(port_), "--bind",
                                   "127.0.0.1", "--save", "", "--appendonly", "no"},
          log);
    }
    ASSERT_TRUE(process_->WaitForPort(port_)) << process_->Log();
  }
  // SIGKILL, then reaped.
  void Kill() {
    process_->Kill(SIGKILL);
    process_.reset();
  }

  int port() const { return port_; }
  std::string url() const {
    return std::string(kind_ == Kind::kNats ? "nats" : "redis") +
           "://127.0.0.1:" + std::to_string(port_);
  }
  const char* backend() const { return kind_ == Kind::kNats ? "nats" : "redis"; }

 private:
  Kind kind_;
  int port_;
  int starts_ = 0;
  testing::TempDir dir_;
  std::unique_ptr<testing::Subprocess> process_;
};

// `redis-cli -p PORT ARGS...`'s output without the trailing newline.
inline std::string RedisCli(int port, std::vector<std::string> args) {
  std::vector<std::string> argv{"redis-cli", "-p", std::to_string(port), "--raw"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::RunCommand(argv);
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace wcloud::plugins
