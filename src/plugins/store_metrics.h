// Keyvalue and blobstore operations of a host's workloads, per backend kind (nats, redis,
// in-memory) and operation: how many, how many failed, and how long they took. A backend made
// by KeyValueConnections is wrapped (Wrap) so each call records into series resolved when it
// was made; the label values are fixed sets, so the series are few and never removed.
#pragma once

#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "metrics/atomic_histogram.h"
#include "metrics/registry.h"
#include "plugins/blobstore_backend.h"
#include "plugins/keyvalue_backend.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"
#include "util/mutex.h"

namespace wcloud::plugins {

// One {backend, operation}'s series.
class OperationSeries {
 public:
  OperationSeries(prometheus::Counter& total, prometheus::Counter& errors,
                  prometheus::Histogram& duration);
  void Record(bool ok, double seconds);
  void Flush() { duration_.Flush(); }

 private:
  prometheus::Counter& total_;
  prometheus::Counter& errors_;
  metrics::AtomicHistogram duration_;
};

class StoreMetrics {
 public:
  explicit StoreMetrics(metrics::Registry& registry);
  StoreMetrics(const StoreMetrics&) = delete;
  StoreMetrics& operator=(const StoreMetrics&) = delete;

  // `backend`, counting each call under `kind`. The result must go before this StoreMetrics.
  std::shared_ptr<KeyValueBackend> Wrap(std::string_view kind,
                                        std::shared_ptr<KeyValueBackend> backend);
  std::shared_ptr<BlobstoreBackend> Wrap(std::string_view kind,
                                         std::shared_ptr<BlobstoreBackend> backend);

  // A store's (keyvalue or blobstore) series for its backend kinds and operations.
  struct Store {
    prometheus::Family<prometheus::Counter>& total;
    prometheus::Family<prometheus::Counter>& errors;
    prometheus::Family<prometheus::Histogram>& duration;
    // By kind, then operation; made on a kind's first Wrap, kept for the process.
    std::map<std::string, std::map<std::string, std::unique_ptr<OperationSeries>>, std::less<>>
        series;
  };

 private:
  // The series of `kind`'s `operations` in `store`, made on first use.
  std::map<std::string, std::unique_ptr<OperationSeries>>& SeriesOf(
      Store& store, std::string_view kind, std::initializer_list<const char*> operations)
      REQUIRES(mu_);
  void Flush();

  Mutex mu_;
  Store keyvalue_ GUARDED_BY(mu_);
  Store blobstore_ GUARDED_BY(mu_);
  metrics::ScrapeHook hook_;  // last: it flushes the series above
};

}  // namespace wcloud::plugins
