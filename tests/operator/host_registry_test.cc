// Heartbeats become Host objects; silent hosts turn NotReady after the TTL.
#include "operator/host_registry.h"

#include <gtest/gtest.h>

#include <thread>

#include "apiserver/api_server.h"
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
  HostRegistry registry(client, "default", 1s);

  hostapi::HostHeartbeat hb;
  hb.id = "NAX6J4NAOU62D4HEMGWN6XWAD7UDMBLW7UBIKAKINXHRFBFBU65T6JAM";
  hb.hostname = "box";
  hb.labels = {{"hostgroup", "edge"}};
  hb.http_port = 8080;
  hb.os_name = "linux";
  hb.imports = {{"wasi", "keyvalue", "0.2.0-draft", {"store", "atomics"}, {}, ""}};
  hb.exports = {{"wasi", "http", "", {"incoming-handler"}, {}, ""}};
  ASSERT_TRUE(registry.Record(hb));
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
  (*server)->Stop();
}

}  // namespace
}  // namespace wcloud::operator_
