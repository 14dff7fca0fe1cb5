#include "plugins/volumes.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "wasi/error_code.h"
#include "wasi/wasi_test_fixture.h"

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

// The preopens, attached as WASI's: the guest writes to the ephemeral volume and cannot write to
// the read-only one.
class VolumesThroughWasiTest : public wasi::WasiFixture {};

TEST_F(VolumesThroughWasiTest, ReadOnlyMountRefusesAWriteAndTheWritableOneTakesIt) {
  wasi::ScratchDir host;
  host.WriteFile("readme", "hi");
  auto volumes = WorkloadVolumes::Create({Ephemeral("scratch"), HostPath("shared", host.path())},
                                         host / "data");
  ASSERT_TRUE(volumes) << volumes.error().message();
  auto preopens =
      (*volumes)->Preopens({{"scratch", "/scratch", false}, {"shared", "/shared", true}});
  ASSERT_TRUE(preopens);
  wasi::WasiConfig config;
  config.preopens = *preopens;
  Attach(std::move(config));
  Value dirs = Call1("wasi:filesystem/preopens@0.2.0", "get-directories");
  ASSERT_EQ(dirs.items().size(), 2u);
  EXPECT_EQ(dirs.items()[1].items()[1].as_string(), "/shared");
  constexpr uint32_t kCreate = 1, kRead = 1, kWrite = 2;
  auto open_at = [&](const Value& dir, const char* path, uint32_t open_flags, uint32_t flags) {
    return Call1(
        "wasi:filesystem/types@0.2.0", "[method]descriptor.open-at",
        {dir, Value::Flags(0), Value::String(path), Value::Flags(open_flags), Value::Flags(flags)});
  };
  Value denied = open_at(dirs.items()[1].items()[0], "new", kCreate, kRead | kWrite);
  ASSERT_EQ(denied.as_case().index, 1u);
  EXPECT_EQ(denied.payload()->as_case().index,
            static_cast<uint32_t>(wasi::ErrorCode::kNotPermitted));
  EXPECT_FALSE(std::filesystem::exists(host / "new"));
  Value created = open_at(dirs.items()[0].items()[0], "new", kCreate, kRead | kWrite);
  ASSERT_EQ(created.as_case().index, 0u);
  EXPECT_TRUE(std::filesystem::exists((*volumes)->HostPath("scratch") / "new"));
}

}  // namespace
}  // namespace wcloud::plugins
