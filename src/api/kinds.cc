#include "api/kinds.h"

namespace wcloud::api {
namespace {

PrinterColumn Ready() {
  return {"Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status",
          "Whether the object is ready", 0};
}
PrinterColumn Age() { return {"Age", "date", ".metadata.creationTimestamp", "", 0}; }

std::vector<KindInfo> MakeKinds() {
  return {
      {"Artifact",
       "ArtifactList",
       "artifacts",
       "artifact",
       {"art"},
       false,
       {{"Image", "string", ".spec.image", "Image reference", 0},
        {"Revision", "integer", ".status.revision", "Current revision", 0},
        {"Digest", "string", ".status.digest", "Resolved manifest digest", 1},
        Ready(),
        Age()},
       {kCategory}},
      {"Host",
       "HostList",
       "hosts",
       "host",
       {"wh"},
       false,
       {{"HostID", "string", ".spec.hostId", "Host public key", 0},
        {"Hostgroup", "string", ".metadata.labels.hostgroup", "Host group label", 0},
        Ready(),
        {"Workloads", "integer", ".status.workloadCount", "Workloads running", 1},
        {"Version", "string", ".status.version", "Host version", 1},
        Age()},
       {kCategory}},
      {"Workload",
       "WorkloadList",
       "workloads",
       "workload",
       {"ww"},
       false,
       {{"HostID", "string", ".status.hostId", "Host the workload runs on", 0},
        Ready(),
        {"Phase", "string", ".status.phase", "Lifecycle phase", 1},
        Age()},
       {kCategory, "all"}},
      {"WorkloadReplicaSet",
       "WorkloadReplicaSetList",
       "workloadreplicasets",
       "workloadreplicaset",
       {"wrs"},
       true,
       {{"Replicas", "integer", ".spec.replicas", "Desired replicas", 0},
        {"Ready", "integer", ".status.readyReplicas", "Ready replicas", 0},
        {"Available", "integer", ".status.availableReplicas", "Available replicas", 1},
        Age()},
       {kCategory, "all"}},
      {"WorkloadDeployment",
       "WorkloadDeploymentList",
       "workloaddeployments",
       "workloaddeployment",
       {"wd"},
       true,
       {{"Replicas", "integer", ".spec.replicas", "Desired replicas", 0},
        {"Ready", "integer", ".status.readyReplicas", "Ready replicas", 0},
        {"Up-to-date", "integer", ".status.updatedReplicas", "Replicas of the current template", 0},
        {"Available", "integer", ".status.availableReplicas", "Available replicas", 0},
        Age()},
       {kCategory, "all"}},
  };
}

}  // namespace

const std::vector<KindInfo>& AllKinds() {
  static const std::vector<KindInfo> kinds = MakeKinds();
  return kinds;
}

const KindInfo* FindKind(std::string_view kind) {
  for (const auto& k : AllKinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

const KindInfo* FindKindByPlural(std::string_view plural) {
  for (const auto& k : AllKinds()) {
    if (k.plural == plural) return &k;
  }
  return nullptr;
}

}  // namespace wcloud::api
