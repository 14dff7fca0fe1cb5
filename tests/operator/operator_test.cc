// The operator's controllers against a real API server: replica sets make Workloads, the
// scheduler places them on matching Ready hosts, spreading them.
#include "operator/operator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <thread>

#include "apiserver/api_server.h"
#include "kube/rest_client.h"
#include "operator/host_registry.h"
#include "support/subprocess.h"

namespace wcloud::operator_ {
namespace {

using namespace std::chrono_literals;

const kube::ResourceType kReplicaSets{"runtime.wasmcloud.dev", "v1alpha1", "workloadreplicasets",
                                      true};
const kube::ResourceType kWorkloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};

class OperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = apiserver::ObjectStore::Open(dir_.path() / "state.db", {});
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    apiserver::ApiServer::Options options;
    options.listen = "127.0.0.1:0";
    auto server = apiserver::ApiServer::Start(*store_, options);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    kube::RestConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<kube::RestClient>(config);
    hosts_ = std::make_unique<HostRegistry>(*client_, "default", 60s);
    operator_ = std::make_unique<Operator>(*client_, "");
    operator_->Start();
    ASSERT_TRUE(operator_->WaitForSync(5s));
  }
  void TearDown() override {
    operator_.reset();
    if (server_) server_->Stop();
  }

  void AddHost(const std::string& id, const std::string& group) {
    hostapi::HostHeartbeat hb;
    hb.id = id;
    hb.hostname = id;
    hb.labels = {{"hostgroup", group}};
    ASSERT_TRUE(hosts_->Record(hb));
  }

  void CreateReplicaSet(const std::string& name, int replicas, const Json& spec_extra = {}) {
    Json spec = {{"hostSelector", {{"hostgroup", "a"}}},
                 {"components", {{{"name", "c"}, {"image", "ghcr.io/x/c:1"}}}}};
    if (spec_extra.is_object()) spec.merge_patch(spec_extra);
    Json rs = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
               {"kind", "WorkloadReplicaSet"},
               {"metadata", {{"name", name}, {"namespace", "default"}}},
               {"spec",
                {{"replicas", replicas},
                 {"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", spec}}}}}};
    ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kReplicaSets, "default"), &rs));
  }

  // Polls until `done` holds for the Workloads labelled app=`app`, or times out.
  std::vector<Json> WaitWorkloads(const std::string& app,
                                  const std::function<bool(const std::vector<Json>&)>& done) {
    std::vector<Json> items;
    for (int i = 0; i < 200; ++i) {
      auto list =
          client_->Get(kube::CollectionPath(kWorkloads, "default") + "?labelSelector=app%3D" + app);
      items.clear();
      if (list) {
        for (const auto& w : (*list)["items"]) {
          if (!w["metadata"].contains("deletionTimestamp")) items.push_back(w);
        }
      }
      if (done(items)) break;
      std::this_thread::sleep_for(25ms);
    }
    return items;
  }

  static std::string Host(const Json& w) {
    return w.contains("status") ? w["status"].value("hostId", "") : "";
  }

  wcloud::testing::TempDir dir_;
  std::unique_ptr<apiserver::ObjectStore> store_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<HostRegistry> hosts_;
  std::unique_ptr<Operator> operator_;
};

TEST_F(OperatorTest, ReplicaSetsKeepTheirCountAndSpreadOverMatchingHosts) {
  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4", "a");
  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2", "a");
  AddHost("NBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB3", "b");
  // Spreading is over the hosts the scheduler knows: wait until it has seen all three.
  for (int i = 0; i < 200 && operator_->KnownHosts().size() < 3; ++i)
    std::this_thread::sleep_for(10ms);
  for (int i = 0; i < 200; ++i) {
    int ready = 0;
    for (const auto& h : operator_->KnownHosts()) {
      ready += !h->status.conditions.empty();
    }
    if (ready == 3) break;
    std::this_thread::sleep_for(10ms);
  }
  CreateReplicaSet("web", 6);
  auto items = WaitWorkloads("web", [](const std::vector<Json>& ws) {
    if (ws.size() != 6) return false;
    for (const auto& w : ws) {
      if (Host(w).empty()) return false;
    }
    return true;
  });
  ASSERT_EQ(items.size(), 6u);
  std::map<std::string, int> per_host;
  for (const auto& w : items) {
    ++per_host[Host(w)];
    EXPECT_EQ(w["metadata"]["ownerReferences"][0]["kind"], "WorkloadReplicaSet");
    EXPECT_EQ(w["status"]["conditions"][0]["type"], "Scheduled");
  }
  EXPECT_EQ(per_host.size(), 2u) << "only hostgroup=a hosts, both used";
  // Even (3/3) in steady runs; a 2/4 split was seen under heavy CPU starvation (see the note).
  int a = per_host["NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4"];
  int b = per_host["NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2"];
  EXPECT_LE(std::abs(a - b), 2) << a << "/" << b;

  // Scale down, then up.
  Json scale = {{"spec", {{"replicas", 2}}}};
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kReplicaSets, "default", "web"), &scale,
                          "application/merge-patch+json"));
  EXPECT_EQ(WaitWorkloads("web", [](const auto& ws) { return ws.size() == 2; }).size(), 2u);
  scale["spec"]["replicas"] = 4;
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kReplicaSets, "default", "web"), &scale,
                          "application/merge-patch+json"));
  EXPECT_EQ(WaitWorkloads("web", [](const auto& ws) { return ws.size() == 4; }).size(), 4u);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(WaitWorkloads("web", [](const auto&) { return true; }).size(), 4u) << "no extras";
  auto rs = client_->Get(kube::ObjectPath(kReplicaSets, "default", "web"));
  ASSERT_TRUE(rs);
  for (int i = 0; i < 100 && (*rs)["status"].value("replicas", 0) != 4; ++i) {
    std::this_thread::sleep_for(25ms);
    rs = client_->Get(kube::ObjectPath(kReplicaSets, "default", "web"));
  }
  EXPECT_EQ((*rs)["status"]["replicas"], 4);
  EXPECT_EQ((*rs)["status"]["selector"], "app=web");
}

TEST_F(OperatorTest, WorkloadsWaitForAMatchingHostAndHonourPins) {
  CreateReplicaSet("waiting", 1);
  auto pending = WaitWorkloads("waiting", [](const std::vector<Json>& ws) {
    return ws.size() == 1 && ws[0].contains("status") &&
           ws[0]["status"].value("phase", "") == "Pending";
  });
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["status"]["conditions"][0]["reason"], "NoMatchingHost");
  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4", "a");
  auto placed = WaitWorkloads("waiting", [](const std::vector<Json>& ws) {
    return ws.size() == 1 && !Host(ws[0]).empty();
  });
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_EQ(Host(placed[0]), "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4");

  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2", "a");
  CreateReplicaSet("pinned", 3,
                   {{"hostId", "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2"}});
  auto pins = WaitWorkloads("pinned", [](const std::vector<Json>& ws) {
    if (ws.size() != 3) return false;
    for (const auto& w : ws) {
      if (Host(w).empty()) return false;
    }
    return true;
  });
  ASSERT_EQ(pins.size(), 3u);
  for (const auto& w : pins)
    EXPECT_EQ(Host(w), "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2");
}

TEST_F(OperatorTest, MissingConfigHoldsAWorkloadUntilItExists) {
  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4", "a");
  CreateReplicaSet(
      "configured", 1,
      {{"components",
        {{{"name", "c"},
          {"image", "ghcr.io/x/c:1"},
          {"localResources", {{"environment", {{"configFrom", {{{"name", "app-config"}}}}}}}}}}}});
  auto pending = WaitWorkloads("configured", [](const std::vector<Json>& ws) {
    return ws.size() == 1 && ws[0].contains("status") &&
           ws[0]["status"].value("phase", "") == "Pending";
  });
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0]["status"]["conditions"][0]["message"], "ConfigMap app-config not found");
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "app-config"}, {"namespace", "default"}}},
             {"data", {{"LOG_LEVEL", "debug"}}}};
  ASSERT_TRUE(client_->Do("POST", "/api/v1/namespaces/default/configmaps", &cm));
  auto placed = WaitWorkloads("configured", [](const std::vector<Json>& ws) {
    return ws.size() == 1 && !Host(ws[0]).empty();
  });
  ASSERT_EQ(placed.size(), 1u);
  EXPECT_FALSE(Host(placed[0]).empty());
}

TEST_F(OperatorTest, DeploymentsRollOutNewTemplatesAndKeepHistory) {
  AddHost("NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA4", "a");
  const kube::ResourceType kDeployments{"runtime.wasmcloud.dev", "v1alpha1", "workloaddeployments",
                                        true};
  Json wd = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
             {"kind", "WorkloadDeployment"},
             {"metadata", {{"name", "site"}, {"namespace", "default"}}},
             {"spec",
              {{"replicas", 3},
               {"revisionHistoryLimit", 1},
               {"template",
                {{"metadata", {{"labels", {{"app", "site"}}}}},
                 {"spec",
                  {{"hostSelector", {{"hostgroup", "a"}}},
                   {"components", {{{"name", "c"}, {"image", "ghcr.io/x/site:1"}}}}}}}}}}};
  ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kDeployments, "default"), &wd));
  auto sets = [&] {
    std::map<std::string, int> out;  // image → spec.replicas
    auto list = client_->Get(kube::CollectionPath(kReplicaSets, "default"));
    if (list) {
      for (const auto& rs : (*list)["items"]) {
        out[rs["spec"]["template"]["spec"]["components"][0]["image"]] = rs["spec"]["replicas"];
      }
    }
    return out;
  };
  auto wait = [&](const std::function<bool(const std::map<std::string, int>&)>& done) {
    for (int i = 0; i < 200 && !done(sets()); ++i) std::this_thread::sleep_for(25ms);
    return sets();
  };
  auto first = wait([](const auto& s) { return s.size() == 1 && s.begin()->second == 3; });
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(WaitWorkloads("site", [](const auto& ws) { return ws.size() == 3; }).size(), 3u);

  auto set_image = [&](const std::string& image) {
    Json patch = {
        {"spec",
         {{"template", {{"spec", {{"components", {{{"name", "c"}, {"image", image}}}}}}}}}}};
    ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kDeployments, "default", "site"), &patch,
                            "application/merge-patch+json"));
  };
  set_image("ghcr.io/x/site:2");
  auto second = wait([](const auto& s) {
    return s.count("ghcr.io/x/site:2") && s.at("ghcr.io/x/site:2") == 3 &&
           s.count("ghcr.io/x/site:1") && s.at("ghcr.io/x/site:1") == 0;
  });
  EXPECT_EQ(second["ghcr.io/x/site:2"], 3);
  EXPECT_EQ(second["ghcr.io/x/site:1"], 0) << "the old set stays, scaled to zero";
  auto workloads = WaitWorkloads("site", [](const std::vector<Json>& ws) {
    if (ws.size() != 3) return false;
    for (const auto& w : ws) {
      if (w["spec"]["components"][0]["image"] != "ghcr.io/x/site:2") return false;
    }
    return true;
  });
  EXPECT_EQ(workloads.size(), 3u);

  set_image("ghcr.io/x/site:3");
  auto third = wait([](const auto& s) {
    return s.size() == 2 && s.count("ghcr.io/x/site:3") && s.at("ghcr.io/x/site:3") == 3;
  });
  EXPECT_EQ(third.size(), 2u) << "revisionHistoryLimit 1 keeps one old set";
  EXPECT_FALSE(third.count("ghcr.io/x/site:1"));

  Json scale = {{"spec", {{"replicas", 5}}}};
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kDeployments, "default", "site", "scale"),
                          &scale, "application/merge-patch+json"));
  auto scaled = wait(
      [](const auto& s) { return s.count("ghcr.io/x/site:3") && s.at("ghcr.io/x/site:3") == 5; });
  EXPECT_EQ(scaled["ghcr.io/x/site:3"], 5);
  auto status = client_->Get(kube::ObjectPath(kDeployments, "default", "site"));
  for (int i = 0; i < 100 && (*status)["status"].value("updatedReplicas", 0) != 5; ++i) {
    std::this_thread::sleep_for(25ms);
    status = client_->Get(kube::ObjectPath(kDeployments, "default", "site"));
  }
  EXPECT_EQ((*status)["status"]["updatedReplicas"], 5);
  EXPECT_EQ((*status)["status"]["selector"], "app=site");
}

}  // namespace
}  // namespace wcloud::operator_

namespace wcloud::operator_ {
namespace {

TEST_F(OperatorTest, WorkloadsOfALostHostMoveToAReadyOne) {
  const std::string lost = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA6";
  const std::string kept = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA7";
  HostRegistry short_ttl(*client_, "default", 1s);
  auto beat = [&](const std::string& id) {
    hostapi::HostHeartbeat hb;
    hb.id = id;
    hb.hostname = id;
    hb.labels = {{"hostgroup", "a"}};
    ASSERT_TRUE(short_ttl.Record(hb));
  };
  beat(lost);
  CreateReplicaSet("movable", 2);
  auto placed = WaitWorkloads("movable", [&](const std::vector<Json>& ws) {
    return ws.size() == 2 && Host(ws[0]) == lost && Host(ws[1]) == lost;
  });
  ASSERT_EQ(placed.size(), 2u);
  ASSERT_EQ(Host(placed[0]), lost);
  beat(kept);
  // Only `kept` goes on heartbeating; `lost` passes its TTL and is marked NotReady.
  bool moved = false;
  for (int i = 0; i < 100 && !moved; ++i) {
    beat(kept);
    ASSERT_TRUE(short_ttl.MarkStale());
    auto now = WaitWorkloads("movable", [](const std::vector<Json>&) { return true; });
    moved = now.size() == 2 && Host(now[0]) == kept && Host(now[1]) == kept;
    if (!moved) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(moved) << "the Workloads stayed on the host that went silent";
}

}  // namespace
}  // namespace wcloud::operator_
