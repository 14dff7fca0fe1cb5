// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a candidate takes
// the lease when it is free or its holder has not renewed it for leaseDuration (measured on our
// own clock from when we last saw it change, so clock skew between nodes does not matter); the
// leader renews every retryPeriod and steps down when it could not renew for renewDeadline.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "kube/client.h"
#include "util/mutex.h"

namespace wcloud::kube {

class LeaderElector {
 public:
  struct Config {
    std::string lease_namespace = "default";
    std::string lease_name;
    std::string identity;  // unique per candidate process
    std::chrono::milliseconds lease_duration{15000};
    std::chrono::milliseconds renew_deadline{10000};
    std::chrono::milliseconds retry_period{2000};
    std::function<void()> on_started_leading;
    std::function<void()> on_stopped_leading;
  };

  LeaderElector(Client& client, Config config);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void Start();
  // Stops campaigning; a leader releases the lease so another candidate takes over at once.
  void Stop();
  bool IsLeader() const { return leader_.load(); }

 private:
  void Run();
  // One attempt to acquire or renew; true when we hold the lease afterwards.
  bool TryAcquireOrRenew();
  void Release();
  bool SleepFor(std::chrono::milliseconds d);

  Client& client_;
  Config config_;
  std::atomic<bool> leader_{false};
  std::atomic<bool> stop_{false};
  Mutex mu_;  // with cv_, wakes the elector's sleep when stopping
  CondVar cv_;
  std::thread thread_;
  // What we last saw of the lease, and when, on our clock; the elector thread's alone.
  std::string observed_holder_;
  std::string observed_renew_time_;
  std::chrono::steady_clock::time_point observed_at_{};
};

}  // namespace wcloud::kube
