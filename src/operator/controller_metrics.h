// controller-runtime's metrics for our controllers: controller_runtime_reconcile_total by
// result, _errors_total, _time_seconds and the worker gauges, per `controller`; and the work queue
// metrics of their queues (kube::WorkQueueMetrics, each labelled with the controller's name).
#pragma once

#include <string>

#include "kube/work_queue_metrics.h"
#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace wcloud::operator_ {

class ControllerMetrics {
 public:
  // One controller's series.
  struct Controller {
    prometheus::Counter& success;
    prometheus::Counter& error;
    prometheus::Counter& requeue;        // never, for now: no reconcile asks for it
    prometheus::Counter& requeue_after;  // the reconcile scheduled its key again itself
    prometheus::Counter& errors;
    prometheus::Histogram& time;
    prometheus::Gauge& active_workers;
    prometheus::Gauge& max_concurrent_reconciles;
  };

  explicit ControllerMetrics(metrics::Registry& registry);
  ControllerMetrics(const ControllerMetrics&) = delete;
  ControllerMetrics& operator=(const ControllerMetrics&) = delete;

  // Every result starts at 0, as controller-runtime's do, so rates exist from the first scrape.
  Controller For(const std::string& controller);
  kube::WorkQueueMetrics& queues() { return queues_; }
  metrics::Registry& registry() { return registry_; }

 private:
  metrics::Registry& registry_;
  kube::WorkQueueMetrics queues_;
  prometheus::Family<prometheus::Counter>& total_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Histogram>& time_;
  prometheus::Family<prometheus::Gauge>& active_workers_;
  prometheus::Family<prometheus::Gauge>& max_concurrent_;
};

}  // namespace wcloud::operator_
