// Serving wasi:http components: the ingress server's exchanges go to worker threads, where an
// instance from the component's pool on that worker answers through ServeHttp. A trap is a 500,
// a request past its timeout a 504, and the instance that failed is discarded; nothing else is
// affected. Requests wait for a worker in their workload's queue (WorkerPool, fair_queue.h):
// workloads take turns, none holds every worker, a component runs at most maxConcurrency
// requests at once, and a request finding its workload's queue full is answered at once with
// 503 and Retry-After, the way wasmCloud's and Envoy's overload handling shed load.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "host/guest_failures.h"
#include "host/host_metrics.h"
#include "host/instance_pool.h"
#include "host/worker_pool.h"
#include "ingress/exchange.h"

namespace wcloud::host {

// One component served over HTTP: how to make its instances and how long a request may run.
struct HttpComponent {
  // Unique for the process (NextComponentId): the key of its pools on every worker.
  uint64_t id = 0;
  std::string name;  // for logs
  // Components of one workload share its queue and its share of the workers; empty: `name`.
  std::string workload;
  uint32_t max_concurrency = 0;  // requests running at once (maxConcurrency); 0: no limit
  std::shared_ptr<const component::InstancePre> pre;
  PoolOptions pool;
  // Must attach WASI and wasi:http (AttachWasi, AttachWasiHttp) to each instance's data.
  InstanceDataFactory make_data;
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  // Where its requests and instances are counted; none: not counted.
  std::shared_ptr<ComponentMetrics> metrics;
  // Where its failed requests are counted for the workload's status; none: not counted.
  std::shared_ptr<GuestFailureCounter> failures;
  // Set by HttpService::Forget: a request still queued drops the pool it used afterwards.
  mutable std::atomic<bool> retired{false};
};

// A fresh HttpComponent::id.
uint64_t NextComponentId();

struct HttpServiceStats {
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> guest_failures{0};  // traps, deadlines, no response
  std::atomic<uint64_t> refused{0};         // 503: a full queue, a component gone, stopping
};

class HttpService {
 public:
  explicit HttpService(WorkerPool& workers) : workers_(workers) {}

  // The ingress handler: called on an I/O thread, queues the exchange on a worker.
  void Handle(ingress::Exchange exchange, std::shared_ptr<const HttpComponent> component);

  // Starts taking requests for `component` (its place in its workload's queue) and fills every
  // worker's pool of it up to its pool size (warm instances). Before the first Handle.
  Status Add(const std::shared_ptr<const HttpComponent>& component);
  // Refuses `component`'s further requests and drops its pools on every worker (a workload
  // stopped); requests already queued still run.
  void Forget(const HttpComponent& component);

  const HttpServiceStats& stats() const { return stats_; }

 private:
  struct Job;  // what a request is on a worker
  void Refuse(ingress::Exchange exchange, const HttpComponent& component, Admission why);
  void Run(Worker& worker, ingress::Exchange exchange, const HttpComponent& component,
           std::chrono::steady_clock::time_point arrived);
  void Serve(Worker& worker, InstancePool& pool, ingress::Exchange exchange,
             const HttpComponent& component, std::chrono::steady_clock::time_point arrived);
  // Runs the guest on `exchange` and ends it (the connection may go on with its next request
  // before the instance is released); true when the instance must be discarded. `status` is
  // what the client was answered.
  bool Respond(Worker& worker, component::ComponentInstance& instance,
               const component::ExportedFunc& handle, ingress::Exchange exchange,
               const HttpComponent& component, int& status);

  WorkerPool& workers_;
  HttpServiceStats stats_;
};

}  // namespace wcloud::host
