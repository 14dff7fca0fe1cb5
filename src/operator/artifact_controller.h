// Artifact: resolves spec.image to a manifest digest through its registry (with the pull
// secret), stages the component bytes in an ArtifactStore once per digest, and publishes a new
// revision whenever the digest behind the reference changes: polled, so a re-pushed tag rolls
// out. status.artifactURL is what the store answers: the pinned OCI reference for this
// machine's store, the staged object (nats-object://…) for NATS, so hosts need no registry.
// The last `keep_revisions` of each Artifact are kept, older ones deleted unless a
// WorkloadReplicaSet, a Workload or another Artifact still uses them. Events on the Artifact, as
// the kubelet words its image pulls: Pulling, Pulled, Failed (repeats counted by the recorder),
// InspectFailed, FailedToRetrieveImagePullSecret; and NewRevision when the digest changes.
#pragma once

#include <chrono>
#include <string>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "operator/artifact_store.h"
#include "operator/controller.h"
#include "operator/informers.h"

namespace wcloud::operator_ {

class ArtifactController {
 public:
  struct Options {
    // How often an Artifact's tag is checked for a new digest.
    std::chrono::milliseconds poll{30000};
    // Where revisions are staged for hosts (the local store, or NATS); none: resolve only, and
    // artifactURL is the pinned OCI reference.
    ArtifactStore* store = nullptr;
    int keep_revisions = 3;
    // A component bigger than this is refused (condition TooLarge), not staged.
    uint64_t max_bytes = uint64_t{512} << 20;
  };

  // Records events into `events` when given.
  ArtifactController(kube::Client& client, Informers& informers, Options options,
                     ControllerMetrics* metrics = nullptr, kube::EventRecorder* events = nullptr);
  ArtifactController(const ArtifactController&) = delete;
  ArtifactController& operator=(const ArtifactController&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One pass over the Artifact with `key`, as the worker would run it.
  Status Reconcile(const std::string& key);

 private:
  // Deletes staged revisions of `artifact` ("ns/name") beyond the newest keep_revisions that no
  // WorkloadReplicaSet uses.
  Status Prune(const std::string& artifact);

  kube::Client& client_;
  Informers& informers_;
  Options options_;
  kube::EventRecorder* events_;
  Controller loop_;
};

}  // namespace wcloud::operator_
