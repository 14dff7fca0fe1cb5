#include "operator/replica_set_controller.h"

#include <gtest/gtest.h>

#include <set>

#include "operator/fake_cluster_test_util.h"

namespace wcloud::operator_ {
namespace {

using testing::Cond;
using testing::FakeCluster;

class ReplicaSetControllerTest : public testing::ControllerTest {
 protected:
  api::WorkloadReplicaSet Set(int replicas) {
    api::WorkloadReplicaSet rs;
    rs.metadata.name = "web";
    rs.metadata.namespace_ = "default";
    rs.spec.replicas = replicas;
    rs.spec.template_.metadata.emplace();
    rs.spec.template_.metadata->labels = {{"app", "web"}};
    rs.spec.template_.spec = testing::MakeWorkload("", {{"zone", "a"}}).spec;
    return cluster_.Seed(rs);
  }

  // A Workload owned by `rs`, created `age` seconds after a fixed time, placed or not, Ready or
  // not.
  void Owned(const api::WorkloadReplicaSet& rs, const std::string& name, int age,
             const std::string& host, bool ready) {
    api::Workload w = testing::MakeWorkload(name, {});
    w.metadata.owner_references.push_back(
        {api::kApiVersion, "WorkloadReplicaSet", rs.metadata.name, rs.metadata.uid, true, true});
    w.status.host_id = host;
    if (ready) w.status.conditions = {Cond("Ready", "True")};
    w.metadata.creation_timestamp = "2026-01-01T00:00:0" + std::to_string(age) + "Z";
    cluster_.Seed(w);
  }

  testing::EventLog events_;
  ReplicaSetController controller_{cluster_.client, cluster_.informers, nullptr,
                                   events_.recorder()};
};

TEST_F(ReplicaSetControllerTest, CreatesTheMissingWorkloadsFromTheTemplateOwnedByTheSet) {
  auto rs = Set(3);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = cluster_.TakeWrites();
  ASSERT_EQ(writes.size(), 3u);
  for (const auto& w : writes) {
    EXPECT_EQ(w.method, "POST");
    EXPECT_EQ(w.path.substr(0, w.path.find('?')),
              "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads");
    EXPECT_EQ(w.body["metadata"]["generateName"], "web-");
    EXPECT_EQ(w.body["metadata"]["labels"], Json({{"app", "web"}}));
    const Json& owner = w.body["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner["kind"], "WorkloadReplicaSet");
    EXPECT_EQ(owner["uid"], rs.metadata.uid);
    EXPECT_EQ(owner["controller"], true);
    EXPECT_EQ(w.body["spec"]["hostSelector"], Json({{"zone", "a"}}));
    EXPECT_EQ(w.body["spec"]["components"][0]["image"], "registry.example/web:1");
  }
}

TEST_F(ReplicaSetControllerTest, CreatesAreExpectedUntilTheCacheShowsThem) {
  Set(3);
  // Creates are answered but never stored: the cache cannot catch up.
  cluster_.client.AddReactor([](const kube::FakeClient::Action& a) -> std::optional<Result<Json>> {
    if (a.method == "POST") return Result<Json>(a.body);
    return std::nullopt;
  });
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_EQ(cluster_.TakeWrites().size(), 3u);
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_TRUE(cluster_.TakeWrites().empty()) << "created again before the first three were seen";
}

TEST_F(ReplicaSetControllerTest, AFailedCreateIsAnErrorAndTheNextPassCountsAgain) {
  Set(2);
  bool fail = true;
  cluster_.client.AddReactor([&](const kube::FakeClient::Action& a) -> std::optional<Result<Json>> {
    if (fail && a.method == "POST") return Result<Json>(kube::ApiError(403, "Forbidden", "quota"));
    return std::nullopt;
  });
  ASSERT_TRUE(cluster_.Sync());
  Status first = controller_.Reconcile("default/web");
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code(), ErrorCode::kPermissionDenied);
  fail = false;
  cluster_.TakeWrites();
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_EQ(cluster_.TakeWrites().size(), 2u);
}

TEST_F(ReplicaSetControllerTest, ScaleDownRemovesUnscheduledThenUnreadyThenTheNewest) {
  auto rs = Set(1);
  Owned(rs, "ready-old", 1, "H1", true);
  Owned(rs, "ready-new", 2, "H1", true);
  Owned(rs, "unscheduled", 3, "", false);
  Owned(rs, "placed-unready", 4, "H1", false);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  std::vector<std::string> deleted;
  for (const auto& w : cluster_.TakeWrites()) {
    ASSERT_EQ(w.method, "DELETE");
    deleted.push_back(w.path.substr(w.path.rfind('/') + 1));
  }
  EXPECT_EQ(deleted, (std::vector<std::string>{"unscheduled", "placed-unready", "ready-new"}));
}

TEST_F(ReplicaSetControllerTest, StatusCountsReadyWorkloadsAndCarriesTheScaleSelector) {
  auto rs = Set(2);
  Owned(rs, "a", 1, "H1", true);
  Owned(rs, "b", 2, "H1", false);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto writes = cluster_.TakeWrites();
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(
      writes[0].path.substr(0, writes[0].path.find('?')),
      "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloadreplicasets/web/status");
  const Json& status = writes[0].body["status"];
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["readyReplicas"], 1);
  EXPECT_EQ(status["selector"], "app=web");
  EXPECT_EQ(status["conditions"][0]["reason"], "ReplicasNotReady");
  EXPECT_EQ(status["conditions"][0]["message"], "1/2 workloads ready");

  // Once the cache has the status, the same pass writes nothing.
  ASSERT_TRUE(FakeCluster::WaitFor([&] {
    auto cached = cluster_.informers.replica_sets.Get("default/web");
    return cached && cached->status.ready_replicas == 1;
  }));
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_TRUE(cluster_.TakeWrites().empty());
}

// As `kubectl describe replicaset` shows Kubernetes' replicaset controller's work.
TEST_F(ReplicaSetControllerTest, EachCreateAndDeleteIsAnEventOnTheSet) {
  auto rs = Set(2);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  auto events = events_.Take();
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> names;
  for (const Json& e : events) {
    EXPECT_EQ(e["type"], "Normal");
    EXPECT_EQ(e["reason"], "SuccessfulCreate");
    EXPECT_EQ(e["involvedObject"]["kind"], "WorkloadReplicaSet");
    EXPECT_EQ(e["involvedObject"]["name"], "web");
    EXPECT_EQ(e["involvedObject"]["uid"], rs.metadata.uid);
    const std::string message = e["message"];
    ASSERT_EQ(message.rfind("Created workload: web-", 0), 0u) << message;
    names.insert(message);
  }
  EXPECT_EQ(names.size(), 2u) << "each names the Workload it created";
}

TEST_F(ReplicaSetControllerTest, ADeleteIsAnEventOnTheSet) {
  auto rs = Set(0);
  Owned(rs, "extra", 1, "H1", true);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/web"));
  EXPECT_EQ(events_.TakeLines(),
            (std::vector<std::string>{"Normal SuccessfulDelete: Deleted workload: extra"}));
}

TEST_F(ReplicaSetControllerTest, AFailedCreateIsAWarningSayingWhy) {
  Set(1);
  cluster_.client.AddReactor([&](const kube::FakeClient::Action& a) -> std::optional<Result<Json>> {
    if (a.method == "POST") return Result<Json>(kube::ApiError(403, "Forbidden", "quota exceeded"));
    return std::nullopt;
  });
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_FALSE(controller_.Reconcile("default/web"));
  auto lines = events_.TakeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("Warning FailedCreate: Error creating: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("quota exceeded"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace wcloud::operator_
