#include "host/instance_pool.h"

namespace wcloud::host {

InstancePool::InstancePool(std::shared_ptr<const component::InstancePre> pre, wasm::Store& store,
                           PoolOptions options, InstanceDataFactory make_data)
    : pre_(std::move(pre)), store_(store), options_(options), make_data_(std::move(make_data)) {}

InstancePool::~InstancePool() = default;

Result<InstancePool::Lease> InstancePool::NewLease() {
  std::unique_ptr<component::InstanceData> data;
  if (make_data_) {
    WCLOUD_ASSIGN_OR_RETURN(data, make_data_());
  }
  WCLOUD_ASSIGN_OR_RETURN(auto instance, pre_->Instantiate(store_, std::move(data)));
  ++instantiated_;
  Lease lease;
  lease.instance_ = std::move(instance);
  return lease;
}

Result<InstancePool::Lease> InstancePool::Acquire() {
  if (!idle_.empty()) {
    // The most recently used one: its memory is likeliest to be in cache.
    Lease lease = std::move(idle_.back());
    idle_.pop_back();
    return lease;
  }
  return NewLease();
}

void InstancePool::Release(Lease lease, bool discard) {
  ++lease.invocations_;
  const bool pooled = options_.pool_size > 0;
  const bool retired =
      options_.max_invocations > 0 && lease.invocations_ >= options_.max_invocations;
  if (!pooled || discard || retired || lease.instance_->poisoned() ||
      idle_.size() >= options_.pool_size) {
    return;  // the lease and its instance go away here, on the worker's thread
  }
  lease.last_used_ = Clock::now();
  idle_.push_back(std::move(lease));
}

Status InstancePool::Prewarm() {
  while (idle_.size() < options_.pool_size) {
    WCLOUD_ASSIGN_OR_RETURN(Lease lease, NewLease());
    lease.last_used_ = Clock::now();
    idle_.push_front(std::move(lease));
  }
  return Ok();
}

size_t InstancePool::ReclaimIdle(Clock::time_point now) {
  size_t dropped = 0;
  // The front holds the least recently used.
  while (!idle_.empty() && now - idle_.front().last_used_ >= options_.idle_timeout) {
    idle_.pop_front();
    ++dropped;
  }
  return dropped;
}

}  // namespace wcloud::host
