#include "api/crds.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "util/yaml.h"

namespace wcloud::api {
namespace {

TEST(CrdsTest, FiveCrdsWithSubresourcesColumnsAndNames) {
  auto crds = GenerateCrds();
  ASSERT_EQ(crds.size(), 5u);
  for (const auto& crd : crds) {
    const Json& spec = crd["spec"];
    EXPECT_EQ(spec["group"], "runtime.wasmcloud.dev");
    EXPECT_EQ(spec["scope"], "Namespaced");
    const Json& v = spec["versions"][0];
    EXPECT_EQ(v["name"], "v1alpha1");
    EXPECT_TRUE(v["subresources"].contains("status"));
    EXPECT_GE(v["additionalPrinterColumns"].size(), 2u);
    EXPECT_EQ(v["schema"]["openAPIV3Schema"]["type"], "object");
    std::string kind = spec["names"]["kind"];
    bool scalable = kind == "WorkloadDeployment" || kind == "WorkloadReplicaSet";
    // `kubectl get all` on a real cluster shows what users run, not Hosts or Artifacts.
    EXPECT_EQ(spec["names"]["categories"],
              scalable || kind == "Workload" ? Json({"wasmcloud", "all"}) : Json({"wasmcloud"}))
        << kind;
    EXPECT_EQ(v["subresources"].contains("scale"), scalable) << kind;
  }
  EXPECT_EQ(crds[2]["spec"]["names"]["shortNames"], Json({"ww"}));
}

// config/crd/bases is generated; this fails when the committed files drift from the code.
TEST(CrdsTest, CommittedCrdsAreUpToDate) {
  const char* src = std::getenv("WCLOUD_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "run through ctest";
  for (const auto& crd : GenerateCrds()) {
    std::string plural = crd["spec"]["names"]["plural"];
    std::string path =
        std::string(src) + "/config/crd/bases/runtime.wasmcloud.dev_" + plural + ".yaml";
    std::ifstream in(path);
    ASSERT_TRUE(in) << path << " is missing";
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), "---\n" + ToYaml(crd))
        << path << " is stale: run `build/wcloud crds --out-dir config/crd/bases` and commit";
  }
}

}  // namespace
}  // namespace wcloud::api
