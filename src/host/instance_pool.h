// Instances of one component for one worker thread (one Store). With no pool settings every
// request gets a fresh instance (WASI 0.2 semantics: a componentize-js component fails on a
// reused one): a used instance is reset to its state right after instantiation, which is a copy
// of its memory instead of a new instantiation, and one that cannot be reset is replaced by a
// new one. With pool_size, that many are kept warm and reused; max_invocations retires an
// instance after that many uses. Single-threaded by design: the worker owns it, so acquiring
// and releasing take no lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "component/component_instance.h"
#include "component/instance_data.h"
#include "host/host_metrics.h"
#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::host {

struct PoolOptions {
  uint32_t pool_size = 0;        // 0: a fresh instance per use
  uint32_t max_invocations = 0;  // 0: unlimited (pooled instances only)
  // Pooled instances unused this long are dropped, down to none; the next use refills.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  // Each linear memory of an instance grows at most this far (memoryLimitMb); unset: the
  // store's own cap.
  std::optional<uint64_t> max_memory_bytes = {};
};

// The per-instance host state (WASI, HTTP, ...), made for each new instance.
using InstanceDataFactory = std::function<Result<std::unique_ptr<component::InstanceData>>()>;

class InstancePool {
 public:
  using Clock = std::chrono::steady_clock;

  // `metrics` (may be null) counts this pool's instances with its component's other pools.
  InstancePool(std::shared_ptr<const component::InstancePre> pre, wasm::Store& store,
               PoolOptions options, InstanceDataFactory make_data,
               std::shared_ptr<ComponentMetrics> metrics = nullptr);
  ~InstancePool();
  InstancePool(const InstancePool&) = delete;
  InstancePool& operator=(const InstancePool&) = delete;

  class Lease {
   public:
    component::ComponentInstance& instance() { return *instance_; }
    uint32_t invocations() const { return invocations_; }
    // The export the pool's user calls, once it looked it up in this instance: kept with the
    // instance across uses (and resets), so the lookup by name happens once per instance.
    const component::ExportedFunc* entry() const { return entry_; }
    void set_entry(const component::ExportedFunc* entry) { entry_ = entry; }

   private:
    friend class InstancePool;
    std::unique_ptr<component::ComponentInstance> instance_;
    const component::ExportedFunc* entry_ = nullptr;
    uint32_t invocations_ = 0;  // uses before this one
    Clock::time_point last_used_;
    size_t memory_bytes_ = 0;  // at creation, when the pool has metrics
  };

  // A warm instance when one is idle, otherwise a new one.
  Result<Lease> Acquire();
  // Back to the pool unless it is fresh-per-use, poisoned (a trap or a deadline), `discard`
  // was asked, it reached max_invocations, or the pool is full.
  void Release(Lease lease, bool discard = false);
  // Instantiates until pool_size instances are idle; the first error stops it.
  Status Prewarm();
  // Drops idle instances not used for idle_timeout; returns how many.
  size_t ReclaimIdle(Clock::time_point now = Clock::now());

  size_t idle() const { return idle_.size(); }
  uint64_t instantiated() const { return instantiated_; }
  uint64_t resets() const { return resets_; }
  const PoolOptions& options() const { return options_; }

 private:
  Result<Lease> NewLease();
  bool fresh_per_use() const { return options_.pool_size == 0; }
  // Fresh-per-use: `lease` reset and kept for the next use, or false when it must go.
  bool ResetForReuse(Lease& lease);

  std::shared_ptr<const component::InstancePre> pre_;
  wasm::Store& store_;
  PoolOptions options_;
  InstanceDataFactory make_data_;
  std::shared_ptr<ComponentMetrics> metrics_;
  // Most recently used at the back. A vector: a deque frees and allocates a block whenever
  // its one element crosses a block boundary, which with a pop and a push per request is
  // every request; the rare removals from the front move a handful of pointers.
  std::vector<Lease> idle_;
  uint64_t instantiated_ = 0;
  uint64_t resets_ = 0;
  // Resets that failed in a row (a guest growing its memory on every request): past a few, new
  // instances are no longer made resettable, which saves copying their memory.
  uint32_t failed_resets_ = 0;
};

}  // namespace wcloud::host
