// Heartbeats become Host objects; silent hosts turn NotReady after the TTL; each change of
// readiness is an Event on the Host.
#include "operator/host_registry.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "apiserver/api_server.h"
#include "kube/event_recorder.h"
#include "kube/rest_client.h"
#include "support/subprocess.h"

namespace wcloud::operator_ {
namespace {

using namespace std::chrono_literals;

TEST(HostRegistryTest, HeartbeatsMakeHostsAndSilenceMakesThemNotReady) {
  wcloud::testing::TempDir dir;
  auto store = apiserver::ObjectStore::Open(dir.path() / "state.db", {});
  ASSERT_TRUE(store);
  apiserver::ApiServer::Options options;
  options.listen = "127.0.0.1:0";
  auto server = apiserver::ApiServer::Start(**store, options);
  ASSERT_TRUE(server) << server.error().message();
  kube::RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string((*server)->port());
  kube::RestClient client(config);
  kube::EventRecorder events(client, "wcloud-operator", "test");
  HostRegistry registry(client, "default", 1s, &events);

  hostapi::HostHeartbeat hb;
  hb.id = "NAX6J4NAOU62D4HEMGWN6XWAD7UDMBLW7UBIKAKINXHRFBFBU65T6JAM";
  hb.hostname = "box";
  hb.labels = {{"hostgroup", "edge"}};
  hb.http_port = 8080;
  hb.os_name = "linux";
  hb.imports = {{"wasi", "keyvalue", "0.2.0-draft", {"store", "atomics"}, {}, ""}};
  hb.exports = {{"wasi", "http", "", {"incoming-handler"}, {}, ""}};
  ASSERT_TRUE(registry.Record(hb));
  ASSERT_TRUE(registry.Record(hb)) << "still Ready: no event";
  std::string path = "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/hosts/" +
                     HostRegistry::ObjectName(hb.id);
  auto host = client.Get(path);
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_EQ((*host)["spec"]["hostId"], hb.id);
  EXPECT_EQ((*host)["status"]["os"], "linux");
  EXPECT_EQ((*host)["status"]["interfaces"],
            Json::array({"wasi:keyvalue/store@0.2.0-draft", "wasi:keyvalue/atomics@0.2.0-draft",
                         "wasi:http/incoming-handler"}));
  EXPECT_EQ((*host)["spec"]["httpPort"], 8080);
  EXPECT_EQ((*host)["metadata"]["labels"]["hostgroup"], "edge");
  EXPECT_EQ((*host)["status"]["conditions"][0]["status"], "True");

  EXPECT_EQ(*registry.MarkStale(), 0) << "just seen";
  std::this_thread::sleep_for(2100ms);
  EXPECT_EQ(*registry.MarkStale(), 1);
  host = client.Get(path);
  EXPECT_EQ((*host)["status"]["conditions"][0]["status"], "False");
  EXPECT_EQ((*host)["status"]["conditions"][0]["reason"], "HeartbeatMissed");
  EXPECT_EQ(*registry.MarkStale(), 0) << "already NotReady";

  ASSERT_TRUE(registry.Record(hb));
  host = client.Get(path);
  EXPECT_EQ((*host)["status"]["conditions"][0]["status"], "True");

  // As the node controller's NodeReady/NodeNotReady; the second HostReady is counted.
  events.Flush();
  auto list = client.Get("/api/v1/namespaces/default/events");
  ASSERT_TRUE(list) << list.error().message();
  std::map<std::string, Json> by_reason;
  for (const Json& e : (*list)["items"]) by_reason[e.value("reason", "")] = e;
  ASSERT_EQ(by_reason.size(), 2u) << list->dump(2);
  const std::string name = HostRegistry::ObjectName(hb.id);
  EXPECT_EQ(by_reason["HostReady"]["message"],
            "Host " + name + " status is now: HostReady (the host sent a heartbeat)");
  EXPECT_EQ(by_reason["HostReady"]["count"], 2);
  EXPECT_EQ(by_reason["HostNotReady"]["message"],
            "Host " + name + " status is now: HostNotReady (no heartbeat for 1s)");
  EXPECT_EQ(by_reason["HostNotReady"]["count"], 1);
  for (const auto& [reason, e] : by_reason) {
    EXPECT_EQ(e["type"], "Normal");
    EXPECT_EQ(e["involvedObject"]["kind"], "Host");
    EXPECT_EQ(e["involvedObject"]["apiVersion"], "runtime.wasmcloud.dev/v1alpha1");
    EXPECT_EQ(e["involvedObject"]["name"], name);
  }
  (*server)->Stop();
}

}  // namespace
}  // namespace wcloud::operator_
