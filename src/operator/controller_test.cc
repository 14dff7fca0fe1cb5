#include "operator/controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace wcloud::operator_ {
namespace {

TEST(Controller, AReconcileThatThrowsFailsItsKeyAndIsRetriedWhileOtherKeysGoOn) {
  std::atomic<int> odd_calls = 0;
  std::atomic<int> good_calls = 0;
  Controller controller("test", [&](const std::string& key) -> Status {
    if (key == "odd") {
      ++odd_calls;
      throw std::runtime_error("type must be string, but is number");
    }
    ++good_calls;
    return Ok();
  });
  controller.Start();
  controller.Enqueue("odd");
  controller.Enqueue("good");
  // The work queue's backoff starts at milliseconds: a few retries come quickly.
  for (int i = 0; i < 500 && (odd_calls < 3 || good_calls < 1); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  controller.Stop();
  EXPECT_GE(odd_calls, 3) << "a throwing reconcile is retried";
  EXPECT_EQ(good_calls, 1);
}

}  // namespace
}  // namespace wcloud::operator_
