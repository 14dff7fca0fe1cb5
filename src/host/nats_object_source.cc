#include "host/nats_object_source.h"

namespace wcloud::host {

Result<std::string> NatsObjectSource::Fetch(const std::string& bucket, const std::string& object,
                                            uint64_t max_bytes) {
  nats::ObjectStore* store = nullptr;
  {
    MutexLock lock(mu_);
    auto it = buckets_.find(bucket);
    if (it == buckets_.end()) {
      WCLOUD_ASSIGN_OR_RETURN(auto opened, nats::ObjectStore::Open(connection_, bucket));
      it = buckets_.emplace(bucket, std::move(opened)).first;
    }
    store = it->second.get();
  }
  return store->Get(object, max_bytes);
}

}  // namespace wcloud::host
