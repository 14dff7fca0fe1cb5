// `wcloud validate` as a user runs it: files, directories, stdin, bad input of every sort.
#include <gtest/gtest.h>

#include <fstream>

#include "support/subprocess.h"

namespace wcloud {
namespace {

using testing::RunCommand;
using testing::TempDir;
using testing::WcloudBinary;

std::string SourceDir() {
  const char* dir = std::getenv("WCLOUD_SOURCE_DIR");
  return dir ? dir : ".";
}

class ValidateCommandTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& content) {
    auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  TempDir dir_;
};

TEST_F(ValidateCommandTest, SamplesAreValid) {
  auto r = RunCommand({WcloudBinary(), "validate", "-f", SourceDir() + "/config/samples"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(
      r.out.find("runtime_v1alpha1_workloaddeployment.yaml: WorkloadDeployment/hello-world: ok"),
      std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("error"), std::string::npos);
}

TEST_F(ValidateCommandTest, ErrorsNameFileObjectAndField) {
  std::string file = Write("bad.yaml", R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: {name: kv}
spec:
  components: [{name: c, image: ghcr.io/x/c:1}]
  hostInterfaces:
    - {name: cache, namespace: wasi, package: keyvalue, interfaces: [store]}
    - {namespace: wasi, package: keyvalue, interfaces: [store]}
---
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: {name: d}
spec:
  replicas: -1
  template: {spec: {components: [{name: c, image: ghcr.io/x/c:1}]}}
)");
  auto r = RunCommand({WcloudBinary(), "validate", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(file + ": Workload/kv: spec.hostInterfaces[1].name: required when two or "
                              "more entries share wasi:keyvalue"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(file +
                       ": WorkloadDeployment/d: spec.replicas: must be greater than or equal to 0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("2 error(s)"), std::string::npos) << r.err;
}

TEST_F(ValidateCommandTest, MalformedInputIsReportedNeverACrash) {
  std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated.yaml",
       "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\nspec: {a: [1,"},
      {"tabs.yaml", "a:\n\t- b\n"},
      {"deep.yaml", std::string(50000, '[')},
      {"junk.yaml", std::string("\x00\xff\xfe{[}]\x01", 8)},
      {"scalar.yaml", "just a string\n"},
      {"wrong-types.json",
       R"({"apiVersion":"runtime.wasmcloud.dev/v1alpha1","kind":"Host","spec":"nope"})"},
      {"truncated.json", R"({"apiVersion":"runtime.wasmcloud.dev/v1alpha1","kind":)"},
  };
  for (const auto& [name, content] : cases) {
    std::string file = Write(name, content);
    auto r = RunCommand({WcloudBinary(), "validate", "-f", file});
    EXPECT_EQ(r.exit_code, 1) << name << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find(file + ": "), std::string::npos) << name << "\n" << r.out;
  }
  auto missing = RunCommand({WcloudBinary(), "validate", "-f", "/nonexistent/x.yaml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("/nonexistent/x.yaml: cannot open"), std::string::npos);
}

TEST_F(ValidateCommandTest, YamlErrorsCarryLineNumbers) {
  std::string file = Write("dup.yaml", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\n");
  auto r = RunCommand({WcloudBinary(), "validate", "-f", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(file + ": line 3, column"), std::string::npos) << r.out;
}

TEST_F(ValidateCommandTest, StdinListsAndOtherGroups) {
  std::string input = R"(apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: my-configmap}
  - apiVersion: runtime.wasmcloud.dev/v1alpha1
    kind: Artifact
    metadata: {name: a}
    spec: {image: ghcr.io/x/a:1}
)";
  auto r = RunCommand({WcloudBinary(), "validate", "-f", "-"}, input);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("<stdin>: ConfigMap/my-configmap: skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("<stdin>: Artifact/a: ok"), std::string::npos) << r.out;
  auto unknown =
      RunCommand({WcloudBinary(), "validate", "-f", "-"},
                 "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Gadget\nmetadata: {name: g}\n");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("Gadget/g: kind: unknown kind"), std::string::npos) << unknown.out;
}

TEST_F(ValidateCommandTest, UsageErrors) {
  auto r = RunCommand({WcloudBinary(), "validate"});
  EXPECT_NE(r.exit_code, 0);
  auto help = RunCommand({WcloudBinary(), "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* cmd : {"validate", "crds", "version", "push", "pull"}) {
    EXPECT_NE(help.out.find(cmd), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace wcloud
