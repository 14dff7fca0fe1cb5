// The ArtifactStore of `wcloud up` alone: this machine's content-addressed component store,
// which its own host reads too. An Artifact's artifactURL stays the pinned OCI reference
// (registry/repo@sha256:…); nothing is pruned, since the host's cache shares the store.
#pragma once

#include "oci/component_store.h"
#include "operator/artifact_store.h"

namespace wcloud::operator_ {

class LocalArtifactStore final : public ArtifactStore {
 public:
  // `components` must outlive the store.
  explicit LocalArtifactStore(oci::ComponentStore& components) : components_(components) {}

  // Answers labels["image"], the pinned reference the bytes were pulled by.
  Result<std::string> Stage(const std::string& digest, std::string_view bytes,
                            const std::map<std::string, std::string>& labels) override;
  Result<bool> Has(const std::string& digest) override { return components_.Has(digest); }
  bool Serves(const std::string& url) const override;
  Result<std::vector<StagedArtifact>> List() override { return std::vector<StagedArtifact>(); }
  Status Remove(const std::string&) override { return Ok(); }

 private:
  oci::ComponentStore& components_;
};

}  // namespace wcloud::operator_
