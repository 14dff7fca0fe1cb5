// The host's ObjectSource in distributed mode: nats-object:// images fetched from the NATS
// JetStream Object Store over the host's connection (one handle per bucket, opened on first use).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "host/component_images.h"
#include "nats/connection.h"
#include "nats/object_store.h"
#include "util/mutex.h"

namespace wcloud::host {

class NatsObjectSource final : public ObjectSource {
 public:
  // `connection` must outlive the source.
  explicit NatsObjectSource(nats::Connection& connection) : connection_(connection) {}

  Result<std::string> Fetch(const std::string& bucket, const std::string& object,
                            uint64_t max_bytes) override;

 private:
  nats::Connection& connection_;
  Mutex mu_;
  std::map<std::string, std::unique_ptr<nats::ObjectStore>> buckets_ GUARDED_BY(mu_);
};

}  // namespace wcloud::host
