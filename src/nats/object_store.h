// A NATS JetStream Object Store client, after NATS ADR-20 ("JetStream based Object Stores"),
// interoperable with the official clients (nats.go, @nats-io/obj): same stream, subjects, JSON
// meta, name encoding and digest, so an object either side puts the other reads.
//
// A bucket is the stream OBJ_<bucket>. An object is its chunks on $O.<bucket>.C.<nuid> (a new
// nuid per put) and one meta message on $O.<bucket>.M.<base64url(name)>, published after all
// the chunks with `Nats-Rollup: sub`, so readers see the old object or the new one, never part
// of one. An object's meta is read by a direct get of its subject's last message; chunks,
// lists and watches through ordered consumers, as both official clients read them. No libnats
// type shows above this header.
//
// Names are encoded as their UTF-8 bytes, as nats.go encodes them; @nats-io/obj 3.4 encodes a
// name's Latin-1 code units instead (and throws beyond U+00FF), so with the JS client only
// ASCII names meet.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::nats {

class Connection;

// An object's meta as ADR-20's ObjectInfo carries it.
struct ObjectInfo {
  std::string bucket;
  std::string name;
  std::string description;
  std::string nuid;  // the id its chunks are published under
  std::map<std::string, std::string> metadata;
  // ADR-20's "headers" (nats.Header in Go: a name may repeat).
  std::map<std::string, std::vector<std::string>> headers;
  uint64_t size = 0;
  uint32_t chunks = 0;
  // RFC 3339 UTC. Read back, the server's time for the meta message ("2026-01-02T03:04:05.
  // 123456789Z", as ADR-20 asks); returned by Put, the time the put finished.
  std::string mtime;
  // "SHA-256=" + base64url with padding of SHA-256(object), as nats.go and @nats-io/obj write
  // it; empty for deleted objects.
  std::string digest;
  bool deleted = false;
  uint32_t max_chunk_size = 0;  // ADR-20 options.max_chunk_size
  // ADR-20 links (options.link): this client reads them in Info/List/Watch but does not follow
  // them; Get on a link is kUnimplemented.
  std::string link_bucket;
  std::string link_name;
};

struct BucketOptions {
  std::string description;
  int64_t max_bytes = -1;       // the stream's max_bytes; -1: unlimited
  std::chrono::seconds ttl{0};  // the stream's max_age; 0: objects never expire
  int replicas = 1;
  bool memory_storage = false;  // file storage unless set
};

struct PutOptions {
  std::string description;
  std::map<std::string, std::string> metadata;
  std::map<std::string, std::vector<std::string>> headers;
  // Bytes per chunk message; 0 is the default. Capped at the server's max_payload, as the JS
  // client does.
  uint32_t chunk_size = 128 * 1024;
};

// One bucket over a Connection, which must outlive it. Its methods may be called from any
// thread. Requests to the server wait at most 5 s each; while the connection is reconnecting
// they fail at once with kUnavailable rather than wait in libnats' buffer.
//
// Errors name the bucket and the object. Stored data that cannot be right — a digest, size or
// chunk count that does not match, meta that is not ADR-20 JSON — is kInternal (util has no
// data-loss code; kInternal is absl's "invariants of the system broken").
class ObjectStore {
 public:
  // Calls a handler for every meta update until destroyed; it goes on after reconnects (libnats
  // recreates its ordered consumer). Destroying it deletes the consumer — waiting out the 5 s
  // request timeout while the server is unreachable — and waits until the handler is no longer
  // running, so it must not be destroyed from the handler itself.
  class Watcher {
   public:
    ~Watcher();
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    struct State;  // libnats' side, in object_store.cc

   private:
    friend class ObjectStore;
    explicit Watcher(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };

  // Creates the bucket's stream if missing (ADR-20's configuration: rollups and direct get
  // allowed, discard new), else binds to it as it is. kInvalidArgument for a bucket name
  // ADR-20 forbids (1 or more of A-Z a-z 0-9 - _), kFailedPrecondition when OBJ_<bucket>
  // exists but is not an object store.
  static Result<std::unique_ptr<ObjectStore>> Create(Connection& connection,
                                                     const std::string& bucket,
                                                     const BucketOptions& options);
  // Binds to an existing bucket: kNotFound when it does not exist.
  static Result<std::unique_ptr<ObjectStore>> Open(Connection& connection,
                                                   const std::string& bucket);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Stores `data` under `name` (any non-empty UTF-8 up to 1024 bytes), replacing what was
  // there; the replaced object's chunks are purged afterwards. If a chunk cannot be stored
  // the chunks already written are purged (best effort) and the previous object stays as it
  // was. kResourceExhausted when the bucket is full (max_bytes, discard new). When the
  // connection drops while the meta awaits its acknowledgment, the error says that the put may
  // still take effect (libnats may send the meta after reconnecting).
  Result<ObjectInfo> Put(const std::string& name, std::string_view data,
                         const PutOptions& options = {});
  // The whole object, its chunk count, size and digest checked ("digest mismatch",
  // kInternal). kNotFound when missing or deleted; kResourceExhausted, before any chunk is
  // read, when it is larger than `max_bytes`.
  Result<std::string> Get(const std::string& name, uint64_t max_bytes);
  // kNotFound when missing or deleted.
  Result<ObjectInfo> Info(const std::string& name);
  // Publishes a deleted marker (size 0, no digest) and purges the chunks. kNotFound when there
  // is no such object; deleting a deleted object does nothing.
  Status Delete(const std::string& name);
  // Every object that is not deleted, by the order of their last update.
  Result<std::vector<ObjectInfo>> List();
  // Calls `on_change` with the current info of every object, deleted markers included, then
  // with each put or delete as it happens, one at a time on libnats' delivery thread.
  Result<std::unique_ptr<Watcher>> Watch(std::function<void(const ObjectInfo&)> on_change);

  const std::string& bucket() const;

  struct State;  // libnats' side, in object_store.cc

 private:
  explicit ObjectStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace wcloud::nats
