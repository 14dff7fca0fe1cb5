#include "kube/work_queue_metrics.h"

namespace wcloud::kube {
WorkQueueMetrics::WorkQueueMetrics(metrics::Registry& registry)
    : registry_(registry),
      depth_(prometheus::BuildGauge()
                 .Name("workqueue_depth")
                 .Help("Current depth of workqueue")
                 .Register(registry.families())),
      adds_(prometheus::BuildCounter()
                .Name("workqueue_adds_total")
                .Help("Total number of adds handled by workqueue")
                .Register(registry.families())),
      queue_duration_(prometheus::BuildHistogram()
                          .Name("workqueue_queue_duration_seconds")
                          .Help("How long in seconds an item stays in workqueue before being "
                                "requested")
                          .Register(registry.families())),
      work_duration_(prometheus::BuildHistogram()
                         .Name("workqueue_work_duration_seconds")
                         .Help("How long in seconds processing an item from workqueue takes.")
                         .Register(registry.families())),
      unfinished_work_(prometheus::BuildGauge()
                           .Name("workqueue_unfinished_work_seconds")
                           .Help("How many seconds of work has been done that is in progress and "
                                 "hasn't been observed by work_duration. Large values indicate "
                                 "stuck threads. One can deduce the number of stuck threads by "
                                 "observing the rate at which this increases.")
                           .Register(registry.families())),
      longest_running_(prometheus::BuildGauge()
                           .Name("workqueue_longest_running_processor_seconds")
                           .Help("How many seconds has the longest running processor for "
                                 "workqueue been running.")
                           .Register(registry.families())),
      retries_(prometheus::BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by workqueue")
                   .Register(registry.families())) {}

WorkQueueMetrics::Queue WorkQueueMetrics::For(const std::string& name) {
  const prometheus::Labels labels = {{"name", name}};
  // client-go's buckets for both durations: 10 ns to 10 s in factors of 10.
  const auto buckets = metrics::ExponentialBuckets(10e-9, 10, 10);
  return Queue{depth_.Add(labels),
               adds_.Add(labels),
               queue_duration_.Add(labels, buckets),
               work_duration_.Add(labels, buckets),
               unfinished_work_.Add(labels),
               longest_running_.Add(labels),
               retries_.Add(labels)};
}

}  // namespace wcloud::kube
