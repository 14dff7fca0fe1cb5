// The loop every controller runs: informer events enqueue object keys, workers take keys from a
// rate-limited work queue and reconcile them; a failed reconcile is retried with backoff.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/work_queue.h"
#include "operator/controller_metrics.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::operator_ {

class Controller {
 public:
  using Reconcile = std::function<Status(const std::string& key)>;

  Controller(std::string name, Reconcile reconcile, int workers = 1)
      : Controller(std::move(name), std::move(reconcile), nullptr, workers) {}
  // Records controller-runtime's metrics and its queue's into `metrics` when given.
  Controller(std::string name, Reconcile reconcile, ControllerMetrics* metrics, int workers = 1);
  ~Controller() { Stop(); }
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  void Enqueue(const std::string& key) { queue_.Add(key); }
  // Called by a reconcile for its own key, this is its result "requeue_after".
  void EnqueueAfter(const std::string& key, std::chrono::milliseconds delay);
  void Start();
  void Stop();
  const std::string& name() const { return name_; }

 private:
  void Work();
  void Record(const std::string& key, bool ok, double seconds);

  std::string name_;
  Reconcile reconcile_;
  int workers_;
  kube::WorkQueue queue_;
  std::optional<ControllerMetrics::Controller> metrics_;
  Mutex mu_;
  // With metrics only: keys being reconciled, and those whose reconcile called EnqueueAfter.
  std::set<std::string> reconciling_ GUARDED_BY(mu_);
  std::set<std::string> requeued_after_ GUARDED_BY(mu_);
  std::vector<std::thread> threads_;
};

}  // namespace wcloud::operator_
