#include "kube/work_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

namespace wcloud::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, DeduplicatesWaitingKeys) {
  WorkQueue q;
  q.Add("a");
  q.Add("b");
  q.Add("a");
  EXPECT_EQ(q.Len(), 2u);
  EXPECT_EQ(q.Get(), "a");
  EXPECT_EQ(q.Get(), "b");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsRequeuedOnDone) {
  WorkQueue q;
  q.Add("a");
  auto key = q.Get();
  ASSERT_EQ(key, "a");
  q.Add("a");  // changed again while a worker holds it
  EXPECT_EQ(q.Len(), 0u) << "must not be handed to a second worker";
  q.Done("a");
  EXPECT_EQ(q.Len(), 1u);
  EXPECT_EQ(q.Get(), "a");
  q.Done("a");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, NeverProcessesAKeyTwiceAtOnce) {
  WorkQueue q;
  std::mutex mu;
  std::map<std::string, int> in_flight;
  std::atomic<int> violations{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.Get()) {
        {
          std::lock_guard lock(mu);
          if (++in_flight[*key] > 1) ++violations;
        }
        std::this_thread::sleep_for(50us);
        {
          std::lock_guard lock(mu);
          --in_flight[*key];
        }
        ++processed;
        q.Done(*key);
      }
    });
  }
  for (int i = 0; i < 5000; ++i) q.Add("key-" + std::to_string(i % 7));
  while (q.Len() > 0) std::this_thread::sleep_for(1ms);
  q.ShutDownWithDrain();
  for (auto& t : workers) t.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GE(processed.load(), 7);
}

uint64_t SampleCount(prometheus::Histogram& h) { return h.Collect().histogram.sample_count; }

TEST(WorkQueueMetricsTest, FollowAddsGetsAndDones) {
  metrics::Registry registry;
  WorkQueueMetrics metrics(registry);
  WorkQueue q("test-controller", &metrics);
  WorkQueueMetrics::Queue series = metrics.For("test-controller");  // the queue's own series

  q.Add("a");
  q.Add("b");
  q.Add("a");  // already waiting: not an add
  EXPECT_EQ(series.adds.Value(), 2);
  EXPECT_EQ(series.depth.Value(), 2);
  ASSERT_EQ(q.Get(), "a");
  EXPECT_EQ(series.depth.Value(), 1);
  EXPECT_EQ(SampleCount(series.queue_duration), 1u);
  EXPECT_EQ(SampleCount(series.work_duration), 0u);

  // While "a" is in processing, a scrape sees it running.
  std::this_thread::sleep_for(5ms);
  const std::string text = registry.Scrape();
  EXPECT_EQ(text.find("workqueue_longest_running_processor_seconds{name=\"test-controller\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_GT(series.unfinished_work.Value(), 0);
  EXPECT_THAT(text, ::testing::HasSubstr("workqueue_adds_total{name=\"test-controller\"} 2"));

  q.Done("a");
  EXPECT_EQ(SampleCount(series.work_duration), 1u);
  registry.Scrape();
  EXPECT_EQ(series.unfinished_work.Value(), 0);
  EXPECT_EQ(series.longest_running.Value(), 0);

  q.AddRateLimited("c");  // a retry, as client-go counts them
  EXPECT_EQ(series.retries.Value(), 1);
}

TEST(WorkQueueMetricsTest, QueuesAreLabelledByName) {
  metrics::Registry registry;
  WorkQueueMetrics metrics(registry);
  WorkQueue first("first", &metrics);
  WorkQueue second("second", &metrics);
  first.Add("x");
  EXPECT_EQ(metrics.For("first").depth.Value(), 1);
  EXPECT_EQ(metrics.For("second").depth.Value(), 0);
}

TEST(WorkQueueTest, AddAfterDelays) {
  WorkQueue q;
  auto start = Clock::now();
  q.AddAfter("later", 30ms);
  q.Add("now");
  EXPECT_EQ(q.Get(), "now");
  EXPECT_EQ(q.Get(), "later");
  EXPECT_GE(Clock::now() - start, 30ms);
}

TEST(WorkQueueTest, ShutDownWakesGetters) {
  WorkQueue q;
  std::thread t([&] { EXPECT_EQ(q.Get(), std::nullopt); });
  std::this_thread::sleep_for(10ms);
  q.ShutDown();
  t.join();
  q.Add("ignored");
  EXPECT_EQ(q.Len(), 0u);
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForDone) {
  WorkQueue q;
  q.Add("a");
  auto key = q.Get();
  std::atomic<bool> drained{false};
  std::thread t([&] {
    q.ShutDownWithDrain();
    drained = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(drained.load());
  q.Done(*key);
  t.join();
  EXPECT_TRUE(drained.load());
}

TEST(RateLimiterTest, ExponentialBackoffPerItemCappedAndForgotten) {
  ItemExponentialRateLimiter r(5ms, 1s);
  EXPECT_EQ(r.When("a"), 5ms);
  EXPECT_EQ(r.When("a"), 10ms);
  EXPECT_EQ(r.When("a"), 20ms);
  EXPECT_EQ(r.When("b"), 5ms);
  EXPECT_EQ(r.NumRequeues("a"), 3);
  for (int i = 0; i < 100; ++i) r.When("a");
  EXPECT_EQ(r.When("a"), 1s);
  r.Forget("a");
  EXPECT_EQ(r.NumRequeues("a"), 0);
  EXPECT_EQ(r.When("a"), 5ms);
}

TEST(RateLimiterTest, BucketAllowsBurstThenPaces) {
  BucketRateLimiter r(10.0, 3);
  EXPECT_EQ(r.When("x"), Clock::duration::zero());
  EXPECT_EQ(r.When("y"), Clock::duration::zero());
  EXPECT_EQ(r.When("z"), Clock::duration::zero());
  auto d = r.When("w");
  EXPECT_GT(d, 50ms);  // less than 100ms only by the refill during the calls above
  EXPECT_LE(d, 100ms);
}

TEST(RateLimiterTest, DefaultIsMaxOfBoth) {
  auto r = DefaultControllerRateLimiter();
  EXPECT_EQ(r->When("k"), 5ms);
  EXPECT_EQ(r->When("k"), 10ms);
  EXPECT_EQ(r->NumRequeues("k"), 2);
  r->Forget("k");
  EXPECT_EQ(r->NumRequeues("k"), 0);
}

TEST(WorkQueueTest, AddRateLimitedBacksOff) {
  WorkQueue q(std::make_unique<ItemExponentialRateLimiter>(20ms, 1s));
  auto start = Clock::now();
  q.AddRateLimited("k");
  EXPECT_EQ(q.Get(), "k");
  q.Done("k");
  EXPECT_GE(Clock::now() - start, 20ms);
  q.AddRateLimited("k");
  EXPECT_EQ(q.NumRequeues("k"), 2);
  EXPECT_EQ(q.Get(), "k");
  EXPECT_GE(Clock::now() - start, 60ms);
}

}  // namespace
}  // namespace wcloud::kube
