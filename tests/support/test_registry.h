// A real docker-registry on 127.0.0.1 with htpasswd (Basic) auth, for tests that push and pull.
#pragma once

#include <memory>
#include <string>

#include "support/subprocess.h"

namespace wcloud::testing {

class TestRegistry {
 public:
  // Starts the registry accepting `user`/`password`; check ok() before use.
  TestRegistry(const std::string& user, const std::string& password);

  bool ok() const { return server_ && started_; }
  std::string Log() const { return server_ ? server_->Log() : ""; }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_.path(); }
  void Stop() { server_.reset(); }

 private:
  TempDir dir_;
  int port_ = 0;
  bool started_ = false;
  std::unique_ptr<Subprocess> server_;
};

}  // namespace wcloud::testing
