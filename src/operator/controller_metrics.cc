#include "operator/controller_metrics.h"

namespace wcloud::operator_ {

ControllerMetrics::ControllerMetrics(metrics::Registry& registry)
    : registry_(registry),
      queues_(registry),
      total_(prometheus::BuildCounter()
                 .Name("controller_runtime_reconcile_total")
                 .Help("Total number of reconciliations per controller")
                 .Register(registry.families())),
      errors_(prometheus::BuildCounter()
                  .Name("controller_runtime_reconcile_errors_total")
                  .Help("Total number of reconciliation errors per controller")
                  .Register(registry.families())),
      time_(prometheus::BuildHistogram()
                .Name("controller_runtime_reconcile_time_seconds")
                .Help("Length of time per reconciliation per controller")
                .Register(registry.families())),
      active_workers_(prometheus::BuildGauge()
                          .Name("controller_runtime_active_workers")
                          .Help("Number of currently used workers per controller")
                          .Register(registry.families())),
      max_concurrent_(prometheus::BuildGauge()
                          .Name("controller_runtime_max_concurrent_reconciles")
                          .Help("Maximum number of concurrent reconciles per controller")
                          .Register(registry.families())) {}

ControllerMetrics::Controller ControllerMetrics::For(const std::string& controller) {
  auto result = [&](const char* result) -> prometheus::Counter& {
    return total_.Add({{"controller", controller}, {"result", result}});
  };
  // controller-runtime's buckets.
  const prometheus::Histogram::BucketBoundaries buckets = {
      0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
      0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
      6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
  const prometheus::Labels labels = {{"controller", controller}};
  return Controller{result("success"),           result("error"),
                    result("requeue"),           result("requeue_after"),
                    errors_.Add(labels),         time_.Add(labels, buckets),
                    active_workers_.Add(labels), max_concurrent_.Add(labels)};
}

}  // namespace wcloud::operator_
