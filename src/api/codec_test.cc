#include "api/codec.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/defaults.h"
#include "util/yaml.h"

namespace wcloud::api {
namespace {

Json Yaml(const std::string& text) {
  auto j = ParseYaml(text);
  EXPECT_TRUE(j) << j.error().message();
  return j ? *j : Json();
}

std::string Sample(const std::string& name) {
  const char* src = std::getenv("WCLOUD_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/config/samples/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const char* kWorkload = R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: hello-world
  namespace: default
  labels: {app: hello}
spec:
  hostSelector:
    hostgroup: default
  components:
    - name: http-component
      image: ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0
      poolSize: 10
      maxInvocations: 1000
      localResources:
        environment:
          config:
            LOG_LEVEL: info
        allowedHosts:
          - https://api.example.com
  hostInterfaces:
    - namespace: wasi
      package: http
      interfaces:
        - incoming-handler
      config:
        address: '0.0.0.0:8080'
  volumes:
    - name: cache
      ephemeral: {}
)";

TEST(CodecTest, DecodesEveryFieldOfTheSeedWorkload) {
  auto d = DecodeObject(Yaml(kWorkload));
  ASSERT_TRUE(d.object) << (d.errors.empty() ? "" : d.errors[0].ToString());
  const auto& w = std::get<Workload>(*d.object);
  EXPECT_EQ(w.metadata.name, "hello-world");
  EXPECT_EQ(w.metadata.labels.at("app"), "hello");
  EXPECT_EQ(w.spec.host_selector.at("hostgroup"), "default");
  ASSERT_EQ(w.spec.components.size(), 1u);
  const auto& c = w.spec.components[0];
  EXPECT_EQ(c.pool_size, 10);
  EXPECT_EQ(c.max_invocations, 1000);
  EXPECT_EQ(c.local_resources->environment->config.at("LOG_LEVEL"), "info");
  EXPECT_EQ(c.local_resources->allowed_hosts[0], "https://api.example.com");
  EXPECT_EQ(w.spec.host_interfaces[0].config.at("address"), "0.0.0.0:8080");
  EXPECT_TRUE(w.spec.volumes[0].ephemeral.has_value());
  EXPECT_FALSE(w.spec.volumes[0].host_path.has_value());
}

TEST(CodecTest, RoundTripIsExact) {
  Json original = Yaml(kWorkload);
  auto d = DecodeObject(original);
  ASSERT_TRUE(d.object);
  Json encoded = EncodeObject(*d.object);
  EXPECT_EQ(encoded, original);
  EXPECT_EQ(encoded.dump(), original.dump()) << "key order follows declaration order";
  auto again = DecodeObject(encoded);
  ASSERT_TRUE(again.object);
  EXPECT_EQ(*again.object, *d.object);
}

TEST(CodecTest, SamplesRoundTrip) {
  for (const char* name :
       {"runtime_v1alpha1_artifact.yaml", "runtime_v1alpha1_host.yaml",
        "runtime_v1alpha1_workload.yaml", "runtime_v1alpha1_workloadreplicaset.yaml",
        "runtime_v1alpha1_workloaddeployment.yaml", "runtime_v1alpha1_workload_keyvalue.yaml"}) {
    Json original = Yaml(Sample(name));
    auto d = DecodeObject(original);
    ASSERT_TRUE(d.object) << name << ": " << (d.errors.empty() ? "" : d.errors[0].ToString());
    // Same content; keys come back in declaration order, which may differ from the file's.
    EXPECT_EQ(nlohmann::json::parse(EncodeObject(*d.object).dump()),
              nlohmann::json::parse(original.dump()))
        << name;
  }
}

TEST(CodecTest, FullyPopulatedObjectsRoundTrip) {
  WorkloadDeployment d;
  d.metadata.name = "d";
  d.metadata.uid = "u";
  d.metadata.generation = 3;
  d.metadata.owner_references.push_back({"v1", "X", "x", "uid", true, false});
  d.metadata.finalizers = {"runtime.wasmcloud.dev/workloaddeployment-finalizer"};
  d.metadata.managed_fields = Json::array({{{"manager", "kubectl"}}});
  d.spec.replicas = 0;
  d.spec.deploy_policy = "RollingUpdate";
  d.spec.rolling_update = RollingUpdate{IntOrString{int64_t{1}}, IntOrString{std::string("50%")}};
  d.spec.revision_history_limit = 2;
  d.spec.artifacts.push_back({"c", {"art"}});
  d.spec.template_.metadata = TemplateMetadata{{{"app", "x"}}, {{"note", "y"}}};
  Component c;
  c.name = "c";
  c.image = "artifact://art";
  c.image_pull_policy = "Never";
  c.max_concurrency = 4;
  c.local_resources = LocalResources{EnvironmentSource{{{"k", "v"}}, {{"cm"}}, {{"sec"}}},
                                     {{"ck", "cv"}},
                                     {"*"},
                                     {{"data", "/data", true}},
                                     64,
                                     2};
  d.spec.template_.spec.components.push_back(c);
  d.spec.template_.spec.volumes.push_back({"data", std::nullopt, HostPathVolume{"/srv"}});
  d.spec.template_.spec.service =
      Service{"ghcr.io/x/svc:1", LocalObjectReference{"pull"}, "Always", 3, std::nullopt};
  d.status.replicas = 1;
  d.status.selector = "app=x";
  d.status.conditions.push_back({"Ready", "True", 3, "2026-11-24T14:33:37Z", "Done", "ok"});
  AnyObject any = d;
  Json j = EncodeObject(any);
  EXPECT_EQ(j["spec"]["replicas"], 0) << "an explicit 0 is kept";
  EXPECT_EQ(j["spec"]["rollingUpdate"]["maxSurge"], 1);
  EXPECT_EQ(j["spec"]["rollingUpdate"]["maxUnavailable"], "50%");
  auto back = DecodeObject(j);
  ASSERT_TRUE(back.object) << back.errors[0].ToString();
  EXPECT_EQ(*back.object, any);
}

TEST(CodecTest, UnknownFieldsStrictAndLenient) {
  Json j = Yaml(kWorkload);
  j["spec"]["components"][0]["imge"] = "typo";
  j["spec"]["extra"] = 1;
  auto strict = DecodeObject(j);
  EXPECT_FALSE(strict.object);
  ASSERT_EQ(strict.errors.size(), 2u);
  EXPECT_EQ(strict.errors[0].ToString(), "spec.extra: unknown field");
  EXPECT_EQ(strict.errors[1].ToString(), "spec.components[0].imge: unknown field");

  auto lenient = DecodeObject(j, {.strict = false});
  ASSERT_TRUE(lenient.object);
  EXPECT_EQ(lenient.warnings.size(), 2u);
  Json pruned = EncodeObject(*lenient.object);
  EXPECT_FALSE(pruned["spec"].contains("extra"));
}

TEST(CodecTest, WrongTypesNameTheField) {
  Json j = Yaml(kWorkload);
  j["spec"]["components"][0]["poolSize"] = "ten";
  j["spec"]["hostInterfaces"][0]["interfaces"] = "incoming-handler";
  j["metadata"]["labels"]["n"] = 5;
  auto d = DecodeObject(j);
  EXPECT_FALSE(d.object);
  std::vector<std::string> got;
  for (const auto& e : d.errors) got.push_back(e.ToString());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "metadata.labels[n]: expected string, got integer",
                     "spec.components[0].poolSize: expected integer, got string",
                     "spec.hostInterfaces[0].interfaces: expected array, got string"}));
}

TEST(CodecTest, SchemaConstraintsAreEnforced) {
  Json j = Yaml(kWorkload);
  j["spec"]["components"][0]["poolSize"] = -1;
  j["spec"]["components"][0]["imagePullPolicy"] = "Sometimes";
  j["spec"]["components"][0]["name"] = "Bad_Name";
  j["spec"]["hostInterfaces"][0]["interfaces"] = Json::array();
  j["spec"]["components"][0]["maxConcurrency"] = 3000000000LL;
  auto d = DecodeObject(j);
  std::vector<std::string> got;
  for (const auto& e : d.errors) got.push_back(e.ToString());
  ASSERT_EQ(got.size(), 5u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0],
            "spec.components[0].name: \"Bad_Name\" does not match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  EXPECT_EQ(got[1],
            "spec.components[0].imagePullPolicy: unsupported value \"Sometimes\": supported "
            "values: \"Always\", \"IfNotPresent\", \"Never\"");
  EXPECT_EQ(got[2], "spec.components[0].poolSize: must be greater than or equal to 0");
  EXPECT_EQ(got[3], "spec.components[0].maxConcurrency: integer out of range for int32");
  EXPECT_EQ(got[4], "spec.hostInterfaces[0].interfaces: must have at least 1 item(s)");
}

TEST(CodecTest, RequiredFieldsAndKinds) {
  auto no_spec = DecodeObject(Yaml("apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Host\n"));
  ASSERT_EQ(no_spec.errors.size(), 1u);
  EXPECT_EQ(no_spec.errors[0].ToString(), "spec: required value");
  auto missing_image =
      DecodeObject(Yaml("apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Artifact\nspec: {}\n"));
  ASSERT_EQ(missing_image.errors.size(), 1u);
  EXPECT_EQ(missing_image.errors[0].ToString(), "spec.image: required value");
  auto unknown = DecodeObject(Yaml("apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Pod\n"));
  EXPECT_EQ(unknown.errors[0].path, "kind");
  auto version = DecodeObject(Yaml("apiVersion: runtime.wasmcloud.dev/v2\nkind: Host\n"));
  EXPECT_EQ(version.errors[0].path, "apiVersion");
  EXPECT_FALSE(DecodeObject(Json::array()).object);
  EXPECT_FALSE(DecodeObject(Json("text")).object);
  EXPECT_TRUE(IsWasmCloudKind("runtime.wasmcloud.dev/v1alpha1", "WorkloadDeployment"));
  EXPECT_FALSE(IsWasmCloudKind("v1", "ConfigMap"));
}

TEST(CodecTest, NullMeansAbsent) {
  Json j = Yaml(kWorkload);
  j["spec"]["volumes"] = nullptr;
  j["status"] = nullptr;
  auto d = DecodeObject(j);
  ASSERT_TRUE(d.object);
  EXPECT_TRUE(std::get<Workload>(*d.object).spec.volumes.empty());
}

TEST(CodecTest, SchemasDescribeTheTypes) {
  Json s = ObjectSchema("WorkloadDeployment");
  ASSERT_TRUE(s.is_object());
  const Json& spec = s["properties"]["spec"];
  EXPECT_EQ(spec["properties"]["deployPolicy"]["enum"], Json({"RollingUpdate", "Recreate"}));
  EXPECT_EQ(spec["properties"]["replicas"]["default"], 1);
  EXPECT_EQ(
      spec["properties"]["rollingUpdate"]["properties"]["maxSurge"]["x-kubernetes-int-or-string"],
      true);
  EXPECT_EQ(spec["required"], Json({"template"}));
  const Json& interfaces =
      spec["properties"]["template"]["properties"]["spec"]["properties"]["hostInterfaces"];
  EXPECT_EQ(interfaces["x-kubernetes-validations"].size(), 2u);
  EXPECT_EQ(interfaces["items"]["properties"]["name"]["pattern"], "^[a-z0-9][a-z0-9-]*$");
  EXPECT_EQ(s["properties"]["metadata"], Json({{"type", "object"}}));
  EXPECT_TRUE(ObjectSchema("Nope").is_null());
}

// Defaults live in defaults.cc; the CRD schema carries the same values so a real cluster
// defaults the same way. Walks the schema's defaults and checks ApplyDefaults agrees.
void CheckSchemaDefaults(const Json& schema, const Json& defaulted, const std::string& path) {
  if (!schema.contains("properties")) return;
  for (auto it = schema["properties"].begin(); it != schema["properties"].end(); ++it) {
    std::string at = path + "." + it.key();
    if (it.value().contains("default")) {
      ASSERT_TRUE(defaulted.contains(it.key())) << at << " has a schema default not applied";
      EXPECT_EQ(defaulted[it.key()], it.value()["default"]) << at;
    }
    if (defaulted.contains(it.key()) && defaulted[it.key()].is_object()) {
      CheckSchemaDefaults(it.value(), defaulted[it.key()], at);
    }
  }
}

TEST(CodecTest, SchemaDefaultsMatchApplyDefaults) {
  auto d = DecodeObject(Yaml(Sample("runtime_v1alpha1_workloaddeployment.yaml")));
  ASSERT_TRUE(d.object);
  auto& wd = std::get<WorkloadDeployment>(*d.object);
  wd.spec.replicas.reset();
  wd.spec.deploy_policy.clear();
  ApplyDefaults(*d.object);
  Json defaulted = EncodeObject(*d.object);
  CheckSchemaDefaults(ObjectSchema("WorkloadDeployment"), defaulted, "");
  EXPECT_EQ(defaulted["spec"]["rollingUpdate"]["maxSurge"], "25%");
  EXPECT_EQ(defaulted["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(defaulted["spec"]["template"]["spec"]["components"][0]["imagePullPolicy"],
            "IfNotPresent");

  auto rs = DecodeObject(Yaml(Sample("runtime_v1alpha1_workloadreplicaset.yaml")));
  ASSERT_TRUE(rs.object);
  std::get<WorkloadReplicaSet>(*rs.object).spec.replicas.reset();
  ApplyDefaults(*rs.object);
  CheckSchemaDefaults(ObjectSchema("WorkloadReplicaSet"), EncodeObject(*rs.object), "");
}

TEST(DefaultsTest, PullPolicyFollowsTheTag) {
  EXPECT_EQ(DefaultPullPolicy("ghcr.io/x/y:1.0"), "IfNotPresent");
  EXPECT_EQ(DefaultPullPolicy("ghcr.io/x/y:latest"), "Always");
  EXPECT_EQ(DefaultPullPolicy("ghcr.io/x/y"), "Always");
  EXPECT_EQ(DefaultPullPolicy("localhost:5000/y"), "Always");
  EXPECT_EQ(DefaultPullPolicy("ghcr.io/x/y@sha256:" + std::string(64, 'a')), "IfNotPresent");
}

TEST(DefaultsTest, RecreateGetsNoRollingUpdate) {
  WorkloadDeployment d;
  d.spec.deploy_policy = "Recreate";
  AnyObject any = d;
  ApplyDefaults(any);
  const auto& out = std::get<WorkloadDeployment>(any);
  EXPECT_FALSE(out.spec.rolling_update.has_value());
  EXPECT_EQ(out.spec.replicas, 1);
  EXPECT_EQ(out.metadata.namespace_, "default");
}

TEST(CodecTest, HostileJsonNeverCrashes) {
  // Deeply nested values where objects are expected, huge numbers, wrong shapes everywhere.
  Json deep = Json::array();
  Json* cur = &deep;
  for (int i = 0; i < 10000; ++i) {
    cur->push_back(Json::array());
    cur = &(*cur)[0];
  }
  Json j = Yaml(kWorkload);
  j["spec"]["components"] = deep;
  EXPECT_FALSE(DecodeObject(j).object);
  j = Yaml(kWorkload);
  j["spec"]["components"][0]["poolSize"] = 1e300;
  EXPECT_FALSE(DecodeObject(j).object);
  j["spec"]["components"][0]["poolSize"] = Json::parse("18446744073709551615");
  EXPECT_FALSE(DecodeObject(j).object);
  for (const char* shape : {"[]", "1", "\"s\"", "true", "null", "{}"}) {
    Json k = Yaml(kWorkload);
    k["spec"] = Json::parse(shape);
    (void)DecodeObject(k);
    k = Yaml(kWorkload);
    k["metadata"] = Json::parse(shape);
    (void)DecodeObject(k);
  }
  // Free-form managedFields keep whatever they hold, even deep.
  j = Yaml(kWorkload);
  j["metadata"]["managedFields"] = deep;
  EXPECT_TRUE(DecodeObject(j).object);
  // Leak nothing on the deep structure's destruction: iterative teardown is nlohmann's.
}

}  // namespace
}  // namespace wcloud::api
