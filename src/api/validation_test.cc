#include "api/validation.h"

#include <gtest/gtest.h>

#include <functional>

#include "api/codec.h"
#include "api/defaults.h"
#include "util/yaml.h"

namespace wcloud::api {
namespace {

const char* kBase = R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: {name: hello-world, namespace: default, labels: {app: hello}}
spec:
  replicas: 3
  artifacts:
    - name: http-component
      artifactFrom: {name: http-hello-world}
  template:
    metadata: {labels: {app: hello-world}}
    spec:
      hostSelector: {hostgroup: default}
      components:
        - name: http-component
          image: ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0
          localResources:
            allowedHosts: ["https://api.example.com"]
            volumeMounts: [{name: cache, mountPath: /cache}]
      hostInterfaces:
        - {name: cache, namespace: wasi, package: keyvalue, interfaces: [store, atomics]}
        - {name: sessions, namespace: wasi, package: keyvalue, interfaces: [store]}
        - {namespace: wasi, package: http, interfaces: [incoming-handler],
           config: {address: '0.0.0.0:8080'}}
      volumes:
        - {name: cache, ephemeral: {}}
)";

// Decodes kBase, lets `mutate` change its JSON, then decodes, defaults and validates; returns
// every error as "path: message".
std::vector<std::string> Check(const std::function<void(Json&)>& mutate) {
  Json j = *ParseYaml(kBase);
  mutate(j);
  auto d = DecodeObject(j);
  std::vector<std::string> out;
  for (const auto& e : d.errors) out.push_back(e.ToString());
  if (d.object) {
    ApplyDefaults(*d.object);
    for (const auto& e : Validate(*d.object)) out.push_back(e.ToString());
  }
  return out;
}

Json& Tmpl(Json& j) { return j["spec"]["template"]["spec"]; }

TEST(ValidationTest, BaseIsValid) {
  EXPECT_EQ(Check([](Json&) {}), std::vector<std::string>{});
}

TEST(ValidationTest, InterfaceNameRequiredWhenPackageShared) {
  auto errs = Check([](Json& j) { Tmpl(j)["hostInterfaces"][1].erase("name"); });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "spec.template.spec.hostInterfaces[1].name: required when two or more entries share "
            "wasi:keyvalue");
  // A lone entry of its package needs no name.
  EXPECT_TRUE(Check([](Json& j) { Tmpl(j)["hostInterfaces"].erase(1); }).empty());
}

TEST(ValidationTest, InterfaceNamesUniquePerPackage) {
  auto errs = Check([](Json& j) { Tmpl(j)["hostInterfaces"][1]["name"] = "cache"; });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "spec.template.spec.hostInterfaces[1].name: duplicate name \"cache\" for wasi:keyvalue "
            "(also at spec.template.spec.hostInterfaces[0])");
  // The same name in another package is fine.
  EXPECT_TRUE(Check([](Json& j) { Tmpl(j)["hostInterfaces"][2]["name"] = "cache"; }).empty());
}

TEST(ValidationTest, InterfaceNamePattern) {
  auto errs = Check([](Json& j) { Tmpl(j)["hostInterfaces"][0]["name"] = "Cache_1"; });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "spec.template.spec.hostInterfaces[0].name: \"Cache_1\" does not match "
            "^[a-z0-9][a-z0-9-]*$");
  EXPECT_TRUE(Check([](Json& j) { Tmpl(j)["hostInterfaces"][0]["name"] = "0-cache"; }).empty());
}

TEST(ValidationTest, InterfaceFieldsRequiredAndWellFormed) {
  EXPECT_EQ(
      Check([](Json& j) { Tmpl(j)["hostInterfaces"][2].erase("package"); }),
      std::vector<std::string>{"spec.template.spec.hostInterfaces[2].package: required value"});
  EXPECT_EQ(
      Check([](Json& j) { Tmpl(j)["hostInterfaces"][2]["interfaces"] = {"Incoming"}; }),
      std::vector<std::string>{"spec.template.spec.hostInterfaces[2].interfaces[0]: must be a "
                               "lowercase kebab-case interface name, e.g. incoming-handler"});
  EXPECT_EQ(Check([](Json& j) { Tmpl(j)["hostInterfaces"][2]["version"] = "0.2"; }),
            std::vector<std::string>{
                "spec.template.spec.hostInterfaces[2].version: must be a semantic version, e.g. "
                "0.2.0"});
  EXPECT_TRUE(Check([](Json& j) { Tmpl(j)["hostInterfaces"][2]["version"] = "0.2.0"; }).empty());
}

TEST(ValidationTest, HttpAddressIsHostPort) {
  auto errs = Check([](Json& j) { Tmpl(j)["hostInterfaces"][2]["config"]["address"] = "0.0.0.0"; });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0],
            "spec.template.spec.hostInterfaces[2].config.address: must be host:port, e.g. "
            "0.0.0.0:8080");
  EXPECT_EQ(Check([](Json& j) {
              Tmpl(j)["hostInterfaces"][2]["config"]["address"] = "0.0.0.0:99999";
            }).size(),
            1u);
  EXPECT_TRUE(Check([](Json& j) {
                Tmpl(j)["hostInterfaces"][2]["config"]["address"] = "[::]:8080";
              }).empty());
}

TEST(ValidationTest, ReplicasAndCountsNonNegative) {
  EXPECT_EQ(Check([](Json& j) { j["spec"]["replicas"] = -1; }),
            std::vector<std::string>{"spec.replicas: must be greater than or equal to 0"});
  EXPECT_EQ(Check([](Json& j) { Tmpl(j)["components"][0]["poolSize"] = -2; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { Tmpl(j)["components"][0]["maxInvocations"] = -2; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { j["spec"]["revisionHistoryLimit"] = -1; }).size(), 1u);
  EXPECT_TRUE(Check([](Json& j) { j["spec"]["replicas"] = 0; }).empty());
}

TEST(ValidationTest, ResourceLimitsInRange) {
  auto lr = [](Json& j) -> Json& { return Tmpl(j)["components"][0]["localResources"]; };
  EXPECT_TRUE(Check([&](Json& j) {
                lr(j)["memoryLimitMb"] = 64;
                lr(j)["cpuLimit"] = 2;
              }).empty());
  EXPECT_EQ(Check([&](Json& j) { lr(j)["memoryLimitMb"] = 0; }),
            std::vector<std::string>{
                "spec.template.spec.components[0].localResources.memoryLimitMb: must be greater "
                "than or equal to 1"});
  EXPECT_EQ(Check([&](Json& j) { lr(j)["memoryLimitMb"] = 5000; }).size(), 1u);
  EXPECT_EQ(Check([&](Json& j) { lr(j)["cpuLimit"] = 0; }).size(), 1u);
}

TEST(ValidationTest, RequestTimeoutAnnotation) {
  EXPECT_TRUE(Check([](Json& j) {
                j["spec"]["template"]["metadata"]["annotations"]["wcloud.dev/request-timeout"] =
                    "2s";
              }).empty());
  EXPECT_EQ(Check([](Json& j) {
              j["spec"]["template"]["metadata"]["annotations"]["wcloud.dev/request-timeout"] =
                  "soon";
            }),
            std::vector<std::string>{
                "spec.template.metadata.annotations[wcloud.dev/request-timeout]: duration "
                "\"soon\": expected a number at offset 0 (a number and a unit, as 500ms, 2s, "
                "1m30s)"});
  // On a Workload itself.
  const char* workload = R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: {name: w, namespace: default, annotations: {wcloud.dev/request-timeout: 2h}}
spec:
  components: [{name: c, image: ghcr.io/x/y:1}]
)";
  auto d = DecodeObject(*ParseYaml(workload));
  ASSERT_TRUE(d.object);
  auto errors = Validate(*d.object);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "metadata.annotations[wcloud.dev/request-timeout]: \"2h\": must be at most 1h");
}

TEST(ValidationTest, DeployPolicyKnown) {
  EXPECT_EQ(Check([](Json& j) { j["spec"]["deployPolicy"] = "BlueGreen"; }),
            std::vector<std::string>{
                "spec.deployPolicy: unsupported value \"BlueGreen\": supported values: "
                "\"RollingUpdate\", \"Recreate\""});
  EXPECT_TRUE(Check([](Json& j) { j["spec"]["deployPolicy"] = "Recreate"; }).empty());
}

TEST(ValidationTest, RollingUpdateBounds) {
  EXPECT_EQ(Check([](Json& j) {
              j["spec"]["rollingUpdate"] = {{"maxSurge", 0}, {"maxUnavailable", "0%"}};
            }),
            std::vector<std::string>{
                "spec.rollingUpdate: maxSurge and maxUnavailable may not both be 0"});
  EXPECT_EQ(Check([](Json& j) { j["spec"]["rollingUpdate"] = {{"maxSurge", "lots"}}; }).size(), 1u);
  EXPECT_EQ(
      Check([](Json& j) {
        j["spec"]["rollingUpdate"] = {{"maxUnavailable", "150%"}};
      }),
      std::vector<std::string>{"spec.rollingUpdate.maxUnavailable: must not be more than 100%"});
  EXPECT_EQ(
      Check([](Json& j) {
        j["spec"]["deployPolicy"] = "Recreate";
        j["spec"]["rollingUpdate"] = {{"maxSurge", 1}};
      }),
      std::vector<std::string>{"spec.rollingUpdate: may not be set when deployPolicy is Recreate"});
  EXPECT_TRUE(Check([](Json& j) {
                j["spec"]["rollingUpdate"] = {{"maxSurge", 1}, {"maxUnavailable", 0}};
              }).empty());
}

TEST(ValidationTest, ComponentAndVolumeNamesUnique) {
  auto errs = Check([](Json& j) {
    Tmpl(j)["components"].push_back(Tmpl(j)["components"][0]);
    Tmpl(j)["volumes"].push_back({{"name", "cache"}, {"ephemeral", Json::object()}});
  });
  EXPECT_EQ(errs,
            (std::vector<std::string>{
                "spec.template.spec.volumes[1].name: duplicate value \"cache\"",
                "spec.template.spec.components[1].name: duplicate value \"http-component\""}));
}

TEST(ValidationTest, VolumeMountsNameDefinedVolumes) {
  auto errs = Check([](Json& j) {
    Tmpl(j)["components"][0]["localResources"]["volumeMounts"][0]["name"] = "scratch";
  });
  EXPECT_EQ(errs, std::vector<std::string>{
                      "spec.template.spec.components[0].localResources.volumeMounts[0].name: no "
                      "volume named \"scratch\" in spec.volumes"});
  EXPECT_EQ(Check([](Json& j) {
              Tmpl(j)["components"][0]["localResources"]["volumeMounts"][0]["mountPath"] = "rel";
            }).size(),
            1u);
}

TEST(ValidationTest, VolumeHasExactlyOneSource) {
  EXPECT_EQ(Check([](Json& j) { Tmpl(j)["volumes"][0].erase("ephemeral"); }),
            std::vector<std::string>{
                "spec.template.spec.volumes[0]: exactly one of ephemeral or hostPath must be set"});
  EXPECT_EQ(Check([](Json& j) {
              Tmpl(j)["volumes"][0]["hostPath"] = {{"path", "/srv"}};
            }).size(),
            1u);
  EXPECT_TRUE(Check([](Json& j) {
                Tmpl(j)["volumes"][0].erase("ephemeral");
                Tmpl(j)["volumes"][0]["hostPath"] = {{"path", "/srv/data"}};
              }).empty());
  EXPECT_EQ(Check([](Json& j) {
              Tmpl(j)["volumes"][0].erase("ephemeral");
              Tmpl(j)["volumes"][0]["hostPath"] = {{"path", "srv"}};
            }).size(),
            1u);
}

TEST(ValidationTest, ImageReferences) {
  auto errs = Check([](Json& j) { Tmpl(j)["components"][0]["image"] = "Not A Ref"; });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].rfind("spec.template.spec.components[0].image: image reference", 0), 0u)
      << errs[0];
  EXPECT_TRUE(
      Check([](Json& j) { Tmpl(j)["components"][0]["image"] = "artifact://hello"; }).empty());
  EXPECT_TRUE(Check([](Json& j) {
                Tmpl(j)["components"][0]["image"] =
                    "localhost:5000/hello@sha256:" + std::string(64, '0');
              }).empty());
}

TEST(ValidationTest, ArtifactImagesOnlyInDeployments) {
  Json w = *ParseYaml(R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: {name: w}
spec:
  components: [{name: c, image: "artifact://hello"}]
)");
  auto d = DecodeObject(w);
  ASSERT_TRUE(d.object);
  auto errs = Validate(*d.object);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].path, "spec.components[0].image");
}

TEST(ValidationTest, AllowedHostsPatterns) {
  for (const char* good :
       {"*", "api.example.com", "api.example.com:8443", "https://api.example.com",
        "http://10.0.0.1:80", "*.example.com", "*.example.com:443", "[::1]:8080", "localhost"}) {
    EXPECT_EQ(CheckAllowedHost(good), std::nullopt) << good;
  }
  for (const char* bad : {"", "ftp://x.com", "https://x.com/path", "x.com:0", "x.com:99999", "*",
                          "**.x.com", "x..com", "https://", "a b"}) {
    if (std::string(bad) == "*") continue;
    EXPECT_NE(CheckAllowedHost(bad), std::nullopt) << bad;
  }
  auto errs = Check([](Json& j) {
    Tmpl(j)["components"][0]["localResources"]["allowedHosts"] = {"https://x.com/path"};
  });
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].rfind("spec.template.spec.components[0].localResources.allowedHosts[0]: ", 0),
            0u);
}

TEST(ValidationTest, ArtifactsNameTemplateComponents) {
  EXPECT_EQ(Check([](Json& j) { j["spec"]["artifacts"][0]["name"] = "other"; }),
            std::vector<std::string>{"spec.artifacts[0].name: no component \"other\" in "
                                     "spec.template.spec.components"});
  EXPECT_EQ(Check([](Json& j) { j["spec"]["artifacts"].push_back(j["spec"]["artifacts"][0]); }),
            std::vector<std::string>{"spec.artifacts[1].name: duplicate value \"http-component\""});
}

TEST(ValidationTest, MetadataNamesAndLabels) {
  EXPECT_EQ(Check([](Json& j) { j["metadata"]["name"] = "Hello_World"; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { j["metadata"]["name"] = std::string(254, 'a'); }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { j["metadata"].erase("name"); }),
            std::vector<std::string>{"metadata.name: required value"});
  EXPECT_TRUE(Check([](Json& j) {
                j["metadata"].erase("name");
                j["metadata"]["generateName"] = "hello-";
              }).empty());
  EXPECT_EQ(Check([](Json& j) { j["metadata"]["labels"]["bad key!"] = "x"; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { j["metadata"]["labels"]["app"] = "-bad"; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { Tmpl(j)["hostSelector"]["hostgroup"] = "no good"; }).size(), 1u);
  EXPECT_EQ(Check([](Json& j) { j["metadata"]["namespace"] = "Default"; }).size(), 1u);
}

TEST(ValidationTest, WorkloadNeedsAComponentOrService) {
  EXPECT_EQ(Check([](Json& j) {
              Tmpl(j)["components"] = Json::array();
              j["spec"].erase("artifacts");
            }),
            std::vector<std::string>{
                "spec.template.spec.components: at least one component or a service is required"});
  EXPECT_TRUE(Check([](Json& j) {
                Tmpl(j)["components"] = Json::array();
                j["spec"].erase("artifacts");
                Tmpl(j)["service"] = {{"image", "ghcr.io/x/svc:1"}, {"maxRestarts", 3}};
              }).empty());
}

TEST(ValidationTest, HostsAndArtifacts) {
  auto host = DecodeObject(*ParseYaml(R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Host
metadata: {name: h, labels: {hostgroup: default}}
spec: {hostId: NABCDEFGHIJKLMNOPQRSTUVWXYZ234567, hostname: h.default, httpPort: 4000}
)"));
  ASSERT_TRUE(host.object);
  EXPECT_TRUE(Validate(*host.object).empty());
  auto bad_host = DecodeObject(*ParseYaml(R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Host
metadata: {name: h}
spec: {hostId: Mlowercase, httpPort: 70000}
)"));
  EXPECT_EQ(bad_host.errors.size(), 2u);
  auto artifact = DecodeObject(*ParseYaml(R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Artifact
metadata: {name: a}
spec: {image: "UPPER:case", imagePullSecret: {name: "Bad Secret"}}
)"));
  ASSERT_TRUE(artifact.object);
  EXPECT_EQ(Validate(*artifact.object).size(), 2u);
}

}  // namespace
}  // namespace wcloud::api
