// client-go's work queue metrics (k8s.io/client-go/util/workqueue), under the names
// controller-runtime registers them with: one series per queue, labelled `name`.
#pragma once

#include <string>

#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace wcloud::kube {

class WorkQueueMetrics {
 public:
  // One queue's series.
  struct Queue {
    prometheus::Gauge& depth;
    prometheus::Counter& adds;
    prometheus::Histogram& queue_duration;  // seconds from add to Get
    prometheus::Histogram& work_duration;   // seconds from Get to Done
    prometheus::Gauge& unfinished_work;     // seconds of work in progress, summed
    prometheus::Gauge& longest_running;     // seconds the longest-running item has run
    prometheus::Counter& retries;
  };

  explicit WorkQueueMetrics(metrics::Registry& registry);
  WorkQueueMetrics(const WorkQueueMetrics&) = delete;
  WorkQueueMetrics& operator=(const WorkQueueMetrics&) = delete;

  Queue For(const std::string& name);
  metrics::Registry& registry() { return registry_; }

 private:
  metrics::Registry& registry_;
  prometheus::Family<prometheus::Gauge>& depth_;
  prometheus::Family<prometheus::Counter>& adds_;
  prometheus::Family<prometheus::Histogram>& queue_duration_;
  prometheus::Family<prometheus::Histogram>& work_duration_;
  prometheus::Family<prometheus::Gauge>& unfinished_work_;
  prometheus::Family<prometheus::Gauge>& longest_running_;
  prometheus::Family<prometheus::Counter>& retries_;
};

}  // namespace wcloud::kube
