#include "operator/artifact_controller.h"

#include "api/image_reference.h"
#include "oci/registry_client.h"
#include "operator/object_types.h"
#include "operator/pull_credentials.h"

namespace wcloud::operator_ {

ArtifactController::ArtifactController(kube::Client& client, Informers& informers, Options options)
    : client_(client),
      informers_(informers),
      options_(options),
      loop_("artifact-controller", [this](const std::string& key) { return Reconcile(key); }) {
  using APtr = kube::TypedInformer<api::Artifact>::Ptr;
  auto enqueue = [this](const APtr& a) { loop_.Enqueue(kube::KeyOf(a->metadata)); };
  informers_.artifacts.AddEventHandler(
      {enqueue, [=](const APtr&, const APtr& a) { enqueue(a); }, nullptr});
}

Status ArtifactController::Reconcile(const std::string& key) {
  auto a = informers_.artifacts.Get(key);
  if (!a || !a->metadata.deletion_timestamp.empty()) return Ok();
  api::Artifact updated = *a;
  auto& status = updated.status;
  const int64_t generation = a->metadata.generation.value_or(1);
  auto condition = [&](const std::string& s, const std::string& reason,
                       const std::string& message) {
    return MakeCondition("Ready", s, reason, message, a->metadata, a->status.conditions);
  };
  auto fail = [&](const std::string& reason, const std::string& message) -> Status {
    status.observed_generation = generation;
    status.conditions = {condition("False", reason, message)};
    WCLOUD_TRY_STATUS(PatchStatus(client_, kArtifacts, *a, updated));
    loop_.EnqueueAfter(key, options_.poll);
    return Ok();
  };

  auto ref = api::ParseImageReference(a->spec.image);
  if (!ref) return fail("InvalidImage", ref.error().message());
  const std::string secret = a->spec.image_pull_secret ? a->spec.image_pull_secret->name : "";
  auto creds = ReadPullCredentials(client_, a->metadata.namespace_, secret, ref->registry);
  if (!creds) return fail("PullSecretError", creds.error().message());
  oci::RegistryClient registry({.credentials = *creds});
  auto digest = registry.ResolveDigest(*ref);
  if (!digest) return fail("ResolveFailed", digest.error().message());

  if (*digest != a->status.digest || a->status.observed_generation.value_or(0) != generation) {
    api::ImageReference pinned = *ref;
    pinned.digest = *digest;
    if (options_.components) {
      auto pulled = registry.Pull(pinned);
      if (!pulled) return fail("PullFailed", pulled.error().message());
      auto stored = options_.components->Put(pulled->bytes);
      if (!stored) return fail("StoreFailed", stored.error().message());
    }
    status.digest = *digest;
    status.revision = status.revision.value_or(0) + 1;
    status.artifact_url = pinned.ToString();
  }
  status.observed_generation = generation;
  status.conditions = {condition(
      "True", "Resolved",
      "revision " + std::to_string(status.revision.value_or(0)) + " is " + status.artifact_url)};
  WCLOUD_TRY_STATUS(PatchStatus(client_, kArtifacts, *a, updated));
  // Poll the tag: a new digest behind it is a new revision.
  loop_.EnqueueAfter(key, options_.poll);
  return Ok();
}

}  // namespace wcloud::operator_
