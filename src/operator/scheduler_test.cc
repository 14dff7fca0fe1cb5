#include "operator/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "operator/fake_cluster_test_util.h"

namespace wcloud::operator_ {
namespace {

using testing::FakeCluster;
using testing::MakeWorkload;
using testing::ReadyHost;

// Host ids are NKeys: base32, so digits 2 to 7 only.
const std::string kA1 = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4";
const std::string kA2 = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2";
const std::string kB1 = "NBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB4";

class SchedulerTest : public testing::ControllerTest {
 protected:
  // The status the last write gave `name`, and that it was the only write.
  Json StatusWritten(const std::string& name) {
    auto writes = cluster_.TakeWrites();
    if (writes.size() != 1) {
      Json all = Json::array();
      for (const auto& w : writes) all.push_back({{"path", w.path}, {"body", w.body}});
      ADD_FAILURE() << "expected one write, got " << all.dump();
      return Json::object();
    }
    EXPECT_EQ(writes[0].path.substr(0, writes[0].path.find('?')),
              kube::ObjectPath(kWorkloads, "default", name, "status"));
    return writes[0].body["status"];
  }

  testing::EventLog events_;
  Scheduler scheduler_{cluster_.client, cluster_.informers, nullptr, events_.recorder()};
};

TEST_F(SchedulerTest, PlacesOnTheLeastLoadedReadyHostThatMatches) {
  cluster_.Seed(ReadyHost("a1", kA1, {{"zone", "a"}}));
  cluster_.Seed(ReadyHost("a2", kA2, {{"zone", "a"}}));
  cluster_.Seed(ReadyHost("b1", kB1, {{"zone", "b"}}));
  cluster_.Seed(ReadyHost("a3", "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA3",
                          {{"zone", "a"}}, /*ready=*/false));
  auto busy = MakeWorkload("busy", {{"zone", "a"}});
  busy.status.host_id = kA1;
  cluster_.Seed(busy);
  cluster_.Seed(MakeWorkload("web", {{"zone", "a"}}));
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  Json status = StatusWritten("web");
  EXPECT_EQ(status["hostId"], kA2) << status.dump();
  EXPECT_EQ(status["phase"], "Scheduled");
  EXPECT_EQ(status["conditions"][0]["type"], "Scheduled");
  EXPECT_EQ(status["conditions"][0]["message"], "placed on host a2");
  EXPECT_EQ(status["conditions"][1]["type"], "Ready");
  EXPECT_EQ(status["conditions"][1]["status"], "Unknown");
}

TEST_F(SchedulerTest, BackToBackPlacementsSpreadBeforeTheCacheShowsThem) {
  cluster_.Seed(ReadyHost("a1", kA1, {{"zone", "a"}}));
  cluster_.Seed(ReadyHost("a2", kA2, {{"zone", "a"}}));
  cluster_.Seed(MakeWorkload("one", {{"zone", "a"}}));
  cluster_.Seed(MakeWorkload("two", {{"zone", "a"}}));
  // The writes are answered but never reach the cache: only the scheduler's memory spreads.
  cluster_.client.AddReactor([](const kube::FakeClient::Action& a) -> std::optional<Result<Json>> {
    if (a.method == "PATCH") return Result<Json>(Json::object());
    return std::nullopt;
  });
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(scheduler_.Reconcile("default/one"));
  ASSERT_TRUE(scheduler_.Reconcile("default/two"));
  auto writes = cluster_.TakeWrites();
  ASSERT_EQ(writes.size(), 2u);
  EXPECT_NE(writes[0].body["status"]["hostId"], writes[1].body["status"]["hostId"]);
}

TEST_F(SchedulerTest, WithoutAMatchingReadyHostTheWorkloadWaitsAndSaysWhy) {
  cluster_.Seed(ReadyHost("b1", kB1, {{"zone", "b"}}));
  cluster_.Seed(MakeWorkload("web", {{"zone", "a"}}));
  auto pinned = MakeWorkload("pinned", {});
  pinned.spec.host_id = kA1;
  cluster_.Seed(pinned);
  ASSERT_TRUE(cluster_.Sync());

  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  Json status = StatusWritten("web");
  EXPECT_EQ(status["phase"], "Pending");
  EXPECT_EQ(status["conditions"][0]["reason"], "NoMatchingHost");
  EXPECT_EQ(status["conditions"][0]["message"], "no Ready host matches hostSelector zone=a");
  EXPECT_FALSE(status.contains("hostId"));

  ASSERT_TRUE(scheduler_.Reconcile("default/pinned"));
  EXPECT_EQ(StatusWritten("pinned")["conditions"][0]["message"], "host " + kA1 + " is not Ready");
}

TEST_F(SchedulerTest, AMissingConfigMapOrSecretIsNamedAndNothingIsPlaced) {
  cluster_.Seed(ReadyHost("a1", kA1, {}));
  auto w = MakeWorkload("web", {});
  api::EnvironmentSource env;
  env.config_from = {{"settings"}};
  env.secret_from = {{"credentials"}};
  w.spec.components[0].local_resources.emplace().environment = env;
  cluster_.Seed(w);
  ASSERT_TRUE(cluster_.Sync());

  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  Json status = StatusWritten("web");
  EXPECT_EQ(status["conditions"][0]["type"], "ConfigResolved");
  EXPECT_EQ(status["conditions"][0]["message"], "ConfigMap settings not found");

  cluster_.client.Seed({"", "v1", "configmaps", true},
                       {{"metadata", {{"name", "settings"}, {"namespace", "default"}}}});
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  EXPECT_EQ(StatusWritten("web")["conditions"][0]["message"], "Secret credentials not found");

  cluster_.client.Seed({"", "v1", "secrets", true},
                       {{"metadata", {{"name", "credentials"}, {"namespace", "default"}}}});
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  EXPECT_EQ(StatusWritten("web")["hostId"], kA1);
}

TEST_F(SchedulerTest, WorkloadsOfAHostThatIsNoLongerReadyMoveUnlessPinned) {
  cluster_.Seed(ReadyHost("a1", kA1, {{"zone", "a"}}, /*ready=*/false));
  cluster_.Seed(ReadyHost("a2", kA2, {{"zone", "a"}}));
  auto moving = MakeWorkload("moving", {{"zone", "a"}});
  moving.status.host_id = kA1;
  cluster_.Seed(moving);
  auto pinned = MakeWorkload("pinned", {{"zone", "a"}});
  pinned.spec.host_id = kA1;
  pinned.status.host_id = kA1;
  cluster_.Seed(pinned);
  auto settled = MakeWorkload("settled", {{"zone", "a"}});
  settled.status.host_id = kA2;
  cluster_.Seed(settled);
  ASSERT_TRUE(cluster_.Sync());

  ASSERT_TRUE(scheduler_.Reconcile("default/moving"));
  EXPECT_EQ(StatusWritten("moving")["hostId"], kA2);
  ASSERT_TRUE(scheduler_.Reconcile("default/pinned"));
  ASSERT_TRUE(scheduler_.Reconcile("default/settled"));
  EXPECT_TRUE(cluster_.TakeWrites().empty());
}

TEST_F(SchedulerTest, HostsThatLackAnImportedInterfaceAreNotChosenAndTheConditionSaysSo) {
  auto without_kv = ReadyHost("a1", kA1, {{"zone", "a"}});
  without_kv.status.interfaces = {"wasi:http/incoming-handler@0.2.12"};
  auto with_kv = ReadyHost("a2", kA2, {{"zone", "a"}});
  with_kv.status.interfaces = {"wasi:http/incoming-handler@0.2.12",
                               "wasi:keyvalue/store@0.2.0-draft"};
  cluster_.Seed(without_kv);
  auto kv = MakeWorkload("kv", {{"zone", "a"}});
  api::HostInterface store;
  store.namespace_ = "wasi";
  store.package = "keyvalue";
  store.interfaces = {"store"};
  kv.spec.host_interfaces = {store};
  cluster_.Seed(kv);
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(scheduler_.Reconcile("default/kv"));
  Json status = StatusWritten("kv");
  EXPECT_FALSE(status.contains("hostId")) << status.dump();
  EXPECT_EQ(status["conditions"][0]["reason"], "NoHostOffersInterfaces");
  EXPECT_EQ(status["conditions"][0]["message"],
            "no Ready host matching hostSelector zone=a offers every host interface: 1 lack "
            "wasi:keyvalue/store");

  cluster_.Seed(with_kv);
  ASSERT_TRUE(
      testing::FakeCluster::WaitFor([&] { return cluster_.informers.hosts.List().size() == 2; }));
  ASSERT_TRUE(scheduler_.Reconcile("default/kv"));
  EXPECT_EQ(StatusWritten("kv")["hostId"], kA2);
}

// As kube-scheduler records its decisions on the Pod.
TEST_F(SchedulerTest, APlacementIsAScheduledEventOnTheWorkload) {
  cluster_.Seed(ReadyHost("a1", kA1, {{"zone", "a"}}));
  auto w = cluster_.Seed(MakeWorkload("web", {{"zone", "a"}}));
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  auto events = events_.Take();
  ASSERT_EQ(
      testing::EventLog::Lines(events),
      (std::vector<std::string>{"Normal Scheduled: Successfully assigned default/web to a1"}));
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Workload");
  EXPECT_EQ(events[0]["involvedObject"]["uid"], w.metadata.uid);
}

// Every host change retries a waiting Workload: the same reason is told once, a new one again.
TEST_F(SchedulerTest, FailedSchedulingIsAWarningToldOncePerReason) {
  cluster_.Seed(ReadyHost("b1", kB1, {{"zone", "b"}}));
  cluster_.Seed(MakeWorkload("web", {{"zone", "a"}}));
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));
  ASSERT_TRUE(FakeCluster::WaitFor([&] {
    auto got = cluster_.informers.workloads.Get("default/web");
    return got && !got->status.conditions.empty();
  }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(scheduler_.Reconcile("default/web"));

  auto without_kv = ReadyHost("a1", kA1, {{"zone", "a"}});
  without_kv.status.interfaces = {"wasi:http/incoming-handler@0.2.12"};
  cluster_.Seed(without_kv);
  Json patch = {
      {"spec",
       {{"hostInterfaces",
         {{{"namespace", "wasi"}, {"package", "keyvalue"}, {"interfaces", {"store"}}}}}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kWorkloads, "default", "web"), &patch,
                                 "application/merge-patch+json"));
  ASSERT_TRUE(FakeCluster::WaitFor([&] {
    auto got = cluster_.informers.workloads.Get("default/web");
    return cluster_.informers.hosts.List().size() == 2 && got && !got->spec.host_interfaces.empty();
  }));
  ASSERT_TRUE(scheduler_.Reconcile("default/web"));

  auto events = events_.Take();
  EXPECT_THAT(testing::EventLog::Lines(events),
              ::testing::UnorderedElementsAre(
                  "Warning FailedScheduling: 0/1 hosts are available: no Ready host matches "
                  "hostSelector zone=a",
                  "Warning FailedScheduling: 0/2 hosts are available: no Ready host matching "
                  "hostSelector zone=a offers every host interface: 1 lack wasi:keyvalue/store"));
  for (const Json& e : events) EXPECT_EQ(e["count"], 1) << e.dump();
}

}  // namespace
}  // namespace wcloud::operator_
