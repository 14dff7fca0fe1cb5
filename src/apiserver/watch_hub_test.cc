#include "apiserver/watch_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace wcloud::apiserver {
namespace {

using namespace std::chrono_literals;

// Counts its runs; finishes when told to stop or after `limit` runs.
class Counter : public WatchHub::Task {
 public:
  explicit Counter(int limit = 1 << 30, std::chrono::milliseconds every = 1h)
      : limit_(limit), every_(every) {}
  std::optional<WatchHub::Clock::time_point> Run(bool stopping) override {
    EXPECT_FALSE(inside_.exchange(true)) << "run on two threads at once";
    std::this_thread::sleep_for(100us);
    ++runs;
    if (stopping) ++stopped;
    inside_ = false;
    if (stopping || runs >= limit_) return std::nullopt;
    return WatchHub::Clock::now() + every_;
  }
  std::atomic<int> runs{0};
  std::atomic<int> stopped{0};

 private:
  std::atomic<bool> inside_{false};
  const int limit_;
  const std::chrono::milliseconds every_;
};

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

TEST(WatchHub, RunsATaskWhenAddedWokenAndDue) {
  WatchHub hub(2);
  auto woken = std::make_shared<Counter>();
  auto timed = std::make_shared<Counter>(1 << 30, 20ms);
  hub.Add(woken);
  hub.Add(timed);
  ASSERT_TRUE(Eventually([&] { return woken->runs == 1; }));
  for (int i = 0; i < 50; ++i) hub.Wake(woken.get());
  ASSERT_TRUE(Eventually([&] { return woken->runs >= 2; }));
  EXPECT_LE(woken->runs, 51) << "a wake runs it at most once more";
  EXPECT_TRUE(Eventually([&] { return timed->runs >= 5; })) << "due every 20 ms";
  hub.Stop();
  EXPECT_EQ(woken->stopped, 1) << "told to finish once";
  EXPECT_EQ(timed->stopped, 1);
  EXPECT_EQ(hub.size(), 0u);
}

TEST(WatchHub, AFinishedTaskIsDroppedAndLateWakesAreIgnored) {
  WatchHub hub(1);
  auto once = std::make_shared<Counter>(1);
  const WatchHub::Task* key = once.get();
  hub.Add(once);
  ASSERT_TRUE(Eventually([&] { return hub.size() == 0; }));
  EXPECT_EQ(once.use_count(), 1) << "the hub let go of it";
  hub.Wake(key);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(once->runs, 1);
}

TEST(WatchHub, AThousandTasksOnTwoThreadsEachWokenManyTimes) {
  WatchHub hub(2);
  std::vector<std::shared_ptr<Counter>> tasks;
  for (int i = 0; i < 1000; ++i) {
    tasks.push_back(std::make_shared<Counter>());
    hub.Add(tasks.back());
  }
  // Wakes of a task that is still queued fold into that run: wake them once each has run.
  ASSERT_TRUE(Eventually([&] {
    for (auto& t : tasks) {
      if (t->runs < 1) return false;
    }
    return true;
  }));
  std::vector<std::thread> wakers;
  for (int t = 0; t < 4; ++t) {
    wakers.emplace_back([&] {
      for (int round = 0; round < 5; ++round) {
        for (auto& task : tasks) hub.Wake(task.get());
      }
    });
  }
  for (auto& w : wakers) w.join();
  EXPECT_TRUE(Eventually([&] {
    for (auto& t : tasks) {
      if (t->runs < 2) return false;
    }
    return true;
  }));
  EXPECT_EQ(hub.size(), 1000u);
  hub.Stop();
  for (auto& t : tasks) EXPECT_EQ(t->stopped, 1);
}

TEST(WatchHub, ATaskAddedAfterStopIsFinishedAtOnce) {
  WatchHub hub(1);
  hub.Stop();
  auto late = std::make_shared<Counter>();
  hub.Add(late);
  EXPECT_EQ(late->stopped, 1);
}

}  // namespace
}  // namespace wcloud::apiserver
