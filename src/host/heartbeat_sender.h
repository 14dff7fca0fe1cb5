// Sends this host's heartbeat at start and then every interval, to whatever carries it to the
// operator (a function: in-process in `wcloud up`, a NATS publish when distributed). A failed
// send is logged by the caller's sink and retried at the next tick; it never stops the host.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "hostapi/messages.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::host {

class HeartbeatSender {
 public:
  // Builds each heartbeat (HostService::Heartbeat).
  using Source = std::function<hostapi::HostHeartbeat()>;
  using Sink = std::function<Status(const hostapi::HostHeartbeat&)>;

  HeartbeatSender(Source source, Sink sink, std::chrono::milliseconds interval);
  ~HeartbeatSender();
  HeartbeatSender(const HeartbeatSender&) = delete;
  HeartbeatSender& operator=(const HeartbeatSender&) = delete;

  void Start();
  void Stop();
  // Builds and sends one heartbeat now.
  Status SendNow();

 private:
  void Run();

  Source source_;
  Sink sink_;
  std::chrono::milliseconds interval_;
  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace wcloud::host
