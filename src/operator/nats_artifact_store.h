// The ArtifactStore of distributed mode: a NATS JetStream Object Store bucket (default
// wcloud-artifacts), one object per content digest named by it, with the Artifact and revision
// it was staged for as metadata. The bucket is created on first use, so an operator that starts
// while NATS is away stages once it is back.
#pragma once

#include <memory>
#include <string>

#include "nats/connection.h"
#include "nats/object_store.h"
#include "operator/artifact_store.h"
#include "util/mutex.h"

namespace wcloud::operator_ {

class NatsArtifactStore final : public ArtifactStore {
 public:
  // `connection` must outlive the store.
  NatsArtifactStore(nats::Connection& connection, std::string bucket)
      : connection_(connection), bucket_(std::move(bucket)) {}

  Result<std::string> Stage(const std::string& digest, std::string_view bytes,
                            const std::map<std::string, std::string>& labels) override;
  Result<bool> Has(const std::string& digest) override;
  bool Serves(const std::string& url) const override;
  Result<std::vector<StagedArtifact>> List() override;
  Status Remove(const std::string& digest) override;

 private:
  Result<nats::ObjectStore*> Bucket();

  nats::Connection& connection_;
  const std::string bucket_;
  Mutex mu_;
  std::unique_ptr<nats::ObjectStore> store_ GUARDED_BY(mu_);
};

}  // namespace wcloud::operator_
