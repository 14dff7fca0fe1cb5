// One process's metrics, built in main and passed to whatever records them: prometheus-cpp's
// registry (families and their series) and the updates that run just before each scrape, for
// values that are read rather than counted (how long a work item has run, a file's size, the
// process's memory). There is no default registry: what is not passed a Registry records nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prometheus/registry.h"
#include "util/mutex.h"

namespace wcloud::metrics {

class Registry;

// Runs its update before each scrape until destroyed (or moved from). Destruction waits for a
// scrape that is running the update, so the update may use what its owner destroys after it.
class ScrapeHook {
 public:
  ScrapeHook() = default;
  ScrapeHook(ScrapeHook&& other) noexcept;
  ScrapeHook& operator=(ScrapeHook&& other) noexcept;
  ~ScrapeHook();

 private:
  friend class Registry;
  ScrapeHook(Registry* registry, uint64_t id) : registry_(registry), id_(id) {}
  Registry* registry_ = nullptr;
  uint64_t id_ = 0;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Where families are built: prometheus::BuildCounter()...Register(registry.families()).
  prometheus::Registry& families() { return families_; }

  // `update` runs (on the scraping thread) before each scrape while the hook lives.
  [[nodiscard]] ScrapeHook OnScrape(std::function<void()> update);

  // Every metric in Prometheus' text exposition format, version 0.0.4.
  std::string Scrape();

 private:
  friend class ScrapeHook;
  void Remove(uint64_t id);

  prometheus::Registry families_;
  Mutex mu_;  // held while hooks run, so removing one waits for them
  std::map<uint64_t, std::function<void()>> hooks_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
};

// Bucket bounds as Prometheus' Go client builds them: `count` bounds from `start`, each `factor`
// times the last (client-go's work queue: 10 ns to 10 s in factors of 10).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace wcloud::metrics
