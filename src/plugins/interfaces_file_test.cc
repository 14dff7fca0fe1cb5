#include "plugins/interfaces_file.h"

#include <gtest/gtest.h>

namespace wcloud::plugins {
namespace {

TEST(InterfacesFileTest, DecodesTheManifestFields) {
  auto f = ParseInterfacesFile(R"(
hostInterfaces:
  - name: cache
    namespace: wasi
    package: keyvalue
    interfaces: [store, atomics, batch]
    config:
      backend: nats
      bucket: cache-kv
  - name: sessions
    namespace: wasi
    package: keyvalue
    interfaces: [store]
    config: {backend: redis, url: "redis://127.0.0.1:6379"}
volumes:
  - name: scratch
    ephemeral: {}
localResources:
  config: {a: b}
  environment:
    config: {LOG_LEVEL: info}
    secretFrom: [{name: creds}]
  volumeMounts:
    - {name: scratch, mountPath: /scratch, readOnly: true}
)",
                               "i.yaml");
  ASSERT_TRUE(f) << f.error().message();
  ASSERT_EQ(f->host_interfaces.size(), 2u);
  EXPECT_EQ(f->host_interfaces[0].name, "cache");
  EXPECT_EQ(f->host_interfaces[0].interfaces,
            (std::vector<std::string>{"store", "atomics", "batch"}));
  EXPECT_EQ(f->host_interfaces[1].config.at("backend"), "redis");
  ASSERT_EQ(f->volumes.size(), 1u);
  EXPECT_TRUE(f->volumes[0].ephemeral.has_value());
  ASSERT_TRUE(f->local_resources);
  EXPECT_EQ(f->local_resources->config.at("a"), "b");
  EXPECT_EQ(f->local_resources->environment->secret_from[0].name, "creds");
  EXPECT_EQ(f->local_resources->volume_mounts[0].read_only, true);
}

TEST(InterfacesFileTest, ErrorsNameTheFileAndFieldPath) {
  auto decode =
      ParseInterfacesFile("hostInterfaces: [{namespace: wasi, interfaces: [store]}]\n", "i.yaml");
  ASSERT_FALSE(decode);
  EXPECT_EQ(decode.error().message(), "i.yaml: hostInterfaces[0].package: required value");
  auto f = ParseInterfacesFile(R"(
hostInterfaces:
  - namespace: wasi
    package: keyvalue
    interfaces: [store]
  - namespace: wasi
    package: keyvalue
    interfaces: [store]
localResources:
  volumeMounts: [{name: nope, mountPath: /x}]
)",
                               "i.yaml");
  ASSERT_FALSE(f);
  const std::string& m = f.error().message();
  EXPECT_EQ(m.rfind("i.yaml: ", 0), 0u) << m;
  EXPECT_NE(m.find("hostInterfaces[1].name: required when two or more entries share wasi:keyvalue"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("localResources.volumeMounts[0].name: no volume named \"nope\""),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("spec."), std::string::npos) << m;
}

TEST(InterfacesFileTest, UnknownTopLevelFieldsAndBadYaml) {
  auto unknown = ParseInterfacesFile("hostInterface: []\n", "f.yaml");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown field(s) hostInterface"), std::string::npos);
  EXPECT_FALSE(ParseInterfacesFile("hostInterfaces: [", "f.yaml"));
  EXPECT_FALSE(ParseInterfacesFile("- a\n", "f.yaml"));
  auto empty = ParseInterfacesFile("", "f.yaml");
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->host_interfaces.empty());
  EXPECT_FALSE(LoadInterfacesFile("/no/such/file.yaml"));
}

}  // namespace
}  // namespace wcloud::plugins
