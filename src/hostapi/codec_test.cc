#include "hostapi/codec.h"

#include <gtest/gtest.h>

namespace wcloud::hostapi {
namespace {

WorkloadStartRequest FullRequest() {
  WorkloadStartRequest r;
  r.workload_id = "default/web-7f9c";
  Workload& w = r.workload;
  w.namespace_ = "default";
  w.name = "web";
  w.annotations = {{"team", "a"}};
  Component c;
  c.name = "http";
  c.image = "registry.example/web:1";
  c.pool_size = 4;
  c.max_invocations = 1000;
  c.max_concurrency = 8;
  c.image_pull_secret = ImagePullSecret{"puller", "s3cret"};
  c.image_pull_policy = ImagePullPolicy::kIfNotPresent;
  c.local_resources.memory_limit_mb = 128;
  c.local_resources.config = {{"greeting", "hi"}};
  c.local_resources.environment = {{"LOG", "debug"}};
  c.local_resources.allowed_hosts = {"api.example.com"};
  c.local_resources.volume_mounts = {{"data", "/data", true}};
  w.wit_world.components.push_back(c);
  WitInterface http;
  http.namespace_ = "wasi";
  http.package = "http";
  http.version = "0.2.2";
  http.interfaces = {"incoming-handler"};
  http.config = {{"address", "0.0.0.0:8080"}};
  w.wit_world.host_interfaces.push_back(http);
  w.service.emplace();
  w.service->image = "registry.example/cron:1";
  w.service->max_restarts = 3;
  Volume data;
  data.name = "data";
  data.type = Volume::Type::kHostPath;
  data.local_path = "/srv/data";
  Volume scratch;
  scratch.name = "scratch";
  scratch.type = Volume::Type::kEmptyDir;
  w.volumes = {data, scratch};
  return r;
}

TEST(HostApiCodecTest, AStartRequestIsProto3JsonAsWasmCloudWritesIt) {
  Json json = Encode(FullRequest());
  EXPECT_EQ(json["workloadId"], "default/web-7f9c");
  const Json& c = json["workload"]["witWorld"]["components"][0];
  EXPECT_EQ(c["poolSize"], 4);
  EXPECT_EQ(c["imagePullPolicy"], "IMAGE_PULL_POLICY_IF_NOT_PRESENT");
  EXPECT_EQ(c["imagePullSecret"], Json({{"username", "puller"}, {"password", "s3cret"}}));
  EXPECT_EQ(c["localResources"]["memoryLimitMb"], 128);
  EXPECT_FALSE(c["localResources"].contains("cpuLimit")) << "defaults are left out";
  EXPECT_EQ(c["localResources"]["volumeMounts"][0],
            Json({{"name", "data"}, {"mountPath", "/data"}, {"readOnly", true}}));
  EXPECT_EQ(json["workload"]["service"]["maxRestarts"], "3") << "uint64 travels as a string";
  EXPECT_EQ(json["workload"]["volumes"][0]["hostPath"]["localPath"], "/srv/data");
  EXPECT_EQ(json["workload"]["volumes"][1]["emptyDir"], Json::object());
  EXPECT_EQ(json["workload"]["witWorld"]["hostInterfaces"][0]["config"]["address"], "0.0.0.0:8080");

  auto back = DecodeStartRequest(json);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, FullRequest());
}

TEST(HostApiCodecTest, AHeartbeatRoundTripsWithItsCountsAsStrings) {
  HostHeartbeat h;
  h.id = "NAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA2";
  h.hostname = "node-1";
  h.labels = {{"hostgroup", "default"}, {"zone", "a"}};
  h.started_at = "2026-12-07T08:00:00Z";
  h.system_cpu_usage = 12.5;
  h.system_memory_total = 8ull << 30;
  h.workload_count = 2;
  h.http_port = 8080;
  h.imports = {{"wasi", "keyvalue", "0.2.0-draft", {"store", "atomics"}, {}, ""}};
  Json json = Encode(h);
  EXPECT_EQ(json["systemMemoryTotal"], "8589934592");
  EXPECT_EQ(json["workloadCount"], "2");
  EXPECT_EQ(json["httpPort"], 8080);
  EXPECT_FALSE(json.contains("componentCount"));
  auto back = DecodeHeartbeat(json);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, h);
}

TEST(HostApiCodecTest, DecodingTakesWhatAnyProto3WriterSends) {
  // Integers as numbers or strings, enums by number, nulls as absent, unknown fields ignored.
  Json json = {{"workloadId", "w"},
               {"futureField", {{"x", 1}}},
               {"workload",
                {{"name", nullptr},
                 {"service", {{"maxRestarts", 5}, {"imagePullPolicy", 3}}},
                 {"witWorld", {{"components", {{{"poolSize", "7"}, {"name", "c"}}}}}}}}};
  auto r = DecodeStartRequest(json);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_TRUE(r->workload.service.has_value());
  EXPECT_EQ(r->workload.service->max_restarts, 5u);
  EXPECT_EQ(r->workload.service->image_pull_policy, ImagePullPolicy::kNever);
  EXPECT_EQ(r->workload.wit_world.components[0].pool_size, 7);
  EXPECT_FALSE(r->workload.wit_world.components[0].image_pull_secret.has_value());
}

TEST(HostApiCodecTest, WrongTypesAreErrorsNamingTheField) {
  Json json = {{"workload", {{"witWorld", {{"components", {{{"name", 3}}}}}}}}};
  auto r = DecodeStartRequest(json);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "workload.witWorld.components[0].name: expected a string");
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  json = {{"workload", {{"witWorld", {{"components", {{{"poolSize", "many"}}}}}}}}};
  EXPECT_EQ(DecodeStartRequest(json).error().message(),
            "workload.witWorld.components[0].poolSize: expected an integer, got \"many\"");
  json = {{"workloadStatus", {{"workloadState", "WORKLOAD_STATE_SLEEPING"}}}};
  EXPECT_EQ(DecodeStatusResponse(json).error().message(),
            "workloadStatus.workloadState: unknown value \"WORKLOAD_STATE_SLEEPING\"");
  EXPECT_EQ(DecodeHeartbeat(Json::array()).error().message(), "message: expected an object");
  json = {{"httpPort", -1}};
  EXPECT_EQ(DecodeHeartbeat(json).error().message(), "httpPort: out of range");
}

TEST(HostApiCodecTest, ResponsesCarryTheStatusByName) {
  WorkloadStatus s{"default/web-7f9c", WorkloadState::kNotFound, ""};
  Json json = Encode(s);
  EXPECT_EQ(json, Json({{"workloadStatus",
                         {{"workloadId", "default/web-7f9c"},
                          {"workloadState", "WORKLOAD_STATE_NOT_FOUND"}}}}));
  auto back = DecodeStatusResponse(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_EQ(Encode(WorkloadIdRequest{"x"}), Json({{"workloadId", "x"}}));
}

TEST(HostApiCodecTest, ServiceStatusIsAnOptionalExtension) {
  WorkloadStatus s{"w1", WorkloadState::kRunning, "serving on http://0.0.0.0:8080",
                   ServiceStatus{"BackOff", 3, "exited with status 1"}};
  Json json = Encode(s);
  EXPECT_EQ(json["workloadStatus"]["serviceStatus"],
            Json({{"phase", "BackOff"}, {"restarts", "3"}, {"message", "exited with status 1"}}));
  auto back = DecodeStatusResponse(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  // Without a service the message is wasmCloud's, field for field.
  s.service.reset();
  EXPECT_FALSE(Encode(s)["workloadStatus"].contains("serviceStatus"));
  json = {{"workloadStatus", {{"serviceStatus", {{"restarts", "x"}}}}}};
  EXPECT_FALSE(DecodeStatusResponse(json));
}

TEST(HostApiCodecTest, GuestFailuresAreAnOptionalExtension) {
  WorkloadStatus s{.workload_id = "w1", .state = WorkloadState::kRunning, .message = "serving"};
  s.guest_failures = GuestFailures{.traps = 4,
                                   .deadline_exceeded = 2,
                                   .memory_limit = 1,
                                   .last_time = "2026-12-07T21:00:00Z",
                                   .last_message = "component hog: GET /hog: trapped"};
  Json json = Encode(s);
  EXPECT_EQ(json["workloadStatus"]["guestFailures"],
            Json({{"traps", "4"},
                  {"deadlineExceeded", "2"},
                  {"memoryLimit", "1"},
                  {"lastTime", "2026-12-07T21:00:00Z"},
                  {"lastMessage", "component hog: GET /hog: trapped"}}));
  auto back = DecodeStatusResponse(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  s.guest_failures.reset();
  EXPECT_FALSE(Encode(s)["workloadStatus"].contains("guestFailures"));
  json = {{"workloadStatus", {{"guestFailures", {{"traps", -1}}}}}};
  EXPECT_FALSE(DecodeStatusResponse(json));
}

TEST(HostApiCodecTest, LogsRequestsAndRepliesRoundTrip) {
  WorkloadLogsRequest request{.workload_id = "default/web-7f9c",
                              .component = "http",
                              .since_time = "2026-12-07T10:00:00Z",
                              .tail_lines = 20,
                              .after_sequence = 41,
                              .wait_millis = 2000};
  Json wire = Encode(request);
  EXPECT_EQ(wire["afterSequence"], "41");  // 64-bit integers are strings
  auto decoded = DecodeLogsRequest(wire);
  ASSERT_TRUE(decoded) << decoded.error().message();
  EXPECT_EQ(*decoded, request);

  WorkloadLogs logs{.found = true,
                    .entries = {{.sequence = 42,
                                 .time = "2026-12-07T10:00:01.000001Z",
                                 .component = "http",
                                 .stream = "log",
                                 .level = "warn",
                                 .context = "db",
                                 .text = "slow \"query\""},
                                {.sequence = 43, .component = "http", .text = "next"}},
                    .last_sequence = 43,
                    .more = true,
                    .ended = true,
                    .error = ""};
  auto back = DecodeWorkloadLogs(Json::parse(Encode(logs).dump()));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, logs);

  auto bad = DecodeWorkloadLogs(Json{{"entries", {{{"sequence", "x"}}}}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("entries[0].sequence"), std::string::npos)
      << bad.error().message();
}

}  // namespace
}  // namespace wcloud::hostapi
