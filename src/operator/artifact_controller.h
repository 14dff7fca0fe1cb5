// Artifact: resolves spec.image to a manifest digest through its registry (with the pull
// secret), keeps the component bytes in the content-addressed store, and publishes a new
// revision whenever the digest behind the reference changes: polled, so a re-pushed tag rolls
// out.
#pragma once

#include <chrono>
#include <string>

#include "kube/client.h"
#include "oci/component_store.h"
#include "operator/controller.h"
#include "operator/informers.h"

namespace wcloud::operator_ {

class ArtifactController {
 public:
  struct Options {
    // How often an Artifact's tag is checked for a new digest.
    std::chrono::milliseconds poll{30000};
    // Where pulled component bytes are kept (by digest); none: resolve only.
    oci::ComponentStore* components = nullptr;
  };

  ArtifactController(kube::Client& client, Informers& informers, Options options);
  ArtifactController(const ArtifactController&) = delete;
  ArtifactController& operator=(const ArtifactController&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One pass over the Artifact with `key`, as the worker would run it.
  Status Reconcile(const std::string& key);

 private:
  kube::Client& client_;
  Informers& informers_;
  Options options_;
  Controller loop_;
};

}  // namespace wcloud::operator_
