// A host's metrics per workload component: requests by status class, their latency and how
// many are in flight, the instance pools (instances, idle ones, created, reset, discarded, the
// time an instantiation takes), traps and deadline kills, and the guests' linear memory. Series
// are labelled {namespace, workload, component}; ComponentMetrics resolves them once, so a
// request touches atomics only, and the last holder of a component's metrics going (its
// workload removed) removes its series.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "metrics/atomic_histogram.h"
#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "util/mutex.h"

namespace wcloud::host {

struct ComponentLabels {
  std::string namespace_;
  std::string workload;
  std::string component;
  auto operator<=>(const ComponentLabels&) const = default;
};

class HostMetrics;

// One component's series. Thread-safe: every worker records into it.
class ComponentMetrics {
 public:
  ~ComponentMetrics();
  ComponentMetrics(const ComponentMetrics&) = delete;
  ComponentMetrics& operator=(const ComponentMetrics&) = delete;

  void RequestStarted() { hot_.in_flight.fetch_add(1, std::memory_order_relaxed); }
  // `status` is what the client was answered (a 503 of a full queue too).
  void RequestFinished(int status, std::chrono::steady_clock::duration elapsed);
  void Trapped() { traps_.Increment(); }
  void DeadlineKilled() { deadline_kills_.Increment(); }

  // The instance pools of every worker together.
  void InstanceCreated(std::chrono::steady_clock::duration took, size_t memory_bytes);
  // An instance gone, after a use (`used`) or idle; `memory_bytes` as InstanceCreated had it.
  void InstanceDropped(size_t memory_bytes, bool used);
  void InstanceReset() { hot_.resets.fetch_add(1, std::memory_order_relaxed); }
  void IdleAdded() { hot_.idle.fetch_add(1, std::memory_order_relaxed); }
  void IdleTaken() { hot_.idle.fetch_sub(1, std::memory_order_relaxed); }

 private:
  friend class HostMetrics;
  ComponentMetrics(HostMetrics& host, ComponentLabels labels);
  void Flush();

  // What every request touches, counted in relaxed atomics that share a cache line and handed
  // to the series below at each scrape (Flush), as the histograms are: prometheus-cpp's Counter
  // and Gauge each add with a compare-and-swap loop on a double of their own, a cache line each.
  struct alignas(64) Hot {
    std::atomic<int64_t> in_flight{0};
    std::atomic<int64_t> idle{0};
    std::atomic<uint64_t> requests[4] = {};  // since the last flush: 2xx, 3xx, 4xx, 5xx
    std::atomic<uint64_t> resets{0};         // since the last flush
  };

  Hot hot_;
  HostMetrics& host_;
  const ComponentLabels labels_;
  prometheus::Counter* requests_[4];  // 2xx, 3xx, 4xx, 5xx
  prometheus::Histogram& duration_target_;
  metrics::AtomicHistogram duration_;
  prometheus::Gauge& in_flight_;
  prometheus::Gauge& instances_;
  prometheus::Gauge& idle_;
  prometheus::Counter& created_;
  prometheus::Counter& resets_;
  prometheus::Counter& discarded_;
  prometheus::Histogram& instantiation_target_;
  metrics::AtomicHistogram instantiation_;
  prometheus::Counter& traps_;
  prometheus::Counter& deadline_kills_;
  prometheus::Gauge& memory_;
};

class HostMetrics {
 public:
  explicit HostMetrics(metrics::Registry& registry);
  HostMetrics(const HostMetrics&) = delete;
  HostMetrics& operator=(const HostMetrics&) = delete;

  // The component's series, shared by every holder of the same labels (two revisions of a
  // workload while one replaces the other); removed when the last holder lets go. Everything
  // returned must go before this HostMetrics.
  std::shared_ptr<ComponentMetrics> ForComponent(const ComponentLabels& labels);

 private:
  friend class ComponentMetrics;
  void Release(ComponentMetrics* component);
  void Flush();

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
  prometheus::Family<prometheus::Gauge>& instances_;
  prometheus::Family<prometheus::Gauge>& idle_;
  prometheus::Family<prometheus::Counter>& created_;
  prometheus::Family<prometheus::Counter>& resets_;
  prometheus::Family<prometheus::Counter>& discarded_;
  prometheus::Family<prometheus::Histogram>& instantiation_;
  prometheus::Family<prometheus::Counter>& traps_;
  prometheus::Family<prometheus::Counter>& deadline_kills_;
  prometheus::Family<prometheus::Gauge>& memory_;

  Mutex mu_;
  std::map<ComponentLabels, std::weak_ptr<ComponentMetrics>> components_ GUARDED_BY(mu_);
  metrics::ScrapeHook hook_;  // last: it flushes the components above
};

}  // namespace wcloud::host
