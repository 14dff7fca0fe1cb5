#include "plugins/memory_backend.h"

#include <iterator>

namespace wcloud::plugins {

Result<std::optional<Bytes>> MemoryBackend::Get(const std::string& bucket, const std::string& key) {
  MutexLock lock(mu_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return std::optional<Bytes>();
  auto it = b->second.find(key);
  if (it == b->second.end()) return std::optional<Bytes>();
  return std::optional<Bytes>(it->second);
}

Status MemoryBackend::Set(const std::string& bucket, const std::string& key, const Bytes& value) {
  MutexLock lock(mu_);
  buckets_[bucket][key] = value;
  return Ok();
}

Status MemoryBackend::Delete(const std::string& bucket, const std::string& key) {
  MutexLock lock(mu_);
  if (auto b = buckets_.find(bucket); b != buckets_.end()) b->second.erase(key);
  return Ok();
}

Result<bool> MemoryBackend::Exists(const std::string& bucket, const std::string& key) {
  MutexLock lock(mu_);
  auto b = buckets_.find(bucket);
  return b != buckets_.end() && b->second.count(key) != 0;
}

// The cursor is an offset into the keys in order: a page may miss or repeat keys written
// between calls, which the interface allows.
Result<KeyPage> MemoryBackend::ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) {
  MutexLock lock(mu_);
  KeyPage page;
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return page;
  const auto& keys = b->second;
  uint64_t offset = cursor.value_or(0);
  if (offset >= keys.size()) return page;
  auto it = std::next(keys.begin(), static_cast<std::ptrdiff_t>(offset));
  for (; it != keys.end() && page.keys.size() < page_size_; ++it) page.keys.push_back(it->first);
  if (it != keys.end()) page.cursor = offset + page.keys.size();
  return page;
}

Result<uint64_t> MemoryBackend::Increment(const std::string& bucket, const std::string& key,
                                          uint64_t delta) {
  MutexLock lock(mu_);
  auto& entries = buckets_[bucket];
  uint64_t current = 0;
  if (auto it = entries.find(key); it != entries.end()) {
    WCLOUD_ASSIGN_OR_RETURN(current, ParseCounter(key, it->second));
  }
  WCLOUD_ASSIGN_OR_RETURN(uint64_t next, AddCounter(key, current, delta));
  entries[key] = CounterBytes(next);
  return next;
}

Result<std::vector<std::optional<Bytes>>> MemoryBackend::GetMany(
    const std::string& bucket, const std::vector<std::string>& keys) {
  MutexLock lock(mu_);
  std::vector<std::optional<Bytes>> out;
  auto b = buckets_.find(bucket);
  for (const auto& key : keys) {
    if (b == buckets_.end()) {
      out.emplace_back();
      continue;
    }
    auto it = b->second.find(key);
    out.push_back(it == b->second.end() ? std::optional<Bytes>() : it->second);
  }
  return out;
}

Status MemoryBackend::SetMany(const std::string& bucket,
                              const std::vector<std::pair<std::string, Bytes>>& entries) {
  MutexLock lock(mu_);
  auto& b = buckets_[bucket];
  for (const auto& [key, value] : entries) b[key] = value;
  return Ok();
}

Status MemoryBackend::DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) {
  MutexLock lock(mu_);
  if (auto b = buckets_.find(bucket); b != buckets_.end()) {
    for (const auto& key : keys) b->second.erase(key);
  }
  return Ok();
}

}  // namespace wcloud::plugins
