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

TEST(Controller, RecordsControllerRuntimeMetricsByResult) {
  metrics::Registry registry;
  ControllerMetrics metrics(registry);
  std::atomic<int> bad_calls = 0;
  std::atomic<int> done = 0;
  Controller controller(
      "test",
      [&](const std::string& key) -> Status {
        ++done;
        if (key == "bad" && ++bad_calls == 1) return Error("failed once");
        if (key == "poll") controller.EnqueueAfter(key, std::chrono::hours(1));
        return Ok();
      },
      &metrics);
  controller.Start();
  controller.Enqueue("good");
  controller.Enqueue("bad");
  controller.Enqueue("poll");
  for (int i = 0; i < 500 && done < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  controller.Stop();
  ASSERT_EQ(done, 4);

  ControllerMetrics::Controller series = metrics.For("test");
  EXPECT_EQ(series.success.Value(), 2);  // good, and bad's retry
  EXPECT_EQ(series.error.Value(), 1);
  EXPECT_EQ(series.errors.Value(), 1);
  EXPECT_EQ(series.requeue_after.Value(), 1);
  EXPECT_EQ(series.requeue.Value(), 0);
  EXPECT_EQ(series.time.Collect().histogram.sample_count, 4u);
  EXPECT_EQ(series.active_workers.Value(), 0);
  EXPECT_EQ(series.max_concurrent_reconciles.Value(), 1);
  // The queue's series carry the controller's name.
  kube::WorkQueueMetrics::Queue queue = metrics.queues().For("test");
  EXPECT_EQ(queue.adds.Value(), 4);  // three keys, and bad's retry
  EXPECT_EQ(queue.depth.Value(), 0);
  EXPECT_EQ(queue.retries.Value(), 2);  // the rate-limited retry, and the poll's delayed add
  const std::string text = registry.Scrape();
  EXPECT_NE(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"error\"} 1"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace wcloud::operator_
