// A Workload component's image as bytes for the host: `file:///path` (or a plain absolute path)
// is read from this machine's disk; `nats-object://BUCKET/sha256:…` (an Artifact staged by the
// operator, hostapi/object_url.h) is fetched from the NATS Object Store and checked against its
// digest; anything else is an OCI reference pulled from its registry with the credentials the
// start request carries. Pulled images are cached by manifest digest
// (bytes in memory, and in the ComponentStore when there is one), so replicas and resyncs pull
// once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "host/workload_host.h"
#include "oci/component_store.h"
#include "oci/credentials.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::host {

// Where nats-object:// images come from: the host's NATS connection.
class ObjectSource {
 public:
  virtual ~ObjectSource() = default;
  // The object's bytes; kNotFound when the bucket or object does not exist.
  virtual Result<std::string> Fetch(const std::string& bucket, const std::string& object,
                                    uint64_t max_bytes) = 0;
};

class ComponentImages {
 public:
  // `store` may be null: bytes are then kept in memory only. `objects` may be null: object
  // store images are then refused (a host without NATS).
  explicit ComponentImages(oci::ComponentStore* store, ObjectSource* objects = nullptr)
      : store_(store), objects_(objects) {}
  ComponentImages(const ComponentImages&) = delete;
  ComponentImages& operator=(const ComponentImages&) = delete;

  // `credentials`: for the image's registry, or none. `pull_policy`: Always, IfNotPresent, Never,
  // or empty for Kubernetes' default (Always for a `latest` tag, IfNotPresent otherwise); it
  // only matters for tags, a digest always names the same bytes. Thread-safe.
  Result<ComponentImage> Resolve(const std::string& image,
                                 const std::optional<oci::Credentials>& credentials,
                                 const std::string& pull_policy);

  // Drops the in-memory bytes of every image whose content digest is not in `keep` (what the
  // host still runs); the store keeps its copy.
  void Retain(const std::set<std::string>& keep);

 private:
  Result<ComponentImage> ReadFile(const std::string& path);
  Result<ComponentImage> FetchObject(const std::string& image);
  Result<ComponentImage> Pull(const std::string& image,
                              const std::optional<oci::Credentials>& credentials,
                              const std::string& pull_policy);
  // The cached image of a manifest digest, from memory or the store.
  std::optional<ComponentImage> Cached(const std::string& manifest_digest);
  ComponentImage Keep(const std::string& manifest_digest, std::string layer_digest,
                      std::string bytes);

  struct FileStamp {
    uintmax_t size = 0;
    int64_t mtime = 0;
    std::string digest;
  };

  oci::ComponentStore* store_;
  ObjectSource* objects_;
  Mutex mu_;
  // By content digest.
  std::map<std::string, std::shared_ptr<const std::string>> bytes_ GUARDED_BY(mu_);
  std::map<std::string, std::string> layers_ GUARDED_BY(mu_);  // manifest → content digest
  std::map<std::string, std::string> tags_ GUARDED_BY(mu_);    // reference → manifest digest
  // By path: unchanged files are not hashed again.
  std::map<std::string, FileStamp> files_ GUARDED_BY(mu_);
};

}  // namespace wcloud::host
