// The threads that run guests: each worker owns one Store (one V8 isolate) and the instance
// pools of every component it serves, so a request runs start to end on one thread and pool
// operations take no lock. Requests arrive from the network threads through a queue per worker.
#pragma once

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "host/instance_pool.h"
#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::host {

class Worker {
 public:
  wasm::Store& store() { return *store_; }
  int index() const { return index_; }
  // The pool registered under `key` on this worker, made by `make` on first use. Keys are never
  // reused (a served component's id), so a stale job cannot pick up another component's pool.
  InstancePool& Pool(uint64_t key,
                     const std::function<std::unique_ptr<InstancePool>(wasm::Store&)>& make);
  void DropPool(uint64_t key) { pools_.erase(key); }

 private:
  friend class WorkerPool;
  int index_ = 0;
  std::unique_ptr<wasm::Store> store_;
  std::map<uint64_t, std::unique_ptr<InstancePool>> pools_;
};

// What a worker runs: move-only, so that it can own what it works on (an exchange) and takes
// one allocation, where a std::function would need a copyable capture and a shared_ptr.
class WorkerJob {
 public:
  WorkerJob() = default;
  template <typename F>
  requires std::invocable<F&, Worker&> WorkerJob(F f)
      : impl_(std::make_unique<Impl<F>>(std::move(f))) {}  // NOLINT: a callable
  void operator()(Worker& worker) { impl_->Run(worker); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Run(Worker& worker) = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F f) : f(std::move(f)) {}
    void Run(Worker& worker) override { f(worker); }
    F f;
  };
  std::unique_ptr<Base> impl_;
};

class WorkerPool {
 public:
  using Job = WorkerJob;

  struct Options {
    int threads = 0;  // 0: one per hardware thread
    wasm::StoreOptions store;
    // How often idle pooled instances are looked at for reclaiming.
    std::chrono::milliseconds reclaim_interval{std::chrono::seconds(5)};
  };

  // Starts the threads; each creates its Store on itself (V8 isolates stay on their thread).
  static Result<std::unique_ptr<WorkerPool>> Start(wasm::Engine& engine, Options options);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on the worker with the shortest queue. Thread-safe. False once stopping.
  bool Submit(Job job);
  // Runs `job` once on every worker and waits for all of them (pool setup and teardown).
  void RunOnAll(const std::function<void(Worker&)>& job);
  // Finishes the queued jobs, then joins the threads (stores and pools go with them).
  void Stop();

  int threads() const { return static_cast<int>(slots_.size()); }

 private:
  struct Slot {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Job> jobs;
    size_t load = 0;  // queued + running, read without the lock for placement
    // When the running job started: between equally loaded workers the one that started last
    // gets the job, not one that may be stuck in a long guest call.
    std::chrono::steady_clock::time_point started;
    bool stop = false;
    std::thread thread;
  };
  WorkerPool() = default;
  void Run(Slot& slot, Worker& worker);

  std::vector<std::unique_ptr<Slot>> slots_;
  std::chrono::milliseconds reclaim_interval_{0};
  std::mutex submit_mu_;
  bool stopping_ = false;
};

}  // namespace wcloud::host
