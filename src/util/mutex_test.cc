#include "util/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace wcloud {
namespace {

bool TryAndRelease(Mutex& mu) {
  if (!mu.try_lock()) return false;
  mu.unlock();
  return true;
}

TEST(MutexLockTest, UnlockLetsOthersInAndLockTakesItBack) {
  Mutex mu;
  MutexLock lock(mu);
  lock.Unlock();
  std::thread other([&] { EXPECT_TRUE(TryAndRelease(mu)); });  // free while unlocked
  other.join();
  lock.Lock();
  std::thread blocked([&] { EXPECT_FALSE(TryAndRelease(mu)); });
  blocked.join();
}

// A second unlock would be undefined behaviour; ThreadSanitizer (the thread_safety test) reports
// it.
TEST(MutexLockTest, AScopeLeftUnlockedDoesNotUnlockAgain) {
  Mutex mu;
  {
    MutexLock lock(mu);
    lock.Unlock();
  }
  EXPECT_TRUE(TryAndRelease(mu));
}

TEST(CondVarTest, WaitUntilReportsTheDeadlineAndWaitSeesTheNotify) {
  Mutex mu;
  CondVar cv;
  bool ready = false;
  {
    MutexLock lock(mu);
    EXPECT_FALSE(cv.WaitUntil(lock, std::chrono::steady_clock::now()));
  }
  std::thread notifier([&] {
    MutexLock lock(mu);
    ready = true;
    cv.notify_all();
  });
  {
    MutexLock lock(mu);
    while (!ready) cv.Wait(lock);
  }
  notifier.join();
  EXPECT_TRUE(ready);
}

}  // namespace
}  // namespace wcloud
