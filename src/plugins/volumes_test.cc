#include "plugins/volumes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

namespace wcloud::plugins {
namespace {

class VolumesTest : public ::testing::Test {
 protected:
  VolumesTest() {
    std::string tmpl = ::testing::TempDir() + "/volumes_test_XXXXXX";
    root_ = mkdtemp(tmpl.data());
  }
  ~VolumesTest() override { std::filesystem::remove_all(root_); }
  std::filesystem::path root_;
};

api::Volume Ephemeral(std::string name) {
  api::Volume v;
  v.name = std::move(name);
  v.ephemeral.emplace();
  return v;
}

api::Volume HostPath(std::string name, std::string path) {
  api::Volume v;
  v.name = std::move(name);
  v.host_path = api::HostPathVolume{std::move(path)};
  return v;
}

TEST_F(VolumesTest, EphemeralIsFreshAndRemovedWithTheWorkload) {
  std::filesystem::path dir;
  {
    auto volumes = WorkloadVolumes::Create({Ephemeral("cache"), Ephemeral("tmp")}, root_ / "data");
    ASSERT_TRUE(volumes) << volumes.error().message();
    dir = (*volumes)->HostPath("cache");
    ASSERT_TRUE(std::filesystem::is_directory(dir));
    EXPECT_TRUE(std::filesystem::is_empty(dir));
    EXPECT_NE(dir, (*volumes)->HostPath("tmp"));
    std::ofstream(dir / "file") << "x";
    auto again = WorkloadVolumes::Create({Ephemeral("cache")}, root_ / "data");
    ASSERT_TRUE(again);
    EXPECT_NE((*again)->HostPath("cache"), dir);  // each workload its own
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_FALSE(std::filesystem::exists(dir.parent_path()));
}

TEST_F(VolumesTest, HostPathMustExistAndBeADirectory) {
  auto missing = WorkloadVolumes::Create({Ephemeral("a"), HostPath("b", "/no/such/dir")}, root_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(),
            "volumes[1].hostPath.path: /no/such/dir does not exist on this host");
  std::ofstream(root_ / "file") << "x";
  auto file = WorkloadVolumes::Create({HostPath("b", (root_ / "file").string())}, root_);
  ASSERT_FALSE(file);
  EXPECT_NE(file.error().message().find("is not a directory"), std::string::npos);
  // A hostPath survives the workload.
  {
    auto ok = WorkloadVolumes::Create({HostPath("b", root_.string())}, root_);
    ASSERT_TRUE(ok);
  }
  EXPECT_TRUE(std::filesystem::exists(root_ / "file"));
}

TEST_F(VolumesTest, MountsBecomePreopensWithReadOnly) {
  auto volumes =
      WorkloadVolumes::Create({Ephemeral("cache"), HostPath("data", root_.string())}, root_);
  ASSERT_TRUE(volumes);
  api::VolumeMount rw{"cache", "/cache", std::nullopt};
  api::VolumeMount ro{"data", "/data", true};
  auto preopens = (*volumes)->Preopens({rw, ro});
  ASSERT_TRUE(preopens) << preopens.error().message();
  ASSERT_EQ(preopens->size(), 2u);
  EXPECT_EQ((*preopens)[0].guest_path, "/cache");
  EXPECT_EQ((*preopens)[0].host_path, (*volumes)->HostPath("cache").string());
  EXPECT_FALSE((*preopens)[0].read_only);
  EXPECT_EQ((*preopens)[1].host_path, root_.string());
  EXPECT_TRUE((*preopens)[1].read_only);

  auto unknown = (*volumes)->Preopens({rw, {"nope", "/x", std::nullopt}},
                                      "spec.components[0].localResources.volumeMounts");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message(),
            "spec.components[0].localResources.volumeMounts[1].name: no volume named \"nope\"");
}

}  // namespace
}  // namespace wcloud::plugins
