#include "wasi/poll.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "wasm/engine.h"

namespace wcloud::wasi {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(PollTest, ReturnsEveryReadyPollableWithoutWaiting) {
  ReadyPollable ready;
  TimerPollable later(MonotonicNowNs() + 10'000 * kMs);
  Pollable* pollables[] = {&later, &ready, &ready};
  uint64_t start = MonotonicNowNs();
  auto result = Poll(pollables);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(*result, (std::vector<uint32_t>{1, 2}));
  EXPECT_LT(MonotonicNowNs() - start, 1000 * kMs);
}

TEST(PollTest, WaitsForTheEarliestTimer) {
  uint64_t start = MonotonicNowNs();
  TimerPollable soon(start + 50 * kMs);
  TimerPollable late(start + 10'000 * kMs);
  Pollable* pollables[] = {&late, &soon};
  auto result = Poll(pollables);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(*result, (std::vector<uint32_t>{1}));
  uint64_t waited = MonotonicNowNs() - start;
  EXPECT_GE(waited, 50 * kMs);
  EXPECT_LT(waited, 5000 * kMs);
}

TEST(PollTest, WakesForADescriptorBeforeATimer) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdPollable readable(fds[0], POLLIN);
  TimerPollable late(MonotonicNowNs() + 10'000 * kMs);
  EXPECT_FALSE(readable.Ready());
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    ASSERT_EQ(write(fds[1], "x", 1), 1);
  });
  Pollable* pollables[] = {&late, &readable};
  auto result = Poll(pollables);
  writer.join();
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(*result, (std::vector<uint32_t>{1}));
  close(fds[0]);
  close(fds[1]);
}

// A pollable over state another thread changes, woken through a Waker.
class FlagPollable : public Pollable {
 public:
  explicit FlagPollable(std::shared_ptr<Waker> waker) : waker_(std::move(waker)) {}
  bool Ready() override { return set_.load(); }
  WaitSource Source() override { return {waker_->fd(), POLLIN, std::nullopt}; }
  void Set() {
    set_ = true;
    waker_->Notify();
  }

 private:
  std::shared_ptr<Waker> waker_;
  std::atomic<bool> set_{false};
};

TEST(PollTest, WakerWakesAWaitFromAnotherThread) {
  auto waker = Waker::Create();
  ASSERT_TRUE(waker) << waker.error().message();
  FlagPollable flag(*waker);
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    flag.Set();
  });
  EXPECT_TRUE(Block(flag));
  setter.join();
  EXPECT_TRUE(flag.Ready());
  (*waker)->Clear();
}

TEST(PollTest, EmptyListAndWaitsThatCannotEndAreErrors) {
  EXPECT_FALSE(Poll({}));
  class Never : public Pollable {
    bool Ready() override { return false; }
    WaitSource Source() override { return {}; }
  } never;
  auto blocked = Block(never);
  ASSERT_FALSE(blocked);
  EXPECT_NE(blocked.error().message().find("never become ready"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::wasi

namespace wcloud::wasi {
namespace {

TEST(PollTest, ACallDeadlineEndsALongerWait) {
  TimerPollable hour(MonotonicNowNs() + 3600'000'000'000ull);
  const uint64_t start = MonotonicNowNs();
  Status waited = Ok();
  {
    PollDeadlineScope scope(MonotonicNowNs() + 50'000'000ull);
    waited = Block(hour);
  }
  ASSERT_FALSE(waited.has_value());
  EXPECT_EQ(waited.error().code(), wcloud::ErrorCode::kDeadlineExceeded)
      << waited.error().message();
  EXPECT_LT(MonotonicNowNs() - start, 5'000'000'000ull);
  // Outside the scope, a ready pollable is unaffected and an expired timer still fires.
  TimerPollable past(MonotonicNowNs());
  EXPECT_TRUE(Block(past).has_value());
}

TEST(PollTest, AWaitHookRunsOnlyBeforeARealWait) {
  int calls = 0;
  {
    PollWaitHook hook([&calls] { ++calls; });
    ReadyPollable ready;
    ASSERT_TRUE(Block(ready).has_value());
    EXPECT_EQ(calls, 0);
    TimerPollable soon(MonotonicNowNs() + 5 * 1'000'000ull);
    ASSERT_TRUE(Block(soon).has_value());
    EXPECT_GE(calls, 1);
  }
  const int before = calls;
  TimerPollable soon(MonotonicNowNs() + 1'000'000ull);
  ASSERT_TRUE(Block(soon).has_value());
  EXPECT_EQ(calls, before);
}

}  // namespace
}  // namespace wcloud::wasi

namespace wcloud::wasi {
namespace {

TEST(PollTest, ACancelScopeEndsAWaitWhenItsWakerIsNotified) {
  auto waker = Waker::Create();
  ASSERT_TRUE(waker);
  TimerPollable hour(MonotonicNowNs() + 3600'000'000'000ull);
  std::thread stopper([&] { (*waker)->Notify(); });
  Status waited = Ok();
  {
    PollCancelScope scope((*waker)->fd());
    waited = Block(hour);
  }
  stopper.join();
  ASSERT_FALSE(waited.has_value());
  EXPECT_EQ(waited.error().code(), wcloud::ErrorCode::kCancelled) << waited.error().message();
  // Outside the scope the notified waker no longer ends waits.
  TimerPollable soon(MonotonicNowNs() + 1'000'000ull);
  EXPECT_TRUE(Block(soon).has_value());
}

}  // namespace
}  // namespace wcloud::wasi
