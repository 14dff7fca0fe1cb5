// Worker threads with their own stores: jobs run on workers, spread over them, RunOnAll reaches
// every worker, Stop finishes what was queued and refuses more; a workload whose jobs never end
// leaves a worker to another, and refused jobs are told why.
#include "host/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "wasm/v8_engine.h"

namespace wcloud::host {
namespace {

class WorkerPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static wasm::Engine* engine_;
};

wasm::Engine* WorkerPoolTest::engine_ = nullptr;

TEST_F(WorkerPoolTest, JobsRunOnWorkerThreadsWithTheirOwnStores) {
  WorkerPool::Options options;
  options.threads = 3;
  auto pool = WorkerPool::Start(*engine_, options);
  ASSERT_TRUE(pool.has_value()) << pool.error().message();
  (*pool)->AddGate(1, "workload", 0);
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::set<wasm::Store*> stores;
  std::atomic<int> ran{0};
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ((*pool)->Submit(1,
                              [&](Worker& w) {
                                {
                                  std::lock_guard lock(mu);
                                  threads.insert(std::this_thread::get_id());
                                  stores.insert(&w.store());
                                }
                                std::this_thread::sleep_for(std::chrono::microseconds(200));
                                ++ran;
                              }),
              Admission::kQueued);
  }
  (*pool)->Stop();  // drains the queues
  EXPECT_EQ(ran.load(), 300);
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(stores.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  EXPECT_EQ((*pool)->Submit(1, [](Worker&) {}), Admission::kStopping);
}

TEST_F(WorkerPoolTest, RunOnAllReachesEveryWorkerAndWaits) {
  WorkerPool::Options options;
  options.threads = 2;
  auto pool = WorkerPool::Start(*engine_, options);
  ASSERT_TRUE(pool.has_value());
  std::mutex mu;
  std::set<int> seen;
  (*pool)->RunOnAll([&](Worker& w) {
    std::lock_guard lock(mu);
    seen.insert(w.index());
  });
  EXPECT_EQ(seen, (std::set<int>{0, 1}));
}

// A job that never ends (a spinning guest) until the test lets it.
TEST_F(WorkerPoolTest, AWorkloadHoldingItsWorkersLeavesOneForAnother) {
  WorkerPool::Options options;
  options.threads = 2;
  auto pool = WorkerPool::Start(*engine_, options);
  ASSERT_TRUE(pool.has_value());
  (*pool)->AddGate(1, "spinner", 0);
  (*pool)->AddGate(2, "other", 0);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> spinning{0};
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ((*pool)->Submit(1,
                              [&, released](Worker&) {
                                ++spinning;
                                released.wait();
                              }),
              Admission::kQueued);
  }
  std::promise<int> answered;
  ASSERT_EQ((*pool)->Submit(2, [&](Worker& w) { answered.set_value(w.index()); }),
            Admission::kQueued);
  // With one FIFO both workers would hold spinner jobs and this would never be answered.
  auto other = answered.get_future();
  ASSERT_EQ(other.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(spinning.load(), 1) << "two workloads: a spinner gets one of the two workers";
  release.set_value();
  (*pool)->Stop();
  EXPECT_EQ(spinning.load(), 4) << "the spinner's queued jobs run in the end";
}

struct RecordingJob {
  std::vector<Admission>* rejected;
  void operator()(Worker&) {}
  void Reject(Admission why) { rejected->push_back(why); }
};

TEST_F(WorkerPoolTest, RefusedJobsAreToldWhy) {
  WorkerPool::Options options;
  options.threads = 1;
  options.max_queued_per_workload = 1;
  auto pool = WorkerPool::Start(*engine_, options);
  ASSERT_TRUE(pool.has_value());
  std::vector<Admission> rejected;
  EXPECT_EQ((*pool)->Submit(7, RecordingJob{&rejected}), Admission::kUnknownGate);
  (*pool)->AddGate(7, "w", 0);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> running;
  ASSERT_EQ((*pool)->Submit(7,
                            [&, released](Worker&) {
                              running.set_value();
                              released.wait();
                            }),
            Admission::kQueued);
  running.get_future().wait();
  EXPECT_EQ((*pool)->Submit(7, RecordingJob{&rejected}), Admission::kQueued);
  EXPECT_EQ((*pool)->Submit(7, RecordingJob{&rejected}), Admission::kQueueFull);
  (*pool)->RemoveGate(7);
  EXPECT_EQ((*pool)->Submit(7, RecordingJob{&rejected}), Admission::kUnknownGate);
  release.set_value();
  (*pool)->Stop();
  EXPECT_EQ((*pool)->Submit(7, RecordingJob{&rejected}), Admission::kStopping);
  EXPECT_EQ(rejected, (std::vector<Admission>{Admission::kUnknownGate, Admission::kQueueFull,
                                              Admission::kUnknownGate, Admission::kStopping}));
}

}  // namespace
}  // namespace wcloud::host
