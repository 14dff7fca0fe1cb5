// wasi:blobstore on NATS JetStream Object Stores (NATS ADR-20) through nats::ObjectStore: a
// backend bucket is an object store bucket (stream OBJ_<bucket>), each guest object one object
// of it under the guest's name, so the official clients (nats.go, @nats-io/obj) read what guests
// write and the other way round. Buckets are created by create-container (file storage, one
// replica), deleted with their stream by delete-container.
//
// One nats::Connection per backend, made on first use (a server that is down does not stop a
// workload from starting; a later call connects again), which then reconnects on its own;
// requests made while it is away fail at once.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/backend_url.h"
#include "plugins/blobstore_backend.h"
#include "util/mutex.h"

namespace wcloud::nats {
class Connection;
class ObjectStore;
}  // namespace wcloud::nats

namespace wcloud::plugins {

struct NatsBlobstoreOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{2000};  // JetStream API requests of our own
};

class NatsBlobstoreBackend final : public BlobstoreBackend {
 public:
  // Checks the url (nats://[user:password@]host[:port]); connects on first use.
  static Result<std::unique_ptr<NatsBlobstoreBackend>> Create(std::string_view url,
                                                              NatsBlobstoreOptions options = {});
  ~NatsBlobstoreBackend() override;

  Status CreateContainer(const std::string& bucket) override;
  Result<bool> ContainerExists(const std::string& bucket) override;
  Result<uint64_t> ContainerCreatedAt(const std::string& bucket) override;
  Status DeleteContainer(const std::string& bucket) override;
  Status Put(const std::string& bucket, const std::string& name, const Bytes& data) override;
  Result<Bytes> Get(const std::string& bucket, const std::string& name,
                    uint64_t max_bytes) override;
  Result<BlobObjectInfo> Info(const std::string& bucket, const std::string& name) override;
  Status Delete(const std::string& bucket, const std::string& name) override;
  Result<std::vector<std::string>> List(const std::string& bucket) override;

 private:
  NatsBlobstoreBackend(std::string url, BackendUrl parsed, NatsBlobstoreOptions options);

  // The connection, made now if there is none yet.
  Result<nats::Connection*> Connect();
  // The bucket's store (opened and kept); kNoSuchContainer when the bucket does not exist.
  Result<std::shared_ptr<nats::ObjectStore>> Store(const std::string& bucket);
  // After a failure the kept store may be stale (its stream deleted on the server).
  void Forget(const std::string& bucket);
  // A JetStream API request about OBJ_<bucket> ("STREAM.INFO"): the response, or its error
  // (kNoSuchContainer for "stream not found").
  Result<std::string> StreamRequest(const std::string& bucket, const std::string& verb);
  // "nats HOST:PORT: bucket B: " + what.
  std::string Where(const std::string& bucket, const std::string& what) const;

  const std::string url_;
  const BackendUrl parsed_;
  const NatsBlobstoreOptions options_;
  Mutex mu_;
  // Declared before stores_, which must be destroyed first (a store uses its connection).
  std::unique_ptr<nats::Connection> connection_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<nats::ObjectStore>> stores_ GUARDED_BY(mu_);
};

}  // namespace wcloud::plugins
