#include "operator/controller.h"

#include <chrono>
#include <exception>
#include <iostream>

#include "kube/client.h"

namespace wcloud::operator_ {
namespace {

// Like controller-runtime's panic recovery: an exception out of a reconcile is our bug, but one
// odd stored object must not end the process (and, being stored, end it again at every start).
// It fails that key, which is retried with backoff like any failure.
Status ReconcileGuarded(const Controller::Reconcile& reconcile, const std::string& key) {
  try {
    return reconcile(key);
  } catch (const std::exception& e) {
    return Error(std::string("internal error (a bug in wcloud): ") + e.what());
  } catch (...) {
    return Error("internal error (a bug in wcloud): unknown exception");
  }
}

// A write that lost to another writer of the same object (Conflict on a stale resourceVersion):
// the retry reads the object again. Routine, so not worth a log line.
bool LostARace(const Error& e) { return kube::IsConflict(e); }

}  // namespace

Controller::Controller(std::string name, Reconcile reconcile, ControllerMetrics* metrics,
                       int workers)
    : name_(std::move(name)),
      reconcile_(std::move(reconcile)),
      workers_(workers),
      queue_(name_, metrics ? &metrics->queues() : nullptr) {
  if (metrics) {
    metrics_.emplace(metrics->For(name_));
    metrics_->max_concurrent_reconciles.Set(workers_);
  }
}

void Controller::EnqueueAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (metrics_) {
    MutexLock lock(mu_);
    if (reconciling_.count(key)) requeued_after_.insert(key);
  }
  queue_.AddAfter(key, delay);
}

void Controller::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Controller::Work() {
  while (auto key = queue_.Get()) {
    if (metrics_) {
      metrics_->active_workers.Increment();
      MutexLock lock(mu_);
      reconciling_.insert(*key);
    }
    const auto start = std::chrono::steady_clock::now();
    Status s = ReconcileGuarded(reconcile_, *key);
    if (metrics_) {
      Record(*key, static_cast<bool>(s),
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (s) {
      queue_.Forget(*key);
    } else {
      if (!LostARace(s.error())) {
        std::cerr << "wcloud: " << name_ << " " << *key << ": " << s.error().message() << "\n";
      }
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

// controller-runtime's results: "error" for a failed reconcile (retried with backoff),
// "requeue_after" for one that scheduled itself again, "success" otherwise.
void Controller::Record(const std::string& key, bool ok, double seconds) {
  bool requeued_after;
  {
    MutexLock lock(mu_);
    reconciling_.erase(key);
    requeued_after = requeued_after_.erase(key) > 0;
  }
  metrics_->time.Observe(seconds);
  metrics_->active_workers.Decrement();
  if (!ok) {
    metrics_->error.Increment();
    metrics_->errors.Increment();
  } else if (requeued_after) {
    metrics_->requeue_after.Increment();
  } else {
    metrics_->success.Increment();
  }
}

void Controller::Stop() {
  queue_.ShutDown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace wcloud::operator_
