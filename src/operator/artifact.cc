// Artifact: resolve spec.image to a manifest digest through its registry (with the pull secret),
// keep the component bytes in the content-addressed store, and publish a new revision whenever
// the digest behind the reference changes — polled, so a re-pushed tag rolls out.
#include "api/image_reference.h"
#include "oci/credentials.h"
#include "oci/registry_client.h"
#include "operator/object_types.h"
#include "operator/operator.h"
#include "operator/pull_credentials.h"

namespace wcloud::operator_ {

Result<std::optional<oci::Credentials>> Operator::PullCredentials(const std::string& ns,
                                                                  const Json& secret_ref,
                                                                  const std::string& registry) {
  std::string name = secret_ref.is_object() ? secret_ref.value("name", "") : "";
  return ReadPullCredentials(client_, ns, name, registry);
}

Status Operator::ReconcileArtifact(const std::string& key) {
  kube::ObjectPtr art = artifacts_.Get(key);
  if (!art || (*art)["metadata"].contains("deletionTimestamp")) return Ok();
  const Json& a = *art;
  std::string ns = a["metadata"].value("namespace", "");
  std::string image = a["spec"].value("image", "");
  Json status = a.value("status", Json::object());
  auto fail = [&](const std::string& reason, const std::string& message) -> Status {
    status["observedGeneration"] = a["metadata"].value("generation", 1);
    status["conditions"] = Json::array({MakeCondition("Ready", "False", reason, message, a)});
    WCLOUD_TRY_STATUS(PatchStatus(kArtifacts, a, status));
    artifact_controller_.EnqueueAfter(key, options_.artifact_poll);
    return Ok();
  };

  auto ref = api::ParseImageReference(image);
  if (!ref) return fail("InvalidImage", ref.error().message());
  auto creds =
      PullCredentials(ns, a["spec"].value("imagePullSecret", Json::object()), ref->registry);
  if (!creds) return fail("PullSecretError", creds.error().message());
  oci::RegistryClient registry({.credentials = *creds});
  auto digest = registry.ResolveDigest(*ref);
  if (!digest) return fail("ResolveFailed", digest.error().message());

  bool changed = *digest != status.value("digest", "") ||
                 status.value("observedGeneration", 0) != a["metadata"].value("generation", 1);
  if (changed) {
    api::ImageReference pinned = *ref;
    pinned.digest = *digest;
    if (options_.components) {
      auto pulled = registry.Pull(pinned);
      if (!pulled) return fail("PullFailed", pulled.error().message());
      auto stored = options_.components->Put(pulled->bytes);
      if (!stored) return fail("StoreFailed", stored.error().message());
    }
    status["digest"] = *digest;
    status["revision"] = status.value("revision", 0) + 1;
    status["artifactURL"] = pinned.ToString();
  }
  status["observedGeneration"] = a["metadata"].value("generation", 1);
  status["conditions"] =
      Json::array({MakeCondition("Ready", "True", "Resolved",
                                 "revision " + std::to_string(status.value("revision", 0)) +
                                     " is " + status.value("artifactURL", ""),
                                 a)});
  WCLOUD_TRY_STATUS(PatchStatus(kArtifacts, a, status));
  // Poll the tag: a new digest behind it is a new revision.
  artifact_controller_.EnqueueAfter(key, options_.artifact_poll);
  return Ok();
}

}  // namespace wcloud::operator_
