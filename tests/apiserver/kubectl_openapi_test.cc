// Issue #16 items 7 and 8 through real kubectl binaries: the built-in CRDs under
// apiextensions.k8s.io/v1, and /openapi/v2, which `apply` of kubectl 1.27 and 1.28 reads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "support/wcloud_up.h"
#include "util/json.h"
#include "util/yaml.h"

namespace wcloud {
namespace {

using testing::CommandResult;
using testing::DefaultKubectl;
using testing::RunCommand;
using testing::SamplesDir;
using testing::WcloudBinary;
using testing::WcloudUp;

const char* const kPlurals[] = {"artifacts", "hosts", "workloads", "workloadreplicasets",
                                "workloaddeployments"};

// kubectl.<version> beside the real kubectl (the machine's kubectl dispatches to them by server
// version; ours claims 1.32).
std::string KubectlVersion(const std::string& version) {
  return (DefaultKubectl().parent_path() / ("kubectl." + version)).string();
}

// Equal as JSON values: kubectl prints members sorted, `wcloud crds` in declaration order.
bool SameJson(const Json& a, const Json& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

class KubectlOpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(up_.ok()) << up_.Log(); }
  CommandResult Ok(std::vector<std::string> args, const std::string& input = "") {
    auto r = up_.Kubectl(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r;
  }
  CommandResult Old(const std::string& version, std::vector<std::string> args,
                    const std::string& input = "") {
    const std::string binary = KubectlVersion(version);
    EXPECT_TRUE(std::filesystem::exists(binary)) << binary;
    args.insert(args.begin(), {binary, "--kubeconfig", up_.kubeconfig(), "--request-timeout=20s"});
    return RunCommand(args, input);
  }
  WcloudUp up_;
};

TEST_F(KubectlOpenApiTest, GetCrdListsTheFiveWithTheirColumns) {
  auto r = Ok({"get", "crd"});
  EXPECT_EQ(r.out.rfind("NAME", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("CREATED AT"), std::string::npos) << r.out;
  for (const char* plural : kPlurals) {
    EXPECT_NE(r.out.find(std::string(plural) + ".runtime.wasmcloud.dev "), std::string::npos)
        << plural << "\n"
        << r.out;
  }
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 6) << r.out;
  auto resources = Ok({"api-resources", "--api-group=apiextensions.k8s.io"});
  EXPECT_NE(resources.out.find("customresourcedefinitions"), std::string::npos) << resources.out;
  EXPECT_NE(resources.out.find("crd,crds"), std::string::npos) << resources.out;
}

TEST_F(KubectlOpenApiTest, CrdsAreWhatWcloudCrdsPrintsAndEstablished) {
  auto printed = RunCommand({WcloudBinary(), "crds"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  auto docs = ParseYamlDocuments(printed.out);
  ASSERT_TRUE(docs) << docs.error().message();
  ASSERT_EQ(docs->size(), 5u);
  for (const Json& crd : *docs) {
    const std::string name = crd["metadata"]["name"];
    Json served = Json::parse(Ok({"get", "crd", name, "-o", "json"}).out);
    EXPECT_EQ(served["apiVersion"], crd["apiVersion"]) << name;
    EXPECT_EQ(served["kind"], crd["kind"]) << name;
    for (const auto& [key, value] : crd["spec"].items()) {
      EXPECT_TRUE(SameJson(served["spec"][key], value)) << name << ": spec." << key;
    }
    EXPECT_EQ(served["spec"]["conversion"]["strategy"], "None") << name;
    EXPECT_TRUE(SameJson(served["status"]["acceptedNames"], crd["spec"]["names"])) << name;
    EXPECT_EQ(served["status"]["storedVersions"], Json::array({"v1alpha1"})) << name;
    for (const char* condition : {"Established", "NamesAccepted"}) {
      auto status = Ok(
          {"get", "crd", name, "-o",
           std::string("jsonpath={.status.conditions[?(@.type==\"") + condition + "\")].status}"});
      EXPECT_EQ(status.out, "True") << name << " " << condition;
    }
    EXPECT_FALSE(served["metadata"].value("uid", "").empty()) << name;
  }
  // What controllers do before they start: wait until the CRD is established (list and watch
  // by name).
  Ok({"wait", "--for=condition=Established", "crd/workloads.runtime.wasmcloud.dev",
      "--timeout=10s"});
}

TEST_F(KubectlOpenApiTest, CrdWatchStartsWithTheFiveAndThenOnlyChanges) {
  auto fresh = Ok({"get", "--raw",
                   "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&"
                   "timeoutSeconds=1"});
  EXPECT_EQ(std::count(fresh.out.begin(), fresh.out.end(), '\n'), 5) << fresh.out;
  for (const char* plural : kPlurals) {
    EXPECT_NE(fresh.out.find(std::string("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":"
                                         "\"apiextensions.k8s.io/v1\",\"kind\":"
                                         "\"CustomResourceDefinition\",\"metadata\":{\"name\":\"") +
                             plural),
              std::string::npos)
        << plural << "\n"
        << fresh.out;
  }
  std::string rv =
      Ok({"get", "--raw", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"}).out;
  rv = Json::parse(rv)["metadata"]["resourceVersion"];
  auto from_list = Ok({"get", "--raw",
                       "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&"
                       "timeoutSeconds=1&resourceVersion=" +
                           rv});
  EXPECT_EQ(from_list.out, "") << "nothing changed since the list";
  auto one = Ok({"get", "--raw",
                 "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&"
                 "timeoutSeconds=1&fieldSelector=metadata.name%3Dhosts.runtime.wasmcloud.dev"});
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 1) << one.out;
}

TEST_F(KubectlOpenApiTest, WritesToCrdsAreRefused) {
  auto deleted = up_.Kubectl({"delete", "crd", "workloads.runtime.wasmcloud.dev"});
  EXPECT_NE(deleted.exit_code, 0);
  EXPECT_NE(deleted.err.find("Error from server (MethodNotAllowed): "
                             "customresourcedefinitions.apiextensions.k8s.io "
                             "\"workloads.runtime.wasmcloud.dev\" cannot be deleted: wcloud "
                             "serves only its five built-in CustomResourceDefinitions"),
            std::string::npos)
      << deleted.err;
  auto labeled = up_.Kubectl({"label", "crd", "hosts.runtime.wasmcloud.dev", "a=b"});
  EXPECT_NE(labeled.exit_code, 0);
  EXPECT_NE(labeled.err.find("cannot be patched"), std::string::npos) << labeled.err;
  auto created = up_.Kubectl({"apply", "-f", "-"}, R"(
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object}}
)");
  EXPECT_NE(created.exit_code, 0);
  EXPECT_NE(created.err.find("\"widgets.example.com\" cannot be created"), std::string::npos)
      << created.err;
  // Nothing changed.
  std::string names = Ok({"get", "crd", "-o", "name"}).out;
  EXPECT_EQ(std::count(names.begin(), names.end(), '\n'), 5) << names;
}

// kubectl 1.27 and 1.28 read /openapi/v2 (protobuf) before any apply; later ones do not.
TEST_F(KubectlOpenApiTest, Kubectl127And128ApplyAndValidate) {
  const std::string configmap = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {LOG_LEVEL: VALUE}
)";
  // The machines this project targets carry kubectl.1.27 … 1.33 beside kubectl; a fresh Debian
  // root has only the one kubectl, and then there is nothing old to run.
  std::vector<std::string> versions;
  for (const char* version : {"1.27", "1.28"}) {
    if (std::filesystem::exists(KubectlVersion(version))) versions.push_back(version);
  }
  if (versions.empty()) GTEST_SKIP() << "no " << KubectlVersion("1.27") << " or kubectl.1.28";
  for (const std::string& version : versions) {
    SCOPED_TRACE(version);
    auto applied = Old(version, {"apply", "-f", SamplesDir()});
    EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_EQ(applied.err, "");
    EXPECT_NE(applied.out.find("workloaddeployment.runtime.wasmcloud.dev/hello-world"),
              std::string::npos)
        << applied.out;
    // A core kind, created then changed: the patch is computed without warnings.
    for (const std::string& value : {std::string("debug"), version}) {
      std::string manifest = configmap;
      manifest.replace(manifest.find("VALUE"), 5, std::string("\"") + value + "\"");
      auto cm = Old(version, {"apply", "-f", "-"}, manifest);
      EXPECT_EQ(cm.exit_code, 0) << cm.out << cm.err;
      EXPECT_EQ(cm.err, "");
    }
    EXPECT_EQ(Ok({"get", "cm", "settings", "-o", "jsonpath={.data.LOG_LEVEL}"}).out, version);

    // An unknown field: refused in strict validation (the default), a warning otherwise.
    const std::string typo = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Artifact
metadata: {name: typo}
spec: {image: ghcr.io/x/a:1, imge: typo}
)";
    auto strict = Old(version, {"apply", "--validate=strict", "-f", "-"}, typo);
    EXPECT_NE(strict.exit_code, 0) << strict.out;
    EXPECT_NE(strict.err.find("spec.imge"), std::string::npos) << strict.err;
    EXPECT_NE(up_.Kubectl({"get", "artifact", "typo"}).exit_code, 0) << "nothing was created";
    auto warned = Old(version, {"apply", "--validate=warn", "-f", "-"}, typo);
    EXPECT_EQ(warned.exit_code, 0) << warned.out << warned.err;
    EXPECT_NE(warned.err.find("unknown field \"spec.imge\""), std::string::npos) << warned.err;
    Ok({"delete", "artifact", "typo"});
  }
}

TEST_F(KubectlOpenApiTest, OpenApiV2ServesJsonToo) {
  auto doc = Json::parse(Ok({"get", "--raw", "/openapi/v2"}).out);
  EXPECT_EQ(doc["swagger"], "2.0");
  const Json& workload = doc["definitions"]["io.wcloud.runtime.wasmcloud.dev.v1alpha1.Workload"];
  EXPECT_EQ(workload["x-kubernetes-group-version-kind"][0]["kind"], "Workload") << workload.dump();
  EXPECT_TRUE(workload["properties"]["spec"]["properties"].contains("components"));
}

}  // namespace
}  // namespace wcloud
