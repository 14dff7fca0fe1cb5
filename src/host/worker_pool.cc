#include "host/worker_pool.h"

#include <algorithm>
#include <future>
#include <optional>
#include <string>

#include "util/thread_name.h"

namespace wcloud::host {

InstancePool& Worker::Pool(uint64_t key,
                           const std::function<std::unique_ptr<InstancePool>(wasm::Store&)>& make) {
  auto it = pools_.find(key);
  if (it == pools_.end()) it = pools_.emplace(key, make(*store_)).first;
  return *it->second;
}

WorkerPool::WorkerPool(int threads, size_t max_queued)
    : queue_({.slots = threads, .max_queued = max_queued}) {
  MutexLock lock(mu_);
  own_.resize(static_cast<size_t>(threads));
  woken_.resize(static_cast<size_t>(threads));
}

Result<std::unique_ptr<WorkerPool>> WorkerPool::Start(wasm::Engine& engine, Options options) {
  int n = options.threads > 0 ? options.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::unique_ptr<WorkerPool> pool(new WorkerPool(n, options.max_queued_per_workload));
  pool->reclaim_interval_ = options.reclaim_interval;
  pool->store_options_ = options.store;
  // Every slot exists before any thread starts: the threads wake each other through them.
  for (int i = 0; i < n; ++i) pool->slots_.push_back(std::make_unique<Slot>());
  std::vector<std::future<Status>> started;
  for (int i = 0; i < n; ++i) {
    auto promise = std::make_shared<std::promise<Status>>();
    started.push_back(promise->get_future());
    WorkerPool* self = pool.get();
    pool->slots_[i]->thread =
        std::thread([self, i, &engine, store_options = options.store, promise] {
          NameThisThread("wcloud-guest-" + std::to_string(i));
          Worker worker;
          worker.index_ = i;
          auto store = engine.NewStore(store_options);
          if (!store) {
            promise->set_value(store.error());
            return;
          }
          worker.store_ = std::move(*store);
          promise->set_value(Ok());
          self->Run(i, worker);
          // Pools (and their instances) go before the store they live in, on this thread.
          worker.pools_.clear();
          worker.store_.reset();
        });
  }
  for (auto& f : started) {
    Status s = f.get();
    if (!s) {
      pool->Stop();
      return s.error().Wrap("starting a worker thread");
    }
  }
  return pool;
}

WorkerPool::~WorkerPool() { Stop(); }

int WorkerPool::TakeIdle() {
  if (idle_.empty()) return -1;
  const int index = idle_.back();
  idle_.pop_back();
  woken_[static_cast<size_t>(index)] = 1;
  return index;
}

void WorkerPool::Run(int index, Worker& worker) {
  const auto i = static_cast<size_t>(index);
  auto next_reclaim = std::chrono::steady_clock::now() + reclaim_interval_;
  std::optional<FairQueue<Job>::Ticket> finished;  // of the queued job this worker last ran
  for (;;) {
    Job job;
    std::optional<FairQueue<Job>::Ticket> ticket;
    int wake = -1;
    bool reclaim = false;
    {
      MutexLock lock(mu_);
      if (finished) queue_.Done(*finished);
      finished.reset();
      for (;;) {
        if (!own_[i].empty()) {
          job = std::move(own_[i].front());
          own_[i].pop_front();
          break;
        }
        if (auto started = queue_.Pop()) {
          job = std::move(started->job);
          ticket = started->ticket;
          // More may be startable (a limit just lifted): another idle worker looks.
          if (queue_.waiting() > 0) wake = TakeIdle();
          break;
        }
        // What is still queued waits for a running job of its own flow, whose worker takes it.
        if (stopping_) return;
        woken_[i] = 0;
        idle_.push_back(index);
        bool in_time = true;
        while (!woken_[i] && !stopping_ && in_time) {
          in_time = slots_[i]->cv.WaitUntil(lock, next_reclaim);
        }
        if (!woken_[i]) std::erase(idle_, index);
        if (!in_time && !woken_[i]) {
          reclaim = true;
          break;
        }
      }
    }
    if (wake >= 0) slots_[static_cast<size_t>(wake)]->cv.notify_one();
    if (reclaim) {
      for (auto& [key, pool] : worker.pools_) pool->ReclaimIdle();
      next_reclaim = std::chrono::steady_clock::now() + reclaim_interval_;
      continue;
    }
    job(worker);
    finished = ticket;
  }
}

void WorkerPool::AddGate(uint64_t id, std::string_view workload, uint32_t max_concurrency) {
  MutexLock lock(mu_);
  queue_.AddGate(id, workload, max_concurrency);
}

void WorkerPool::RemoveGate(uint64_t id) {
  MutexLock lock(mu_);
  queue_.RemoveGate(id);
}

Admission WorkerPool::Submit(uint64_t id, Job job) {
  Admission admission = Admission::kStopping;
  int wake = -1;
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      admission = queue_.Push(id, job);
      if (admission == Admission::kQueued) wake = TakeIdle();
    }
  }
  if (wake >= 0) slots_[static_cast<size_t>(wake)]->cv.notify_one();
  if (admission != Admission::kQueued) job.Reject(admission);
  return admission;
}

void WorkerPool::RunOnAll(const std::function<void(Worker&)>& job) {
  std::vector<std::future<void>> done;
  for (size_t i = 0; i < slots_.size(); ++i) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    bool wake = false;
    {
      MutexLock lock(mu_);
      if (stopping_) {
        promise->set_value();
        continue;
      }
      own_[i].push_back([&job, promise](Worker& w) {
        job(w);
        promise->set_value();
      });
      if (auto idle = std::find(idle_.begin(), idle_.end(), static_cast<int>(i));
          idle != idle_.end()) {
        idle_.erase(idle);
        woken_[i] = 1;
        wake = true;
      }
    }
    if (wake) slots_[i]->cv.notify_one();
  }
  for (auto& f : done) f.wait();
}

void WorkerPool::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  for (auto& s : slots_) s->cv.notify_one();
  for (auto& s : slots_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

}  // namespace wcloud::host
