// The process_* metrics every Prometheus client library exports (CPU time, memory, file
// descriptors, start time; read from /proc at each scrape) and wcloud_build_info.
#pragma once

#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"

namespace wcloud::metrics {

class ProcessMetrics {
 public:
  explicit ProcessMetrics(Registry& registry);
  ProcessMetrics(const ProcessMetrics&) = delete;
  ProcessMetrics& operator=(const ProcessMetrics&) = delete;

 private:
  void Update();

  prometheus::Counter& cpu_seconds_;
  prometheus::Gauge& resident_bytes_;
  prometheus::Gauge& virtual_bytes_;
  prometheus::Gauge& open_fds_;
  prometheus::Gauge& max_fds_;
  prometheus::Gauge& start_time_;
  prometheus::Gauge& threads_;
  ScrapeHook hook_;  // last: it runs Update, which uses the members above
};

}  // namespace wcloud::metrics
