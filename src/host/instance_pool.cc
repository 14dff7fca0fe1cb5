#include "host/instance_pool.h"

namespace wcloud::host {
namespace {
// Reset instances kept per pool in fresh-per-use mode: a worker runs one request at a time, so
// one is enough (each costs its memory twice: the live one and the saved image).
constexpr size_t kFreshKept = 1;
constexpr uint32_t kMaxFailedResets = 3;
// Dropping an instance with more linear memory than this gives it back to the system at once.
constexpr size_t kLargeMemoryBytes = size_t{64} << 20;
}  // namespace

InstancePool::InstancePool(std::shared_ptr<const component::InstancePre> pre, wasm::Store& store,
                           PoolOptions options, InstanceDataFactory make_data,
                           std::shared_ptr<ComponentMetrics> metrics)
    : pre_(std::move(pre)),
      store_(store),
      options_(options),
      make_data_(std::move(make_data)),
      metrics_(std::move(metrics)) {}

InstancePool::~InstancePool() {
  if (!metrics_) return;
  for (Lease& lease : idle_) {
    metrics_->IdleTaken();
    metrics_->InstanceDropped(lease.memory_bytes_, /*used=*/false);
  }
}

Result<InstancePool::Lease> InstancePool::NewLease() {
  const Clock::time_point start = metrics_ ? Clock::now() : Clock::time_point();
  std::unique_ptr<component::InstanceData> data;
  if (make_data_) {
    WCLOUD_ASSIGN_OR_RETURN(data, make_data_());
  }
  component::InstantiateOptions instantiate;
  instantiate.resettable =
      fresh_per_use() && pre_->resettable() && failed_resets_ < kMaxFailedResets;
  // The store serves other components too: the cap is this pool's for this instantiation only.
  store_.SetMemoryLimit(options_.max_memory_bytes);
  auto instantiated = pre_->Instantiate(store_, std::move(data), instantiate);
  store_.SetMemoryLimit(std::nullopt);
  WCLOUD_ASSIGN_OR_RETURN(auto instance, std::move(instantiated));
  ++instantiated_;
  Lease lease;
  lease.instance_ = std::move(instance);
  if (metrics_) {
    lease.memory_bytes_ = lease.instance_->memory_bytes();
    metrics_->InstanceCreated(Clock::now() - start, lease.memory_bytes_);
  }
  return lease;
}

Result<InstancePool::Lease> InstancePool::Acquire() {
  if (!idle_.empty()) {
    // The most recently used one: its memory is likeliest to be in cache.
    Lease lease = std::move(idle_.back());
    idle_.pop_back();
    if (metrics_) metrics_->IdleTaken();
    return lease;
  }
  return NewLease();
}

bool InstancePool::ResetForReuse(Lease& lease) {
  // Not resettable from the start: no point making host state for a Reset that must fail.
  if (idle_.size() >= kFreshKept || !lease.instance_->resettable()) return false;
  std::unique_ptr<component::InstanceData> data;
  if (make_data_) {
    auto made = make_data_();
    if (!made) return false;
    data = std::move(*made);
  }
  if (!lease.instance_->Reset(std::move(data))) {
    ++failed_resets_;
    return false;
  }
  failed_resets_ = 0;
  ++resets_;
  if (metrics_) metrics_->InstanceReset();
  lease.invocations_ = 0;
  return true;
}

void InstancePool::Release(Lease lease, bool discard) {
  ++lease.invocations_;
  bool kept = false;
  if (fresh_per_use()) {
    // A memory that grew cannot be reset: such an instance is dropped.
    kept = !discard && !lease.instance_->poisoned() && ResetForReuse(lease);
  } else {
    const bool retired =
        options_.max_invocations > 0 && lease.invocations_ >= options_.max_invocations;
    kept =
        !discard && !retired && !lease.instance_->poisoned() && idle_.size() < options_.pool_size;
  }
  if (kept) {
    lease.last_used_ = Clock::now();
    idle_.push_back(std::move(lease));
    if (metrics_) metrics_->IdleAdded();
    return;
  }
  if (metrics_) metrics_->InstanceDropped(lease.memory_bytes_, /*used=*/true);
  // The lease and its instance go away here, on the worker's thread. The engine would keep a
  // large memory mapped until it next collects, which a quiet worker may never do.
  const bool large = lease.instance_->memory_bytes() > kLargeMemoryBytes;
  lease.instance_.reset();
  if (large) store_.ReleaseFreedMemory();
}

Status InstancePool::Prewarm() {
  while (idle_.size() < options_.pool_size) {
    WCLOUD_ASSIGN_OR_RETURN(Lease lease, NewLease());
    lease.last_used_ = Clock::now();
    idle_.insert(idle_.begin(), std::move(lease));
    if (metrics_) metrics_->IdleAdded();
  }
  return Ok();
}

size_t InstancePool::ReclaimIdle(Clock::time_point now) {
  // The front holds the least recently used.
  size_t dropped = 0;
  while (dropped < idle_.size() && now - idle_[dropped].last_used_ >= options_.idle_timeout) {
    if (metrics_) {
      metrics_->IdleTaken();
      metrics_->InstanceDropped(idle_[dropped].memory_bytes_, /*used=*/false);
    }
    ++dropped;
  }
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<ptrdiff_t>(dropped));
  return dropped;
}

}  // namespace wcloud::host
