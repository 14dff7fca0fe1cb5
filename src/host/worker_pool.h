// The threads that run guests: each worker owns one Store (one V8 isolate) and the instance
// pools of every component it serves, so a request runs start to end on one thread and pool
// operations take no lock. Requests arrive from the network threads through one fair queue
// (fair_queue.h) that free workers take from.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "host/fair_queue.h"
#include "host/instance_pool.h"
#include "util/mutex.h"
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
// one allocation, where a std::function would need a copyable capture and a shared_ptr. A job
// the pool refuses gets its `Reject(Admission)` called, when the callable has one, so that it
// can still answer what it owns; otherwise it is dropped.
class WorkerJob {
 public:
  WorkerJob() = default;
  template <typename F>
  requires std::invocable<F&, Worker&> WorkerJob(F f)
      : impl_(std::make_unique<Impl<F>>(std::move(f))) {}  // NOLINT: a callable
  void operator()(Worker& worker) { impl_->Run(worker); }
  void Reject(Admission why) { impl_->Reject(why); }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Run(Worker& worker) = 0;
    virtual void Reject(Admission why) = 0;
  };
  template <typename F>
  struct Impl final : Base {
    explicit Impl(F f) : f(std::move(f)) {}
    void Run(Worker& worker) override { f(worker); }
    void Reject(Admission why) override {
      if constexpr (requires { f.Reject(why); }) f.Reject(why);
    }
    F f;
  };
  std::unique_ptr<Base> impl_;
};

// The workers and the one queue they take jobs from. Jobs are submitted behind a gate (a served
// component) of a flow (a workload), and FairQueue decides which waiting job a free worker takes
// next: round-robin across workloads, each held to its share of the workers and each component
// to its maxConcurrency, each workload's waiting jobs bounded (fair_queue.h says why). A job is
// bound to a worker only when that worker is free, so no job waits behind a spinning guest while
// another worker could run it.
class WorkerPool {
 public:
  using Job = WorkerJob;

  struct Options {
    int threads = 0;  // 0: one per hardware thread
    wasm::StoreOptions store;
    // How often idle pooled instances are looked at for reclaiming.
    std::chrono::milliseconds reclaim_interval{std::chrono::seconds(5)};
    // Jobs one workload may have waiting for a worker; Submit refuses more (kQueueFull).
    size_t max_queued_per_workload = 1024;
  };

  // Starts the threads; each creates its Store on itself (V8 isolates stay on their thread).
  static Result<std::unique_ptr<WorkerPool>> Start(wasm::Engine& engine, Options options);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Registers gate `id` (unique for the process, e.g. a component's id) in `workload`'s flow;
  // `max_concurrency` 0: no limit of its own.
  void AddGate(uint64_t id, std::string_view workload, uint32_t max_concurrency);
  // Refuses further jobs for `id`; those already queued still run.
  void RemoveGate(uint64_t id);

  // Queues `job` behind gate `id`, for the next free worker FairQueue lets run it. Thread-safe.
  // Anything but kQueued: `job.Reject` was called, on this thread.
  Admission Submit(uint64_t id, Job job);
  // Runs `job` once on every worker, before any queued job, and waits for all of them (pool
  // setup and teardown).
  void RunOnAll(const std::function<void(Worker&)>& job);
  // Finishes the queued jobs, then joins the threads (stores and pools go with them).
  void Stop();

  int threads() const { return static_cast<int>(slots_.size()); }
  // What every worker's Store was made with (its memory cap, for one).
  const wasm::StoreOptions& store_options() const { return store_options_; }

 private:
  // One worker thread. Its state under mu_ is in the pool's vectors, where the analysis can
  // check it.
  struct Slot {
    CondVar cv;
    std::thread thread;
  };
  WorkerPool(int threads, size_t max_queued);
  void Run(int index, Worker& worker);
  // An idle worker, marked woken, or -1.
  int TakeIdle() REQUIRES(mu_);

  std::vector<std::unique_ptr<Slot>> slots_;  // fixed once the threads start
  std::chrono::milliseconds reclaim_interval_{0};
  wasm::StoreOptions store_options_;  // fixed once the threads start
  Mutex mu_;
  FairQueue<Job> queue_ GUARDED_BY(mu_);
  std::vector<std::deque<Job>> own_ GUARDED_BY(mu_);  // RunOnAll's jobs, by worker
  std::vector<char> woken_ GUARDED_BY(mu_);           // by worker: a wake-up is on its way
  std::vector<int> idle_ GUARDED_BY(mu_);             // waiting workers, the latest last
  bool stopping_ GUARDED_BY(mu_) = false;
};

}  // namespace wcloud::host
