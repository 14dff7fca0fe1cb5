// Worker threads with their own stores: jobs run on workers, spread over them, RunOnAll reaches
// every worker, Stop finishes what was queued and refuses more.
#include "host/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
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
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::set<wasm::Store*> stores;
  std::atomic<int> ran{0};
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE((*pool)->Submit([&](Worker& w) {
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
        stores.insert(&w.store());
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      ++ran;
    }));
  }
  (*pool)->Stop();  // drains the queues
  EXPECT_EQ(ran.load(), 300);
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(stores.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  EXPECT_FALSE((*pool)->Submit([](Worker&) {}));
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

}  // namespace
}  // namespace wcloud::host
