#include "host/worker_pool.h"

#include <atomic>
#include <future>
#include <string>

#include "util/thread_name.h"

namespace wcloud::host {

InstancePool& Worker::Pool(uint64_t key,
                           const std::function<std::unique_ptr<InstancePool>(wasm::Store&)>& make) {
  auto it = pools_.find(key);
  if (it == pools_.end()) it = pools_.emplace(key, make(*store_)).first;
  return *it->second;
}

Result<std::unique_ptr<WorkerPool>> WorkerPool::Start(wasm::Engine& engine, Options options) {
  std::unique_ptr<WorkerPool> pool(new WorkerPool());
  pool->reclaim_interval_ = options.reclaim_interval;
  int n = options.threads > 0 ? options.threads
                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::future<Status>> started;
  for (int i = 0; i < n; ++i) {
    auto slot = std::make_unique<Slot>();
    auto promise = std::make_shared<std::promise<Status>>();
    started.push_back(promise->get_future());
    Slot* s = slot.get();
    WorkerPool* self = pool.get();
    slot->thread = std::thread([self, s, i, &engine, store_options = options.store, promise] {
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
      self->Run(*s, worker);
      // Pools (and their instances) go before the store they live in, on this thread.
      worker.pools_.clear();
      worker.store_.reset();
    });
    pool->slots_.push_back(std::move(slot));
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

void WorkerPool::Run(Slot& slot, Worker& worker) {
  auto next_reclaim = std::chrono::steady_clock::now() + reclaim_interval_;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(slot.mu);
      if (!slot.cv.wait_until(lock, next_reclaim,
                              [&] { return slot.stop || !slot.jobs.empty(); })) {
        lock.unlock();
        for (auto& [key, pool] : worker.pools_) pool->ReclaimIdle();
        next_reclaim = std::chrono::steady_clock::now() + reclaim_interval_;
        continue;
      }
      if (slot.jobs.empty()) return;  // stopping, and nothing left to do
      job = std::move(slot.jobs.front());
      slot.jobs.pop_front();
      slot.started = std::chrono::steady_clock::now();
    }
    job(worker);
    std::lock_guard lock(slot.mu);
    --slot.load;
  }
}

bool WorkerPool::Submit(Job job) {
  Slot* best = nullptr;
  {
    std::lock_guard lock(submit_mu_);
    if (stopping_ || slots_.empty()) return false;
    size_t best_load = SIZE_MAX;
    std::chrono::steady_clock::time_point best_started;
    for (auto& s : slots_) {
      std::lock_guard slot_lock(s->mu);
      if (s->load < best_load || (s->load == best_load && s->started > best_started)) {
        best_load = s->load;
        best_started = s->started;
        best = s.get();
      }
    }
  }
  {
    std::lock_guard lock(best->mu);
    best->jobs.push_back(std::move(job));
    ++best->load;
  }
  best->cv.notify_one();
  return true;
}

void WorkerPool::RunOnAll(const std::function<void(Worker&)>& job) {
  std::vector<std::future<void>> done;
  for (auto& s : slots_) {
    auto promise = std::make_shared<std::promise<void>>();
    done.push_back(promise->get_future());
    {
      std::lock_guard lock(s->mu);
      if (s->stop) {
        promise->set_value();
        continue;
      }
      s->jobs.push_back([&job, promise](Worker& w) {
        job(w);
        promise->set_value();
      });
      ++s->load;
    }
    s->cv.notify_one();
  }
  for (auto& f : done) f.wait();
}

void WorkerPool::Stop() {
  {
    std::lock_guard lock(submit_mu_);
    stopping_ = true;
  }
  for (auto& s : slots_) {
    {
      std::lock_guard lock(s->mu);
      s->stop = true;
    }
    s->cv.notify_one();
  }
  for (auto& s : slots_) {
    if (s->thread.joinable()) s->thread.join();
  }
}

}  // namespace wcloud::host
