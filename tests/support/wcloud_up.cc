#include "support/wcloud_up.h"

#include <signal.h>

#include <thread>

namespace wcloud::testing {

WcloudUp::WcloudUp() : port_(FreePort()) { Start(); }

bool WcloudUp::Start() {
  std::filesystem::remove(dir_.path() / "kubeconfig");
  server_ = std::make_unique<Subprocess>(
      std::vector<std::string>{WcloudBinary(), "up", "--data-dir", dir_.path().string(),
                               "--api-listen", "127.0.0.1:" + std::to_string(port_)},
      dir_.path() / "wcloud.log");
  running_ = server_->WaitForPort(port_);
  // Ready when the kubeconfig is written.
  for (int i = 0; running_ && i < 500 && !std::filesystem::exists(kubeconfig()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  running_ = running_ && std::filesystem::exists(kubeconfig());
  return running_;
}

void WcloudUp::Stop(int signal) {
  if (!server_) return;
  server_->Kill(signal);
  server_.reset();
  running_ = false;
}

CommandResult WcloudUp::Kubectl(std::vector<std::string> args, const std::string& input) const {
  args.insert(args.begin(), {"kubectl", "--kubeconfig", kubeconfig(), "--request-timeout=20s"});
  return RunCommand(args, input);
}

}  // namespace wcloud::testing
