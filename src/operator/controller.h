// The loop every controller runs: informer events enqueue object keys, workers take keys from a
// rate-limited work queue and reconcile them; a failed reconcile is retried with backoff.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kube/work_queue.h"
#include "util/result.h"

namespace wcloud::operator_ {

class Controller {
 public:
  using Reconcile = std::function<Status(const std::string& key)>;

  Controller(std::string name, Reconcile reconcile, int workers = 1)
      : name_(std::move(name)), reconcile_(std::move(reconcile)), workers_(workers) {}
  ~Controller() { Stop(); }
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void Enqueue(const std::string& key) { queue_.Add(key); }
  void EnqueueAfter(const std::string& key, std::chrono::milliseconds delay) {
    queue_.AddAfter(key, delay);
  }
  void Start();
  void Stop();
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  Reconcile reconcile_;
  int workers_;
  kube::WorkQueue queue_;
  std::vector<std::thread> threads_;
};

}  // namespace wcloud::operator_
