// Polling for a condition that another process or thread brings about.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace wcloud::testing {

// Whether `done` became true within `timeout`, asked every `every`.
inline bool WaitFor(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30),
                    std::chrono::milliseconds every = std::chrono::milliseconds(25)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(every);
  }
  return done();
}

}  // namespace wcloud::testing
