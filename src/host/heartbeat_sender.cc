#include "host/heartbeat_sender.h"

namespace wcloud::host {

HeartbeatSender::HeartbeatSender(Source source, Sink sink, std::chrono::milliseconds interval)
    : source_(std::move(source)), sink_(std::move(sink)), interval_(interval) {}

HeartbeatSender::~HeartbeatSender() { Stop(); }

Status HeartbeatSender::SendNow() { return sink_(source_()); }

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
