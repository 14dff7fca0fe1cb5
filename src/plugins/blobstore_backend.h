// The seam between wasi:blobstore and the stores behind it (NATS JetStream Object Store, memory).
// A backend bucket is one guest container; bucket names arrive already scoped by the binding
// layer (bindings.h: "<namespace>_<container>"), so a backend stores what it is told and never
// decides who may see what. Every backend is thread-safe: the instances of one workload call it
// from several worker threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plugins/keyvalue_backend.h"
#include "util/result.h"

namespace wcloud::plugins {

// The error codes the host turns into messages of its own, with the guest's names in them; any
// other Error's message reaches the guest as it is (naming the backend and peer, never a
// password).
//   kNoSuchContainer  the bucket does not exist (for a call about one of its objects, too)
//   kNoSuchObject     the object does not exist
//   kContainerExists  CreateContainer of a bucket that exists
//   kObjectTooLarge   Get of an object larger than `max_bytes`
inline constexpr ErrorCode kNoSuchContainer = ErrorCode::kFailedPrecondition;
inline constexpr ErrorCode kNoSuchObject = ErrorCode::kNotFound;
inline constexpr ErrorCode kContainerExists = ErrorCode::kAlreadyExists;
inline constexpr ErrorCode kObjectTooLarge = ErrorCode::kResourceExhausted;

struct BlobObjectInfo {
  std::string name;
  uint64_t size = 0;
  uint64_t created_at = 0;  // seconds since the Unix epoch: when this version was stored
};

class BlobstoreBackend {
 public:
  virtual ~BlobstoreBackend() = default;

  virtual Status CreateContainer(const std::string& bucket) = 0;
  virtual Result<bool> ContainerExists(const std::string& bucket) = 0;
  // When the bucket was created, in seconds since the Unix epoch.
  virtual Result<uint64_t> ContainerCreatedAt(const std::string& bucket) = 0;
  // The bucket and every object in it.
  virtual Status DeleteContainer(const std::string& bucket) = 0;

  // Creates or replaces `name`. A failed put leaves the previous object as it was.
  virtual Status Put(const std::string& bucket, const std::string& name, const Bytes& data) = 0;
  // The whole object; kObjectTooLarge, before reading it, when it holds more than `max_bytes`.
  virtual Result<Bytes> Get(const std::string& bucket, const std::string& name,
                            uint64_t max_bytes) = 0;
  virtual Result<BlobObjectInfo> Info(const std::string& bucket, const std::string& name) = 0;
  // Ok when there is no such object.
  virtual Status Delete(const std::string& bucket, const std::string& name) = 0;
  // Every object's name, in no particular order.
  virtual Result<std::vector<std::string>> List(const std::string& bucket) = 0;
};

}  // namespace wcloud::plugins
