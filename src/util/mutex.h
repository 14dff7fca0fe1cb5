// A mutex the thread-safety analysis understands, its scoped lock, and a condition variable that
// waits with that lock. Same semantics and cost as std::mutex and std::lock_guard.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "util/thread_annotations.h"

namespace wcloud {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  // Tells the analysis the caller holds it where it cannot see so (a callback run under it).
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope. Unlock/Lock let a scope run a callback or drop an object outside
// the lock and take it back; the analysis tracks which lines hold it.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_.unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_.lock();
    held_ = true;
  }

 private:
  friend class CondVar;
  Mutex& mu_;
  bool held_ = true;
};

// std::condition_variable over a held MutexLock: waiting releases the mutex and takes it back
// before returning, so to the analysis the lock is held throughout. Wait in a loop on the
// condition (`while (!ready_) cv_.Wait(lock);`), where the analysis sees the lock held.
class CondVar {
 public:
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

  void Wait(MutexLock& lock) {
    std::unique_lock native(lock.mu_.mu_, std::adopt_lock);
    cv_.wait(native);
    native.release();
  }
  // False once `deadline` has passed.
  bool WaitUntil(MutexLock& lock, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock native(lock.mu_.mu_, std::adopt_lock);
    const bool in_time = cv_.wait_until(native, deadline) == std::cv_status::no_timeout;
    native.release();
    return in_time;
  }

 private:
  std::condition_variable cv_;
};

}  // namespace wcloud
