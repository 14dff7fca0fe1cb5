#include "operator/nats_artifact_store.h"

#include "api/object_url.h"
#include "util/sha256.h"

namespace wcloud::operator_ {

Result<nats::ObjectStore*> NatsArtifactStore::Bucket() {
  MutexLock lock(mu_);
  if (!store_) {
    WCLOUD_ASSIGN_OR_RETURN(
        store_, nats::ObjectStore::Create(connection_, bucket_,
                                          {.description = "wcloud: staged Artifact components"}));
  }
  return store_.get();
}

Result<std::string> NatsArtifactStore::Stage(const std::string& digest, std::string_view bytes,
                                             const std::map<std::string, std::string>& labels) {
  WCLOUD_ASSIGN_OR_RETURN(nats::ObjectStore * store, Bucket());
  const std::string url = api::ObjectUrl{bucket_, digest}.ToString();
  // Once per digest: an object already there under that name holds those bytes (hosts check).
  if (auto info = store->Info(digest); info && !info->deleted && info->size == bytes.size()) {
    return url;
  } else if (!info && info.error().code() != ErrorCode::kNotFound) {
    return info.error();
  }
  if (Sha256Digest(bytes) != digest) {
    return Error("staging " + digest + ": the bytes have digest " + Sha256Digest(bytes),
                 ErrorCode::kInvalidArgument);
  }
  nats::PutOptions options;
  if (auto image = labels.find("image"); image != labels.end()) options.description = image->second;
  options.metadata = labels;
  WCLOUD_TRY_STATUS(store->Put(digest, bytes, options));
  return url;
}

Result<bool> NatsArtifactStore::Has(const std::string& digest) {
  WCLOUD_ASSIGN_OR_RETURN(nats::ObjectStore * store, Bucket());
  auto info = store->Info(digest);
  if (info) return !info->deleted;
  if (info.error().code() == ErrorCode::kNotFound) return false;
  return info.error();
}

bool NatsArtifactStore::Serves(const std::string& url) const {
  auto parsed = api::ParseObjectUrl(url);
  return parsed && parsed->bucket == bucket_;
}

Result<std::vector<StagedArtifact>> NatsArtifactStore::List() {
  WCLOUD_ASSIGN_OR_RETURN(nats::ObjectStore * store, Bucket());
  WCLOUD_ASSIGN_OR_RETURN(std::vector<nats::ObjectInfo> objects, store->List());
  std::vector<StagedArtifact> out;
  for (auto& o : objects) out.push_back({std::move(o.name), std::move(o.metadata)});
  return out;
}

Status NatsArtifactStore::Remove(const std::string& digest) {
  WCLOUD_ASSIGN_OR_RETURN(nats::ObjectStore * store, Bucket());
  Status deleted = store->Delete(digest);
  if (!deleted && deleted.error().code() == ErrorCode::kNotFound) return Ok();
  return deleted;
}

}  // namespace wcloud::operator_
