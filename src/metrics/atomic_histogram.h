// A histogram for hot paths: prometheus::Histogram takes a mutex on every Observe, so requests
// count here in relaxed atomics instead, and a scrape hook moves the counts into the family's
// prometheus::Histogram (Flush) just before the exposition is written.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "prometheus/histogram.h"

namespace wcloud::metrics {

class AtomicHistogram {
 public:
  // `target` must outlive this; it is given the same bounds.
  AtomicHistogram(prometheus::Histogram& target, std::vector<double> bounds);
  AtomicHistogram(const AtomicHistogram&) = delete;
  AtomicHistogram& operator=(const AtomicHistogram&) = delete;

  // Lock-free; safe from any thread.
  void Observe(double value);
  // Moves what was observed since the last Flush into the target. Observations racing with it
  // land in this Flush or the next, never in neither.
  void Flush();

 private:
  prometheus::Histogram& target_;
  const std::vector<double> bounds_;
  // One per bound, then +Inf.
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

}  // namespace wcloud::metrics
