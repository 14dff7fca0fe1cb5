// Where the Artifact controller stages pulled components for hosts, once per content digest:
// a NATS JetStream Object Store in distributed mode (nats_artifact_store.h), so hosts fetch
// inside the cluster without registry access or credentials; this machine's content-addressed
// store in `wcloud up` alone (local_artifact_store.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::operator_ {

struct StagedArtifact {
  std::string digest;                         // "sha256:<hex>", the object's name
  std::map<std::string, std::string> labels;  // what Stage was given: artifact, revision
};

class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  // Stores `bytes` (whose content digest is `digest`) unless already there, with `labels`;
  // answers the URL hosts load it from (hostapi/object_url.h). No partial object is ever
  // visible: a failed upload leaves nothing under the digest.
  virtual Result<std::string> Stage(const std::string& digest, std::string_view bytes,
                                    const std::map<std::string, std::string>& labels) = 0;
  // Whether the object for `digest` is there (it may have been deleted behind our back).
  virtual Result<bool> Has(const std::string& digest) = 0;
  // Whether `url` (an Artifact's artifactURL) is one this store hands out; one that is not was
  // staged elsewhere (or nowhere) and is staged here again.
  virtual bool Serves(const std::string& url) const = 0;
  virtual Result<std::vector<StagedArtifact>> List() = 0;
  virtual Status Remove(const std::string& digest) = 0;
};

}  // namespace wcloud::operator_
