#include "operator/deployment_controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "operator/fake_cluster_test_util.h"

namespace wcloud::operator_ {
namespace {

using ::testing::ElementsAre;
using testing::FakeCluster;
using ::testing::UnorderedElementsAre;

class DeploymentControllerTest : public testing::ControllerTest {
 protected:
  api::WorkloadDeployment Deployment(int replicas, const std::string& image,
                                     const std::string& policy = "RollingUpdate") {
    api::WorkloadDeployment wd;
    wd.metadata.name = "web";
    wd.metadata.namespace_ = "default";
    wd.spec.replicas = replicas;
    wd.spec.deploy_policy = policy;
    wd.spec.template_.metadata.emplace().labels = {{"app", "web"}};
    wd.spec.template_.spec = testing::MakeWorkload("", {}).spec;
    wd.spec.template_.spec.components[0].image = image;
    return cluster_.Seed(wd);
  }

  // A set of `wd` running `image`, as an earlier rollout left it.
  void OldSet(const api::WorkloadDeployment& wd, const std::string& name, const std::string& image,
              int replicas, int ready, int age = 0) {
    api::WorkloadReplicaSet rs;
    rs.metadata.name = name;
    rs.metadata.creation_timestamp = "2026-01-01T00:00:0" + std::to_string(age) + "Z";
    rs.metadata.namespace_ = "default";
    rs.metadata.owner_references.push_back(
        {api::kApiVersion, "WorkloadDeployment", "web", wd.metadata.uid, true, true});
    rs.spec.replicas = replicas;
    rs.spec.template_ = wd.spec.template_;
    rs.spec.template_.spec.components[0].image = image;
    rs.spec.template_.metadata->labels["runtime.wasmcloud.dev/template-hash"] = name;
    rs.status.replicas = replicas;
    rs.status.ready_replicas = ready;
    cluster_.Seed(rs);
  }

  std::map<std::string, Json> ByMethod() {
    std::map<std::string, Json> out;
    for (const auto& w : cluster_.TakeWrites()) {
      out[w.method + " " + w.path.substr(0, w.path.find('?'))] = w.body;
    }
    return out;
  }

  testing::EventLog events_;
  DeploymentController controller_{cluster_.client, cluster_.informers, nullptr,
                                   events_.recorder()};
};

const std::string kSets =
    "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloadreplicasets";

TEST_F(DeploymentControllerTest, TheFirstSetStartsWithEveryReplicaAndIsNamedByItsTemplate) {
  auto wd = Deployment(3, "registry.example/web:1");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  ASSERT_EQ(writes.size(), 1u);
  const Json& rs = writes["POST " + kSets];
  const std::string name = rs["metadata"]["name"];
  ASSERT_EQ(name.size(), std::string("web-").size() + 10) << name;
  const std::string hash = name.substr(4);
  EXPECT_EQ(rs["spec"]["replicas"], 3);
  EXPECT_EQ(rs["metadata"]["labels"],
            Json({{"app", "web"}, {"runtime.wasmcloud.dev/template-hash", hash}}));
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"], rs["metadata"]["labels"]);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], wd.metadata.uid);
  EXPECT_EQ(rs["spec"]["template"]["spec"]["components"][0]["image"], "registry.example/web:1");
}

TEST_F(DeploymentControllerTest, ASetRunningTheTemplateIsAdoptedWhateverHashNamedIt) {
  auto wd = Deployment(2, "registry.example/web:1");
  OldSet(wd, "web-0123456789", "registry.example/web:1", 2, 2);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  ASSERT_EQ(writes.size(), 1u) << "no new set, only the status";
  const Json& status = writes
      ["PATCH /apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/"
       "workloaddeployments/web/status"]["status"];
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["updatedReplicas"], 2);
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["selector"], "app=web");
  EXPECT_EQ(status["conditions"][1]["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(status["conditions"][2]["status"], "True");
}

TEST_F(DeploymentControllerTest, ARollingUpdateStartsTheNewSetWithinTheSurge) {
  auto wd = Deployment(4, "registry.example/web:2");
  OldSet(wd, "web-old", "registry.example/web:1", 4, 4);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  ASSERT_EQ(writes.size(), 1u);
  // maxSurge 25% of 4 rounds up to 1: 4 old + 1 new.
  EXPECT_EQ(writes["POST " + kSets]["spec"]["replicas"], 1);
}

TEST_F(DeploymentControllerTest, RecreateEmptiesTheOldSetsBeforeTheNewOneGrows) {
  auto wd = Deployment(2, "registry.example/web:2", "Recreate");
  OldSet(wd, "web-old", "registry.example/web:1", 2, 2);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_EQ(writes["POST " + kSets]["spec"]["replicas"], 0);
  EXPECT_EQ(writes["PATCH " + kSets + "/web-old"], Json({{"spec", {{"replicas", 0}}}}));
}

TEST_F(DeploymentControllerTest, AnArtifactImageWaitsForItsFirstRevisionThenRollsOut) {
  Deployment(1, "artifact://hello");
  Json patch = {
      {"spec", {{"artifacts", {{{"name", "web"}, {"artifactFrom", {{"name", "hello"}}}}}}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kDeployments, "default", "web"), &patch,
                                 "application/merge-patch+json"));
  api::Artifact artifact;
  artifact.metadata.name = "hello";
  artifact.metadata.namespace_ = "default";
  artifact.spec.image = "registry.example/hello:1";
  artifact.spec.image_pull_secret = api::LocalObjectReference{"pull"};
  cluster_.Seed(artifact);
  ASSERT_TRUE(cluster_.Sync());
  cluster_.TakeWrites();

  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  ASSERT_EQ(writes.size(), 1u);
  const Json& status = writes.begin()->second["status"];
  EXPECT_EQ(status["conditions"][0]["reason"], "ArtifactNotResolved");
  EXPECT_EQ(status["conditions"][0]["message"], "artifact hello has no revision yet");

  Json revision = {{"status", {{"artifactURL", "registry.example/hello@sha256:abc"}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH",
                                 kube::ObjectPath(kArtifacts, "default", "hello", "status"),
                                 &revision, "application/merge-patch+json"));
  ASSERT_TRUE(FakeCluster::WaitFor([&] {
    auto a = cluster_.informers.artifacts.Get("default/hello");
    return a && !a->status.artifact_url.empty();
  }));
  cluster_.TakeWrites();
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  writes = ByMethod();
  const Json& component = writes["POST " + kSets]["spec"]["template"]["spec"]["components"][0];
  EXPECT_EQ(component["image"], "registry.example/hello@sha256:abc");
  EXPECT_EQ(component["imagePullSecret"], Json({{"name", "pull"}}));
}

TEST_F(DeploymentControllerTest, EmptyOldSetsBeyondTheHistoryLimitGoOldestFirst) {
  auto wd = Deployment(1, "registry.example/web:9");
  Json limit = {{"spec", {{"revisionHistoryLimit", 1}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kDeployments, "default", "web"), &limit,
                                 "application/merge-patch+json"));
  OldSet(wd, "web-current", "registry.example/web:9", 1, 1);
  // v2 oldest, then v1, then v3.
  OldSet(wd, "web-v1", "registry.example/web:1", 0, 0, 2);
  OldSet(wd, "web-v2", "registry.example/web:2", 0, 0, 1);
  OldSet(wd, "web-v3", "registry.example/web:3", 0, 0, 3);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  std::vector<std::string> deleted;
  for (const auto& w : cluster_.TakeWrites()) {
    if (w.method == "DELETE") deleted.push_back(w.path.substr(w.path.rfind('/') + 1));
  }
  EXPECT_EQ(deleted, (std::vector<std::string>{"web-v2", "web-v1"}));
}

// As `kubectl describe deployment` shows Kubernetes' rollouts.
TEST_F(DeploymentControllerTest, TheFirstSetIsRecordedAsScaledUpFromZero) {
  Deployment(3, "registry.example/web:1");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  const std::string name = ByMethod()["POST " + kSets]["metadata"]["name"];
  auto events = events_.Take();
  EXPECT_THAT(
      testing::EventLog::Lines(events),
      ElementsAre("Normal ScalingReplicaSet: Scaled up replica set " + name + " from 0 to 3"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "WorkloadDeployment");
  EXPECT_EQ(events[0]["involvedObject"]["name"], "web");
}

TEST_F(DeploymentControllerTest, ANewTemplateIsRecordedAsANewSetScaledUp) {
  auto wd = Deployment(4, "registry.example/web:2");
  OldSet(wd, "web-old", "registry.example/web:1", 4, 4);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  const std::string name = ByMethod()["POST " + kSets]["metadata"]["name"];
  EXPECT_THAT(events_.TakeLines(),
              UnorderedElementsAre(
                  "Normal NewReplicaSetCreated: Created new replica set " + name,
                  "Normal ScalingReplicaSet: Scaled up replica set " + name + " from 0 to 1"));
}

TEST_F(DeploymentControllerTest, ScalingDownIsRecordedWithBothCounts) {
  auto wd = Deployment(2, "registry.example/web:2", "Recreate");
  OldSet(wd, "web-old", "registry.example/web:1", 2, 2);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_THAT(events_.TakeLines(),
              ::testing::Contains("Normal ScalingReplicaSet: Scaled down replica set web-old "
                                  "from 2 to 0"));
}

TEST_F(DeploymentControllerTest, ACompletedRolloutIsRecordedOnce) {
  auto wd = Deployment(2, "registry.example/web:1");
  OldSet(wd, "web-0123456789", "registry.example/web:1", 2, 2);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  // Once the cache shows the condition it wrote, a reconcile records nothing more.
  ASSERT_TRUE(FakeCluster::WaitFor([&] {
    auto got = cluster_.informers.deployments.Get("default/web");
    return got && !got->status.conditions.empty();
  }));
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto events = events_.Take();
  EXPECT_THAT(testing::EventLog::Lines(events),
              ElementsAre("Normal NewReplicaSetAvailable: WorkloadReplicaSet web-0123456789 has "
                          "successfully progressed"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
}

TEST_F(DeploymentControllerTest, ARolloutIsNotCompleteUntilItsWorkloadsAreReady) {
  auto wd = Deployment(2, "registry.example/web:1");
  OldSet(wd, "web-0123456789", "registry.example/web:1", 2, 0);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = ByMethod();
  const Json& status = writes
      ["PATCH /apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/"
       "workloaddeployments/web/status"]["status"];
  EXPECT_EQ(status["conditions"][1]["reason"], "ReplicaSetUpdated");
  EXPECT_TRUE(events_.TakeLines().empty());
}

}  // namespace
}  // namespace wcloud::operator_
