// A workload's hostInterfaces as the host serves them: which interfaces its components may
// import, and which backend bucket a wasi:keyvalue open(identifier) reaches.
//
// Imports. A component may import an interface when a hostInterfaces entry declares it
// (namespace:package, the interface in `interfaces`, and `version` semver-compatible when given)
// or when it is part of the platform every component gets (kPlatformPackages: WASI cli, clocks,
// random, io, filesystem, sockets, http), and in both cases only when the host's Linker provides
// it. CheckImports names every import that breaks this rule before anything is instantiated.
//
// open(identifier). An entry whose `name` equals the identifier wins. Otherwise the unnamed entry
// (the default) serves it, the identifier naming a bucket inside it ("" is the bucket "default").
// Otherwise: no-such-store. Bucket names on the backend are scoped by the workload's namespace
// ("<namespace>_<bucket>"), so a guest cannot reach another tenant's data by choosing a name,
// unless the entry pins `config.bucket`: then that exact bucket is the only one the entry serves
// (open of "" or of the pinned name), shared with whoever else pins it.
//
// Backends: `config.backend` nats | redis | in-memory (the default), `config.url` for nats and
// redis. Operations an entry does not declare (atomics or batch on a bucket from an entry with
// interfaces [store]) are access-denied.
//
// wasi:blobstore containers resolve the same way, the container name in place of the identifier:
// an entry named like the container serves it, else the unnamed entry serves any container name
// of 1-64 [A-Za-z0-9-] (an entry pinning `config.bucket` serves only the container of that
// name). The backend bucket is "<namespace>_<container>" unless pinned. Backends: nats (JetStream
// Object Store) | in-memory (the default), `config.url` for nats; `config.max_object_bytes`
// caps each object (default 64 MiB, at most 1 GiB: a value is held whole in memory).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/types.h"
#include "component/component.h"
#include "component/linker.h"
#include "plugins/blobstore_backend.h"
#include "plugins/keyvalue_backend.h"
#include "plugins/keyvalue_connections.h"
#include "util/result.h"

namespace wcloud::plugins {

inline constexpr char kKeyValueVersion[] = "0.2.0-draft";
inline constexpr char kConfigVersion[] = "0.2.0-rc.1";
inline constexpr char kLoggingVersion[] = "0.1.0-draft";
inline constexpr char kBlobstoreVersion[] = "0.2.0-draft";

// Imported without a hostInterfaces entry (the host's WASI layer).
inline constexpr const char* kPlatformPackages[] = {"wasi:cli", "wasi:clocks",     "wasi:random",
                                                    "wasi:io",  "wasi:filesystem", "wasi:sockets",
                                                    "wasi:http"};

// Where a workload runs: its namespace scopes its buckets; both name it in logs.
struct WorkloadIdentity {
  std::string namespace_ = "default";
  std::string name;
};

// What open() resolved to.
struct BucketBinding {
  std::shared_ptr<KeyValueBackend> backend;
  std::string bucket;    // the backend's bucket name
  bool atomics = false;  // the entry declares wasi:keyvalue/atomics
  bool batch = false;    // ... and wasi:keyvalue/batch
};

inline constexpr uint64_t kDefaultMaxObjectBytes = uint64_t{64} << 20;
inline constexpr uint64_t kMaxObjectBytesLimit = uint64_t{1} << 30;

// What a wasi:blobstore container name resolved to.
struct ContainerBinding {
  std::shared_ptr<BlobstoreBackend> backend;
  std::string bucket;  // the backend's bucket name
  std::string name;    // the guest's name for the container
  uint64_t max_object_bytes = kDefaultMaxObjectBytes;
};

// The codes of Errors that become wasi:keyvalue's `error` cases: no-such-store and
// access-denied; every other Error is `other`.
inline constexpr ErrorCode kNoSuchStore = ErrorCode::kNotFound;
inline constexpr ErrorCode kAccessDenied = ErrorCode::kPermissionDenied;

class WorkloadBindings {
 public:
  // Checks every entry's config (backend, url, bucket) and takes its backend from
  // `connections`; errors name the field ("hostInterfaces[1].config.backend: ..."). Connecting
  // waits for first use, so a backend that is down does not stop a workload from starting.
  static Result<std::shared_ptr<const WorkloadBindings>> Create(
      WorkloadIdentity identity, std::vector<api::HostInterface> entries,
      KeyValueConnections& connections);

  // Every import of `component` the rules above reject, in one Error; Ok when all may be linked.
  Status CheckImports(const component::Component& component, const component::Linker& linker) const;
  // The same for import names ("wasi:keyvalue/store@0.2.0-draft").
  Status CheckImportNames(const std::vector<std::string>& imports,
                          const component::Linker& linker) const;

  // The bucket wasi:keyvalue/store#open(identifier) reaches; an Error with code kNoSuchStore
  // when nothing serves the identifier.
  Result<BucketBinding> Open(std::string_view identifier) const;

  // The container wasi:blobstore calls name `name`; an Error with code kNoSuchStore, saying
  // why, when nothing serves it. Whether the container exists is the backend's to say.
  Result<ContainerBinding> OpenContainer(std::string_view name) const;
  // The largest object some wasi:blobstore entry accepts: what an outgoing-value may hold before
  // it is known where it goes.
  uint64_t MaxObjectBytes() const;

  // The `config` of the entry for namespace:package ("wasi", "config"); empty when there is none.
  const api::StringMap& ConfigOf(std::string_view namespace_, std::string_view package) const;

  const WorkloadIdentity& identity() const { return identity_; }
  const std::vector<api::HostInterface>& entries() const { return entries_; }

 private:
  struct KeyValueEntry {
    std::string name;    // empty for the default entry
    std::string pinned;  // config.bucket, or empty
    std::shared_ptr<KeyValueBackend> backend;
    bool atomics = false;
    bool batch = false;
  };

  struct BlobstoreEntry {
    std::string name;    // empty for the default entry
    std::string pinned;  // config.bucket, or empty
    std::shared_ptr<BlobstoreBackend> backend;
    uint64_t max_object_bytes = kDefaultMaxObjectBytes;
  };

  WorkloadBindings() = default;
  // Checks one wasi:blobstore entry (at "hostInterfaces[i]") and adds it to `b`, or its problems
  // to `errors`.
  static void AddBlobstoreEntry(WorkloadBindings& b, const api::HostInterface& e,
                                const std::string& at, bool& have_default,
                                KeyValueConnections& connections, api::FieldErrors& errors);
  // Whether `import` ("ns:pkg/iface@ver") is declared by some entry.
  bool Declared(std::string_view import) const;

  WorkloadIdentity identity_;
  std::vector<api::HostInterface> entries_;
  std::vector<KeyValueEntry> keyvalue_;
  std::vector<BlobstoreEntry> blobstore_;
};

// Whether `name` may name a bucket: [A-Za-z0-9-], 1 to 64 characters (namespaced names join
// with '_', which a bucket name cannot hold, so scoped names never collide).
bool IsBucketIdentifier(std::string_view name);

}  // namespace wcloud::plugins
