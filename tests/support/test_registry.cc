#include "support/test_registry.h"

#include <cstdlib>
#include <fstream>

namespace wcloud::testing {

TestRegistry::TestRegistry(const std::string& user, const std::string& password) {
  port_ = FreePort();
  auto htpasswd = dir_.path() / "htpasswd";
  std::string cmd = "htpasswd -Bbn '" + user + "' '" + password + "' > " + htpasswd.string();
  if (std::system(cmd.c_str()) != 0) return;
  auto config = dir_.path() / "config.yml";
  std::ofstream(config) << "version: 0.1\nlog: {level: warn}\n"
                        << "storage: {filesystem: {rootdirectory: "
                        << (dir_.path() / "data").string() << "}}\n"
                        << "http: {addr: 127.0.0.1:" << port_ << "}\n"
                        << "auth: {htpasswd: {realm: test, path: " << htpasswd.string() << "}}\n";
  server_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"docker-registry", "serve", config.string()},
      dir_.path() / "registry.log");
  started_ = server_->WaitForPort(port_);
}

}  // namespace wcloud::testing
