#include "apiserver/watch_hub.h"

#include "util/thread_name.h"

namespace wcloud::apiserver {

WatchHub::WatchHub(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([this, i] {
      NameThisThread("wcloud-watch-" + std::to_string(i));
      Loop();
    });
  }
}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Add(std::shared_ptr<Task> task) {
  MutexLock lock(mu_);
  if (stopping_) {
    lock.Unlock();
    task->Run(true);  // finishes it; its destructor runs outside the lock
    return;
  }
  const Task* key = task.get();
  Entry& entry = entries_[key];
  entry.task = std::move(task);
  QueueLocked(entry, key);
}

void WatchHub::Wake(const Task* task) {
  MutexLock lock(mu_);
  auto it = entries_.find(task);
  if (it == entries_.end()) return;  // finished already
  if (it->second.running) {
    it->second.rerun = true;
  } else {
    QueueLocked(it->second, task);
  }
}

void WatchHub::QueueLocked(Entry& entry, const Task* key) {
  if (entry.queued) return;
  entry.queued = true;
  ready_.push_back(key);
  cv_.notify_one();
}

void WatchHub::Loop() {
  MutexLock lock(mu_);
  for (;;) {
    const auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      auto [when, key] = *timers_.begin();
      timers_.erase(timers_.begin());
      auto it = entries_.find(key);
      if (it != entries_.end() && it->second.due == when) {
        it->second.due.reset();
        if (!it->second.running) QueueLocked(it->second, key);
      }
    }
    if (!ready_.empty()) {
      const Task* key = ready_.front();
      ready_.pop_front();
      auto it = entries_.find(key);
      if (it == entries_.end()) continue;
      it->second.queued = false;
      it->second.running = true;
      std::shared_ptr<Task> task = it->second.task;
      const bool stopping = stopping_;
      lock.Unlock();
      std::optional<Clock::time_point> next = task->Run(stopping);
      lock.Lock();
      it = entries_.find(key);  // only the thread running an entry erases it
      Entry& entry = it->second;
      entry.running = false;
      if (!next || stopping) {
        // Dropped outside the lock: a task's destructor closes streams whose listeners Wake.
        entries_.erase(it);
        cv_.notify_all();
        lock.Unlock();
        task.reset();
        lock.Lock();
        continue;
      }
      if (entry.rerun || stopping_) {  // stopping_: once more, told to finish
        entry.rerun = false;
        QueueLocked(entry, key);
      } else {
        entry.due = *next;
        timers_.emplace(*next, key);
      }
      continue;
    }
    if (stopping_ && entries_.empty()) return;
    if (timers_.empty()) {
      cv_.Wait(lock);
    } else {
      cv_.WaitUntil(lock, timers_.begin()->first);
    }
  }
}

void WatchHub::Stop() {
  {
    MutexLock lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    for (auto& [key, entry] : entries_) {
      if (entry.running) {
        entry.rerun = true;
      } else {
        QueueLocked(entry, key);
      }
    }
    cv_.notify_all();
  }
  for (auto& t : threads_) t.join();
  threads_.clear();
}

size_t WatchHub::size() const {
  MutexLock lock(mu_);
  return entries_.size();
}

}  // namespace wcloud::apiserver
