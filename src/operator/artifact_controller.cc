#include "operator/artifact_controller.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>

#include "api/image_reference.h"
#include "api/object_url.h"
#include "oci/registry_client.h"
#include "operator/object_types.h"
#include "operator/pull_credentials.h"

namespace wcloud::operator_ {

ArtifactController::ArtifactController(kube::Client& client, Informers& informers, Options options,
                                       ControllerMetrics* metrics, kube::EventRecorder* events)
    : client_(client),
      informers_(informers),
      options_(options),
      events_(events),
      loop_(
          "artifact-controller", [this](const std::string& key) { return Reconcile(key); },
          metrics) {
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
  // `event` is the kubelet's reason for the same failure.
  auto fail = [&](const std::string& reason, const std::string& message,
                  const std::string& event = "Failed") -> Status {
    RecordEvent(
        events_, *a, "Warning", event,
        event == "Failed" ? "Failed to pull image \"" + a->spec.image + "\": " + message : message);
    status.observed_generation = generation;
    status.conditions = {condition("False", reason, message)};
    WCLOUD_TRY_STATUS(PatchStatus(client_, kArtifacts, *a, updated));
    loop_.EnqueueAfter(key, options_.poll);
    return Ok();
  };

  auto ref = api::ParseImageReference(a->spec.image);
  if (!ref) return fail("InvalidImage", ref.error().message(), "InspectFailed");
  const std::string secret = a->spec.image_pull_secret ? a->spec.image_pull_secret->name : "";
  auto creds = ReadPullCredentials(client_, a->metadata.namespace_, secret, ref->registry);
  if (!creds) {
    return fail("PullSecretError", creds.error().message(), "FailedToRetrieveImagePullSecret");
  }
  oci::RegistryClient registry({.credentials = *creds});
  auto digest = registry.ResolveDigest(*ref);
  if (!digest) return fail("ResolveFailed", digest.error().message());

  // A staged object deleted behind our back is staged again under the same revision, and one
  // staged elsewhere (before a move to NATS) is staged here.
  bool restage = false;
  if (options_.store && *digest == a->status.digest) {
    if (!options_.store->Serves(a->status.artifact_url)) {
      restage = true;
    } else if (auto url = api::ParseObjectUrl(a->status.artifact_url)) {
      auto has = options_.store->Has(url->object);
      if (!has) return fail("StoreFailed", has.error().message(), "FailedStaging");
      restage = !*has;
    }
  }
  const bool changed =
      *digest != a->status.digest || a->status.observed_generation.value_or(0) != generation;
  if (changed || restage) {
    api::ImageReference pinned = *ref;
    pinned.digest = *digest;
    std::string url = pinned.ToString();
    const int64_t revision = status.revision.value_or(0) + (changed ? 1 : 0);
    if (options_.store) {
      RecordEvent(events_, *a, "Normal", "Pulling", "Pulling image \"" + url + "\"");
      auto pulled = registry.Pull(pinned);
      if (!pulled) return fail("PullFailed", pulled.error().message());
      if (pulled->bytes.size() > options_.max_bytes) {
        return fail("TooLarge", a->spec.image + ": the component is " +
                                    std::to_string(pulled->bytes.size()) + " bytes, over the " +
                                    std::to_string(options_.max_bytes) + "-byte limit");
      }
      auto staged = options_.store->Stage(
          pulled->layer_digest, pulled->bytes,
          {{"artifact", key}, {"revision", std::to_string(revision)}, {"image", url}});
      if (!staged) return fail("StoreFailed", staged.error().message(), "FailedStaging");
      RecordEvent(events_, *a, "Normal", "Pulled",
                  "Successfully pulled image \"" + url + "\": " +
                      std::to_string(pulled->bytes.size()) + " bytes, staged as " + *staged);
      url = *staged;
    }
    if (changed) {
      RecordEvent(events_, *a, "Normal", "NewRevision",
                  "Revision " + std::to_string(revision) + " is " + pinned.ToString());
    }
    status.digest = *digest;
    status.revision = revision;
    status.artifact_url = url;
  }
  status.observed_generation = generation;
  status.conditions = {condition(
      "True", "Resolved",
      "revision " + std::to_string(status.revision.value_or(0)) + " is " + status.artifact_url)};
  WCLOUD_TRY_STATUS(PatchStatus(client_, kArtifacts, *a, updated));
  if (options_.store) {
    if (Status pruned = Prune(key); !pruned) {
      std::cerr << "wcloud: artifact " << key
                << ": pruning old revisions: " << pruned.error().message() << "\n";
    }
  }
  // Poll the tag: a new digest behind it is a new revision.
  loop_.EnqueueAfter(key, options_.poll);
  return Ok();
}

Status ArtifactController::Prune(const std::string& artifact) {
  WCLOUD_ASSIGN_OR_RETURN(std::vector<StagedArtifact> staged, options_.store->List());
  std::vector<std::pair<int64_t, std::string>> revisions;  // newest first
  for (const StagedArtifact& s : staged) {
    auto owner = s.labels.find("artifact");
    auto revision = s.labels.find("revision");
    if (owner == s.labels.end() || owner->second != artifact || revision == s.labels.end())
      continue;
    revisions.emplace_back(std::atoll(revision->second.c_str()), s.digest);
  }
  std::sort(revisions.rbegin(), revisions.rend());
  if (revisions.size() <= static_cast<size_t>(std::max(options_.keep_revisions, 1))) return Ok();
  // What replica sets (rolled out, or kept to roll back to), Workloads or any Artifact's current
  // revision (one digest may be two Artifacts') still name stays.
  std::set<std::string> used;
  auto use = [&used](const std::string& image) {
    if (auto url = api::ParseObjectUrl(image)) used.insert(url->object);
  };
  for (const auto& rs : informers_.replica_sets.List()) {
    for (const auto& c : rs->spec.template_.spec.components) use(c.image);
  }
  for (const auto& w : informers_.workloads.List()) {
    for (const auto& c : w->spec.components) use(c.image);
  }
  for (const auto& other : informers_.artifacts.List()) use(other->status.artifact_url);
  for (size_t i = static_cast<size_t>(std::max(options_.keep_revisions, 1)); i < revisions.size();
       ++i) {
    const std::string& digest = revisions[i].second;
    if (used.count(digest)) continue;
    WCLOUD_TRY_STATUS(options_.store->Remove(digest));
  }
  return Ok();
}

}  // namespace wcloud::operator_
