#include "operator/workload_dispatcher.h"

#include <gtest/gtest.h>

#include "hostapi/codec.h"
#include "hostapi/sealing.h"
#include "operator/fake_cluster_test_util.h"
#include "util/base64.h"

namespace wcloud::operator_ {
namespace {

using testing::MakeWorkload;
using testing::ReadyHost;

const std::string kA = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4";
const std::string kB = "NBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB4";
const kube::ResourceType kSecrets{"", "v1", "secrets", true};
const kube::ResourceType kConfigMaps{"", "v1", "configmaps", true};

// Hosts as the dispatcher sees them: every command recorded, answers chosen by the test.
class RecordingHosts final : public hostapi::HostClient {
 public:
  struct Call {
    std::string command, host_id, workload_id;
    std::optional<hostapi::WorkloadStartRequest> start;
  };

  Result<hostapi::WorkloadStatus> Start(const std::string& host_id,
                                        const hostapi::WorkloadStartRequest& request) override {
    MutexLock lock(mu_);
    calls_.push_back({"start", host_id, request.workload_id, request});
    if (down_.count(host_id))
      return Error("host " + host_id + ": no answer", ErrorCode::kUnavailable);
    if (!start_error_.empty()) {
      return hostapi::WorkloadStatus{request.workload_id, hostapi::WorkloadState::kError,
                                     start_error_};
    }
    return hostapi::WorkloadStatus{request.workload_id, hostapi::WorkloadState::kRunning,
                                   "serving on http://127.0.0.1:8080", service_};
  }
  Result<hostapi::WorkloadStatus> Stop(const std::string& host_id,
                                       const std::string& workload_id) override {
    MutexLock lock(mu_);
    calls_.push_back({"stop", host_id, workload_id, std::nullopt});
    if (down_.count(host_id))
      return Error("host " + host_id + ": no answer", ErrorCode::kUnavailable);
    return hostapi::WorkloadStatus{workload_id, hostapi::WorkloadState::kCompleted, ""};
  }
  Result<hostapi::WorkloadStatus> Status(const std::string& host_id,
                                         const std::string& workload_id) override {
    MutexLock lock(mu_);
    calls_.push_back({"status", host_id, workload_id, std::nullopt});
    if (down_.count(host_id))
      return Error("host " + host_id + ": no answer", ErrorCode::kUnavailable);
    return hostapi::WorkloadStatus{workload_id, hostapi::WorkloadState::kRunning, "serving",
                                   service_, guest_failures_};
  }
  Result<hostapi::HostHeartbeat> Heartbeat(const std::string& host_id) override {
    return Error("host " + host_id + ": not asked in these tests");
  }
  Result<hostapi::WorkloadList> List(const std::string& host_id) override {
    MutexLock lock(mu_);
    calls_.push_back({"list", host_id, "", std::nullopt});
    return hostapi::WorkloadList{running_[host_id]};
  }
  void SetRunning(const std::string& host_id, std::vector<std::string> ids) {
    MutexLock lock(mu_);
    running_[host_id] = std::move(ids);
  }

  std::vector<Call> Take() {
    MutexLock lock(mu_);
    return std::exchange(calls_, {});
  }
  void SetDown(const std::string& host_id, bool down) {
    MutexLock lock(mu_);
    if (down) {
      down_.insert(host_id);
    } else {
      down_.erase(host_id);
    }
  }
  // What Start and Status say of the workload's service from now on.
  void SetService(std::optional<hostapi::ServiceStatus> service) {
    MutexLock lock(mu_);
    service_ = std::move(service);
  }
  // What Status says of the workload's failed requests from now on.
  void SetGuestFailures(std::optional<hostapi::GuestFailures> failures) {
    MutexLock lock(mu_);
    guest_failures_ = std::move(failures);
  }
  void FailStarts(std::string message) {
    MutexLock lock(mu_);
    start_error_ = std::move(message);
  }

 private:
  Mutex mu_;
  std::vector<Call> calls_ GUARDED_BY(mu_);
  std::set<std::string> down_ GUARDED_BY(mu_);
  std::string start_error_ GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> running_ GUARDED_BY(mu_);
  std::optional<hostapi::ServiceStatus> service_ GUARDED_BY(mu_);
  std::optional<hostapi::GuestFailures> guest_failures_ GUARDED_BY(mu_);
};

// A heartbeat of one of our hosts (it advertises a seal key) running `workloads`.
hostapi::HostHeartbeat Beat(const std::string& host_id, uint64_t workloads = 0) {
  hostapi::HostHeartbeat hb;
  hb.id = host_id;
  hb.labels = {{"hostgroup", "default"}, {hostapi::kSealKeyLabel, "X"}};
  hb.workload_count = workloads;
  return hb;
}

class WorkloadDispatcherTest : public testing::ControllerTest {
 protected:
  WorkloadDispatcherTest() : key_(std::move(hostapi::SealKey::Generate()).value()) {}

  void SeedHost(const std::string& name, const std::string& id, bool seal_key = true) {
    api::StringMap labels = {{"hostgroup", "default"}};
    if (seal_key) labels[hostapi::kSealKeyLabel] = key_.PublicKey();
    cluster_.Seed(ReadyHost(name, id, labels));
  }

  // A Workload placed on `host_id`, holding the dispatcher's finalizer.
  api::Workload Placed(const std::string& name, const std::string& host_id) {
    api::Workload w = MakeWorkload(name, {{"hostgroup", "default"}});
    w.metadata.finalizers = {WorkloadDispatcher::kFinalizer};
    w.status.host_id = host_id;
    return w;
  }

  // With its environment from a ConfigMap and a Secret, and a registry pull secret.
  api::Workload WithSecrets(api::Workload w) {
    cluster_.client.Seed(kConfigMaps, {{"metadata", {{"name", "cfg"}, {"namespace", "default"}}},
                                       {"data", {{"PLAIN", "visible-value"}}}});
    cluster_.client.Seed(kSecrets, {{"metadata", {{"name", "db"}, {"namespace", "default"}}},
                                    {"data", {{"PASSWORD", Base64Encode("s3cret-value")}}}});
    const std::string docker = R"({"auths":{"registry.example":{"auth":")" +
                               Base64Encode("puller:pull-s3cret") + R"("}}})";
    cluster_.client.Seed(kSecrets, {{"metadata", {{"name", "pull"}, {"namespace", "default"}}},
                                    {"type", "kubernetes.io/dockerconfigjson"},
                                    {"data", {{".dockerconfigjson", Base64Encode(docker)}}}});
    api::LocalResources lr;
    lr.environment = api::EnvironmentSource{{{"LITERAL", "x"}}, {{"cfg"}}, {{"db"}}};
    w.spec.components[0].local_resources = lr;
    w.spec.components[0].image_pull_secret = api::LocalObjectReference{"pull"};
    return w;
  }

  Json Fetch(const std::string& name) {
    return *cluster_.client.Get(kube::ObjectPath(kWorkloads, "default", name));
  }
  static Json Ready(const Json& w) {
    for (const auto& c : w["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == "Ready") return c;
    }
    return Json::object();
  }
  // Reconciles `name` once the cache has caught up with the last write.
  Status ReconcileFresh(const std::string& name) { return ReconcileFresh(name, *dispatcher_); }
  Status ReconcileFresh(const std::string& name, WorkloadDispatcher& dispatcher) {
    const std::string version = Fetch(name)["metadata"]["resourceVersion"];
    EXPECT_TRUE(testing::FakeCluster::WaitFor([&] {
      auto w = cluster_.informers.workloads.Get("default/" + name);
      return w && w->metadata.resource_version == version;
    }));
    return dispatcher.Reconcile("default/" + name);
  }
  // Before the informers start: a handler added later would race with their events.
  std::unique_ptr<WorkloadDispatcher> NewDispatcher(WorkloadDispatcher::Options options = {}) {
    return std::make_unique<WorkloadDispatcher>(cluster_.client, cluster_.informers, hosts_,
                                                options);
  }
  void MakeDispatcher() { dispatcher_ = NewDispatcher(); }

  hostapi::SealKey key_;
  RecordingHosts hosts_;
  // Members, so they outlive the informers that call them (stopped in TearDown).
  std::unique_ptr<WorkloadDispatcher> dispatcher_;
  std::unique_ptr<WorkloadDispatcher> lenient_;
};

TEST_F(WorkloadDispatcherTest, TheServiceShowsAsAConditionARestartCountAndBackOffEvents) {
  SeedHost("a", kA);
  api::Workload w = Placed("svc", kA);
  api::Service service;
  service.image = "ghcr.io/example/svc:1";
  service.max_restarts = 3;
  w.spec.service = service;
  cluster_.Seed(w);
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  hosts_.SetService(hostapi::ServiceStatus{"Running", 0, ""});
  ASSERT_TRUE(dispatcher_->Reconcile("default/svc"));
  auto condition = [&](const std::string& type) {
    for (const auto& c : Fetch("svc")["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == type) return c;
    }
    return Json(Json::object());
  };
  EXPECT_EQ(condition("ServiceReady").value("status", ""), "True");
  EXPECT_EQ(Fetch("svc")["status"].value("serviceRestarts", -1), 0);

  hosts_.SetService(hostapi::ServiceStatus{"BackOff", 2, "exited with status 1"});
  ASSERT_TRUE(ReconcileFresh("svc"));
  EXPECT_EQ(condition("ServiceReady").value("reason", ""), "BackOff");
  EXPECT_EQ(Fetch("svc")["status"].value("serviceRestarts", -1), 2);
  EXPECT_EQ(condition("Ready").value("status", ""), "True") << "the components still serve";

  hosts_.SetService(hostapi::ServiceStatus{"Failed", 3, "exited with status 1"});
  ASSERT_TRUE(ReconcileFresh("svc"));
  EXPECT_EQ(condition("ServiceReady").value("reason", ""), "Failed");
  EXPECT_EQ(Fetch("svc")["status"].value("serviceRestarts", -1), 3);

  std::set<std::string> reasons;
  EXPECT_TRUE(testing::FakeCluster::WaitFor([&] {
    auto events = cluster_.client.Get("/api/v1/namespaces/default/events");
    if (!events) return false;
    for (const auto& e : (*events).value("items", Json::array())) {
      reasons.insert(e.value("reason", ""));
    }
    return reasons.count("BackOff") && reasons.count("Failed");
  }));
}

TEST_F(WorkloadDispatcherTest, LimitsTravelAndFailedRequestsShowInStatusAndEvents) {
  SeedHost("a", kA);
  api::Workload w = Placed("hog", kA);
  w.spec.components[0].local_resources = api::LocalResources{};
  w.spec.components[0].local_resources->memory_limit_mb = 32;
  w.spec.components[0].local_resources->cpu_limit = 2;
  w.metadata.annotations["wcloud.dev/request-timeout"] = "2s";
  cluster_.Seed(w);
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/hog"));
  auto calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 1u);
  const hostapi::WorkloadStartRequest& request = *calls[0].start;
  const auto& lr = request.workload.wit_world.components.at(0).local_resources;
  EXPECT_EQ(lr.memory_limit_mb, 32);
  EXPECT_EQ(lr.cpu_limit, 2);
  EXPECT_EQ(request.workload.annotations.at("wcloud.dev/request-timeout"), "2s");
  EXPECT_FALSE(Fetch("hog")["status"].contains("guestFailures"));

  hosts_.SetGuestFailures(hostapi::GuestFailures{.traps = 3,
                                                 .deadline_exceeded = 1,
                                                 .memory_limit = 2,
                                                 .last_time = "2026-12-07T21:00:00Z",
                                                 .last_message = "component c: GET /: trapped"});
  ASSERT_TRUE(ReconcileFresh("hog"));
  const Json failures = Fetch("hog")["status"]["guestFailures"];
  EXPECT_EQ(failures, Json({{"traps", 3},
                            {"deadlineExceeded", 1},
                            {"memoryLimit", 2},
                            {"lastFailureTime", "2026-12-07T21:00:00Z"},
                            {"lastFailureMessage", "component c: GET /: trapped"}}));
  EXPECT_EQ(Ready(Fetch("hog"))["status"], "True") << "failed requests do not make it unready";

  std::string message;
  EXPECT_TRUE(testing::FakeCluster::WaitFor([&] {
    auto events = cluster_.client.Get("/api/v1/namespaces/default/events");
    if (!events) return false;
    for (const auto& e : (*events).value("items", Json::array())) {
      if (e.value("reason", "") == "MemoryLimitExceeded") message = e.value("message", "");
    }
    return !message.empty();
  }));
  EXPECT_EQ(message,
            "2 request(s) trapped with the guest's memory at its limit; the last: component c: "
            "GET /: trapped");
}

TEST_F(WorkloadDispatcherTest, SecretValuesTravelSealedForTheHostAndNothingElseDoes) {
  SeedHost("a", kA);
  cluster_.Seed(WithSecrets(Placed("web", kA)));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));

  auto calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 1u);
  ASSERT_TRUE(calls[0].start);
  const hostapi::WorkloadStartRequest& request = *calls[0].start;
  const std::string wire = hostapi::Encode(request).dump();
  for (const char* secret : {"s3cret-value", "pull-s3cret"}) {
    EXPECT_EQ(wire.find(secret), std::string::npos) << "in plaintext on the wire: " << wire;
  }
  const auto& component = request.workload.wit_world.components.at(0);
  const auto& env = component.local_resources.environment;
  EXPECT_EQ(env.at("PLAIN"), "visible-value");
  EXPECT_EQ(env.at("LITERAL"), "x");
  ASSERT_TRUE(hostapi::IsSealed(env.at("PASSWORD")));
  auto opened = key_.Open(env.at("PASSWORD"), request.workload_id);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*opened, "s3cret-value");
  EXPECT_FALSE(key_.Open(env.at("PASSWORD"), "another-workload")) << "bound to the workload ID";
  ASSERT_TRUE(component.image_pull_secret);
  EXPECT_EQ(component.image_pull_secret->username, "puller");
  EXPECT_EQ(*key_.Open(component.image_pull_secret->password, request.workload_id), "pull-s3cret");
  // Our hosts add wcloud's extensions to their answers only when asked (wasmCloud's operator
  // refuses unknown fields), and not into the Workload itself.
  EXPECT_EQ(request.workload.annotations.at(hostapi::kExtensionsAnnotation),
            hostapi::kExtensionsVersion);

  // The placement is recorded, the status says it serves, and nothing secret shows anywhere.
  Json w = Fetch("web");
  EXPECT_EQ(w["metadata"]["annotations"][kWorkloadIdAnnotation], request.workload_id + "@" + kA);
  EXPECT_EQ(request.workload_id.rfind(w["metadata"]["uid"].get<std::string>() + "-", 0), 0u);
  EXPECT_EQ(Ready(w)["status"], "True") << w.dump(2);
  EXPECT_EQ(Ready(w)["reason"], "Serving");
  EXPECT_EQ(w.dump().find("s3cret"), std::string::npos);
}

TEST_F(WorkloadDispatcherTest, AHostWithoutASealKeyGetsSecretsOnlyWhenPlaintextIsAllowed) {
  SeedHost("a", kA, /*seal_key=*/false);
  cluster_.Seed(WithSecrets(Placed("web", kA)));
  cluster_.Seed(Placed("plain", kA));
  MakeDispatcher();
  lenient_ = NewDispatcher({.allow_plaintext_secrets = true});
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  ASSERT_TRUE(dispatcher_->Reconcile("default/plain"));
  auto calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 1u) << "only the Workload without secrets starts";
  EXPECT_EQ(calls[0].start->workload.name, "plain");
  Json w = Fetch("web");
  EXPECT_EQ(Ready(w)["status"], "False");
  EXPECT_EQ(Ready(w)["reason"], "SecretsNotSealable");
  EXPECT_NE(Ready(w)["message"].get<std::string>().find("--allow-plaintext-secrets"),
            std::string::npos);

  ASSERT_TRUE(ReconcileFresh("web", *lenient_));
  calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(
      calls[0].start->workload.wit_world.components[0].local_resources.environment.at("PASSWORD"),
      "s3cret-value");
}

TEST_F(WorkloadDispatcherTest, ARunningWorkloadIsAskedNotStartedAgain) {
  SeedHost("a", kA);
  cluster_.Seed(Placed("web", kA));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  ASSERT_EQ(hosts_.Take().size(), 1u);
  ASSERT_TRUE(ReconcileFresh("web"));
  auto calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].command, "status");
}

TEST_F(WorkloadDispatcherTest, RefusedStartsWaitForANewRevision) {
  SeedHost("a", kA);
  cluster_.Seed(Placed("web", kA));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  hosts_.FailStarts("InvalidComponent: component web: not a component");
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  ASSERT_TRUE(ReconcileFresh("web"));
  EXPECT_EQ(hosts_.Take().size(), 1u) << "the same revision is not sent again";
  Json w = Fetch("web");
  EXPECT_EQ(w["status"]["phase"], "Failed");
  EXPECT_EQ(Ready(w)["reason"], "InvalidComponent");
  EXPECT_EQ(Ready(w)["message"], "component web: not a component");

  // A wasmCloud host's free-text error still makes a condition.
  hosts_.FailStarts("failed to compile component");
  Json patch = {
      {"spec", {{"components", {{{"name", "web"}, {"image", "registry.example/web:2"}}}}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kWorkloads, "default", "web"), &patch,
                                 "application/merge-patch+json"));
  ASSERT_TRUE(ReconcileFresh("web"));
  EXPECT_EQ(hosts_.Take().size(), 1u) << "a new revision is tried";
  EXPECT_EQ(Ready(Fetch("web"))["reason"], "WorkloadError");
}

TEST_F(WorkloadDispatcherTest, AMoveStartsFirstAndAStopTheOldHostMissedIsSentWhenItIsBack) {
  SeedHost("a", kA);
  SeedHost("b", kB);
  cluster_.Seed(Placed("web", kA));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  auto first = hosts_.Take();
  ASSERT_EQ(first.size(), 1u);
  const std::string id = first[0].workload_id;

  // Host A goes silent; the scheduler moves the Workload to B.
  hosts_.SetDown(kA, true);
  Json patch = {{"status", {{"hostId", kB}}}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kWorkloads, "default", "web", "status"),
                                 &patch, "application/merge-patch+json"));
  ASSERT_TRUE(ReconcileFresh("web"));
  auto moved = hosts_.Take();
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].command, "start");
  EXPECT_EQ(moved[0].host_id, kB);
  EXPECT_EQ(moved[0].workload_id, id) << "same revision, same ID";
  EXPECT_EQ(moved[1].command, "stop");
  EXPECT_EQ(moved[1].host_id, kA);

  // A is back: its heartbeat brings the stop it missed, once.
  hosts_.SetDown(kA, false);
  dispatcher_->HostSeen(Beat(kA));
  auto owed = hosts_.Take();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_EQ(owed[0].command, "stop");
  EXPECT_EQ(owed[0].host_id, kA);
  EXPECT_EQ(owed[0].workload_id, id);
  dispatcher_->HostSeen(Beat(kA));
  EXPECT_TRUE(hosts_.Take().empty());
}

TEST_F(WorkloadDispatcherTest, DeletionWaitsForAReadyHostButNotForALostOne) {
  SeedHost("a", kA);
  cluster_.Seed(Placed("web", kA));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  hosts_.Take();

  // The host is Ready but does not answer: the finalizer stays.
  hosts_.SetDown(kA, true);
  ASSERT_TRUE(cluster_.client.Do("DELETE", kube::ObjectPath(kWorkloads, "default", "web")));
  EXPECT_FALSE(ReconcileFresh("web"));
  EXPECT_EQ(Fetch("web")["metadata"]["finalizers"].size(), 1u);

  // Marked NotReady (lost): released; the stop waits for its return.
  api::Host lost = ReadyHost("a", kA, {{"hostgroup", "default"}}, /*ready=*/false);
  Json status = {{"status", EncodeStatus(lost)}};
  ASSERT_TRUE(cluster_.client.Do("PATCH", kube::ObjectPath(kHosts, "default", "a", "status"),
                                 &status, "application/merge-patch+json"));
  ASSERT_TRUE(testing::FakeCluster::WaitFor([&] {
    for (const auto& h : cluster_.informers.hosts.List()) {
      if (ConditionStatus(h->status.conditions, "Ready") == "False") return true;
    }
    return false;
  }));
  ASSERT_TRUE(ReconcileFresh("web"));
  EXPECT_FALSE(cluster_.client.Get(kube::ObjectPath(kWorkloads, "default", "web")))
      << "released and gone";
  hosts_.Take();
  hosts_.SetDown(kA, false);
  dispatcher_->HostSeen(Beat(kA));
  auto owed = hosts_.Take();
  ASSERT_EQ(owed.size(), 1u);
  EXPECT_EQ(owed[0].command, "stop");
}

TEST_F(WorkloadDispatcherTest, AHostRunningMoreThanIsPlacedOnItIsSweptOfStrays) {
  SeedHost("a", kA);
  cluster_.Seed(Placed("web", kA));
  MakeDispatcher();
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(dispatcher_->Reconcile("default/web"));
  const std::string id = hosts_.Take()[0].workload_id;
  ASSERT_TRUE(testing::FakeCluster::WaitFor([&] {
    auto w = cluster_.informers.workloads.Get("default/web");
    return w && w->metadata.annotations.count(kWorkloadIdAnnotation);
  }));

  // As many running as placed: nothing asked.
  dispatcher_->HostSeen(Beat(kA, 1));
  ASSERT_TRUE(dispatcher_->Reconcile("host:" + kA));  // what the loop would run, were it queued
  hosts_.SetRunning(kA, {id, "left-over-from-before-a-restart"});
  hosts_.Take();
  ASSERT_TRUE(dispatcher_->Reconcile("host:" + kA));
  auto calls = hosts_.Take();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].command, "list");
  EXPECT_EQ(calls[1].command, "stop");
  EXPECT_EQ(calls[1].workload_id, "left-over-from-before-a-restart") << "the placed one stays";

  // A host that is not ours (no seal key) is never asked: wasmCloud's would not know the command.
  hostapi::HostHeartbeat theirs = Beat(kA, 5);
  theirs.labels.erase(hostapi::kSealKeyLabel);
  dispatcher_->HostSeen(theirs);
  EXPECT_TRUE(hosts_.Take().empty());
}

}  // namespace
}  // namespace wcloud::operator_
