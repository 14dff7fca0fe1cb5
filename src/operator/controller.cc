#include "operator/controller.h"

#include <iostream>

namespace wcloud::operator_ {

void Controller::Start() {
  for (int i = 0; i < workers_; ++i) {
    threads_.emplace_back([this] {
      while (auto key = queue_.Get()) {
        Status s = reconcile_(*key);
        if (s) {
          queue_.Forget(*key);
        } else {
          std::cerr << "wcloud: " << name_ << " " << *key << ": " << s.error().message() << "\n";
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
