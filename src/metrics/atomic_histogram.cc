#include "metrics/atomic_histogram.h"

#include <algorithm>
#include <utility>

namespace wcloud::metrics {

AtomicHistogram::AtomicHistogram(prometheus::Histogram& target, std::vector<double> bounds)
    : target_(target),
      bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void AtomicHistogram::Observe(double value) {
  // Prometheus buckets are upper-inclusive: `le` holds values <= the bound.
  const auto bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                          bounds_.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

void AtomicHistogram::Flush() {
  std::vector<double> increments(bounds_.size() + 1);
  bool any = false;
  for (size_t i = 0; i < increments.size(); ++i) {
    increments[i] = static_cast<double>(counts_[i].exchange(0, std::memory_order_relaxed));
    any = any || increments[i] > 0;
  }
  const double sum = sum_.exchange(0, std::memory_order_relaxed);
  if (any || sum != 0) target_.ObserveMultiple(increments, sum);
}

}  // namespace wcloud::metrics
