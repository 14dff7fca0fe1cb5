#include "operator/controller.h"

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

void Controller::Start() {
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this] {
      while (auto key = queue_.Get()) {
        Status s = ReconcileGuarded(reconcile_, *key);
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
    });
  }
}

void Controller::Stop() {
  queue_.ShutDown();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace wcloud::operator_
