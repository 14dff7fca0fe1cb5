#include "metrics/registry.h"

#include <utility>

#include "prometheus/text_serializer.h"

namespace wcloud::metrics {

ScrapeHook::ScrapeHook(ScrapeHook&& other) noexcept
    : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}

ScrapeHook& ScrapeHook::operator=(ScrapeHook&& other) noexcept {
  if (this != &other) {
    if (registry_) registry_->Remove(id_);
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

ScrapeHook::~ScrapeHook() {
  if (registry_) registry_->Remove(id_);
}

ScrapeHook Registry::OnScrape(std::function<void()> update) {
  MutexLock lock(mu_);
  const uint64_t id = next_id_++;
  hooks_.emplace(id, std::move(update));
  return ScrapeHook(this, id);
}

void Registry::Remove(uint64_t id) {
  MutexLock lock(mu_);
  hooks_.erase(id);
}

std::string Registry::Scrape() {
  {
    MutexLock lock(mu_);
    for (auto& [id, update] : hooks_) update();
  }
  return prometheus::TextSerializer().Serialize(families_.Collect());
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> bounds;
  bounds.reserve(static_cast<size_t>(count));
  for (double bound = start; count-- > 0; bound *= factor) bounds.push_back(bound);
  return bounds;
}

}  // namespace wcloud::metrics
