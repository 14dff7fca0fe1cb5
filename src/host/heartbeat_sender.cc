#include "host/heartbeat_sender.h"

#include <cmath>

namespace wcloud::host {

HeartbeatSender::HeartbeatSender(Heartbeat base, Sink sink, std::chrono::milliseconds interval)
    : base_(std::move(base)), sink_(std::move(sink)), interval_(interval) {
  cpu_.Sample();  // the first sample only sets the baseline
}

HeartbeatSender::~HeartbeatSender() { Stop(); }

Status HeartbeatSender::SendNow() {
  Heartbeat hb = base_;
  hb.system = ReadSystemInfo();
  hb.cpu_usage_percent = static_cast<int32_t>(std::lround(100 * cpu_.Sample()));
  return sink_(hb);
}

void HeartbeatSender::Start() {
  if (thread_.joinable()) return;
  {
    MutexLock lock(mu_);
    stop_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void HeartbeatSender::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void HeartbeatSender::Run() {
  for (;;) {
    {
      MutexLock lock(mu_);
      if (stop_) return;
    }
    (void)SendNow();
    const auto next = std::chrono::steady_clock::now() + interval_;
    MutexLock lock(mu_);
    while (!stop_ && cv_.WaitUntil(lock, next)) {
    }
  }
}

}  // namespace wcloud::host
