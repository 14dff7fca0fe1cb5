#include "plugins/bindings.h"

#include <gtest/gtest.h>

#include "plugins/plugins.h"

namespace wcloud::plugins {
namespace {

api::HostInterface Entry(std::string name, std::string package, std::vector<std::string> ifaces,
                         api::StringMap config = {}, std::string version = "") {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = std::move(package);
  e.interfaces = std::move(ifaces);
  e.config = std::move(config);
  e.version = std::move(version);
  return e;
}

class BindingsTest : public ::testing::Test {
 protected:
  BindingsTest() { AddPluginsToLinker(linker_); }

  std::shared_ptr<const WorkloadBindings> Make(std::vector<api::HostInterface> entries,
                                               std::string ns = "team-a") {
    auto b = WorkloadBindings::Create({ns, "app"}, std::move(entries), connections_);
    EXPECT_TRUE(b.has_value()) << b.error().message();
    return b ? *b : nullptr;
  }

  KeyValueConnections connections_;
  component::Linker linker_;
};

TEST_F(BindingsTest, DeclaredInterfacesMayBeImportedOthersAreNamed) {
  auto b = Make({Entry("", "keyvalue", {"store", "atomics"}), Entry("", "logging", {"logging"})});
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(
      b->CheckImportNames({"wasi:keyvalue/store@0.2.0-draft", "wasi:keyvalue/atomics@0.2.0-draft",
                           "wasi:logging/logging@0.1.0-draft"},
                          linker_));
  auto denied =
      b->CheckImportNames({"wasi:keyvalue/store@0.2.0-draft", "wasi:keyvalue/batch@0.2.0-draft",
                           "wasi:config/store@0.2.0-rc.1"},
                          linker_);
  ASSERT_FALSE(denied);
  const std::string& m = denied.error().message();
  EXPECT_NE(m.find("wasi:keyvalue/batch@0.2.0-draft is not declared"), std::string::npos) << m;
  EXPECT_NE(m.find("wasi:config/store@0.2.0-rc.1 is not declared"), std::string::npos) << m;
  EXPECT_EQ(m.find("wasi:keyvalue/store"), std::string::npos) << m;
  EXPECT_NE(m.find("team-a/app"), std::string::npos) << m;
}

TEST_F(BindingsTest, DeclaredButNotProvidedIsNamed) {
  api::HostInterface messaging = Entry("", "messaging", {"producer"});
  auto b = Make({messaging});
  auto s = b->CheckImportNames({"wasi:messaging/producer@0.2.0-draft"}, linker_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("wasi:messaging/producer@0.2.0-draft is not provided"),
            std::string::npos)
      << s.error().message();
  // wasi:blobstore is provided: declared, it may be imported.
  auto blob = Make({Entry("", "blobstore", {"blobstore", "container", "types"})});
  EXPECT_TRUE(blob->CheckImportNames(
      {"wasi:blobstore/blobstore@0.2.0-draft", "wasi:blobstore/container@0.2.0-draft",
       "wasi:blobstore/types@0.2.0-draft"},
      linker_));
}

TEST_F(BindingsTest, PlatformInterfacesNeedNoEntryButMustBeProvided) {
  auto b = Make({});
  component::Linker with_cli;
  with_cli.DefineFunc("wasi:cli/environment@0.2.12", "get-environment",
                      [](auto&, auto, auto&) { return Ok(); });
  EXPECT_TRUE(b->CheckImportNames({"wasi:cli/environment@0.2.3"}, with_cli));
  auto s = b->CheckImportNames({"wasi:clocks/wall-clock@0.2.0"}, with_cli);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("wasi:clocks/wall-clock@0.2.0 is not provided"),
            std::string::npos);
}

TEST_F(BindingsTest, VersionMustBeSemverCompatibleWhenGiven) {
  auto b = Make({Entry("", "keyvalue", {"store"}, {}, "0.2.0-draft")});
  EXPECT_TRUE(b->CheckImportNames({"wasi:keyvalue/store@0.2.0-draft"}, linker_));
  auto s = b->CheckImportNames({"wasi:keyvalue/store@0.2.0-draft2"}, linker_);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("wasi:keyvalue/store@0.2.0-draft2 is not declared"),
            std::string::npos);

  component::Linker test_linker;
  test_linker.DefineFunc("test:x/y@1.4.0", "f", [](auto&, auto, auto&) { return Ok(); });
  api::HostInterface t = Entry("", "x", {"y"}, {}, "1.2.0");
  t.namespace_ = "test";
  auto tb = Make({t});
  EXPECT_TRUE(tb->CheckImportNames({"test:x/y@1.3.0"}, test_linker));
  EXPECT_FALSE(tb->CheckImportNames({"test:x/y@2.0.0"}, test_linker));
}

TEST_F(BindingsTest, NamedEntriesWinAndTheDefaultScopesBucketsByNamespace) {
  auto b = Make({Entry("cache", "keyvalue", {"store", "atomics"}, {{"bucket", "cache-kv"}}),
                 Entry("sessions", "keyvalue", {"store"})});
  auto cache = b->Open("cache");
  ASSERT_TRUE(cache) << cache.error().message();
  EXPECT_EQ(cache->bucket, "cache-kv");
  EXPECT_TRUE(cache->atomics);
  EXPECT_FALSE(cache->batch);
  auto sessions = b->Open("sessions");
  ASSERT_TRUE(sessions);
  EXPECT_EQ(sessions->bucket, "team-a_sessions");
  EXPECT_FALSE(sessions->atomics);
  // No default entry: anything else is no-such-store.
  auto other = b->Open("other");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), kNoSuchStore);

  auto d = Make({Entry("", "keyvalue", {"store"})});
  EXPECT_EQ(d->Open("")->bucket, "team-a_default");
  EXPECT_EQ(d->Open("orders")->bucket, "team-a_orders");
}

TEST_F(BindingsTest, AGuestCannotNameItsWayIntoAnotherTenant) {
  auto a = Make({Entry("", "keyvalue", {"store"})}, "team-a");
  auto b = Make({Entry("", "keyvalue", {"store"})}, "team-b");
  // Both use the same in-memory backend, but their bucket names differ.
  EXPECT_EQ(a->Open("x")->backend, b->Open("x")->backend);
  EXPECT_NE(a->Open("x")->bucket, b->Open("x")->bucket);
  for (const char* escape : {"team-b_x", "../team-b", "team-b:x", "a b", "*"}) {
    auto r = a->Open(escape);
    ASSERT_FALSE(r) << escape << " opened " << r->bucket;
    EXPECT_EQ(r.error().code(), kNoSuchStore);
  }
}

TEST_F(BindingsTest, APinnedDefaultServesOnlyItsBucket) {
  auto b = Make({Entry("", "keyvalue", {"store"}, {{"bucket", "shared"}})});
  EXPECT_EQ(b->Open("")->bucket, "shared");
  EXPECT_EQ(b->Open("shared")->bucket, "shared");
  EXPECT_FALSE(b->Open("other"));
}

TEST_F(BindingsTest, BadConfigIsAnErrorNamingTheField) {
  auto bad = WorkloadBindings::Create(
      {"ns", "app"},
      {Entry("a", "keyvalue", {"store"}, {{"backend", "mongo"}}),
       Entry("b", "keyvalue", {"store"}, {{"backend", "redis"}, {"url", "http://x"}}),
       Entry("c", "keyvalue", {"store"}, {{"bucket", "no.dots"}})},
      connections_);
  ASSERT_FALSE(bad);
  const std::string& m = bad.error().message();
  EXPECT_NE(m.find("hostInterfaces[0].config.backend: unsupported value \"mongo\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("hostInterfaces[1].config.url"), std::string::npos) << m;
  EXPECT_NE(m.find("hostInterfaces[2].config.bucket"), std::string::npos) << m;
}

TEST_F(BindingsTest, ConnectionsAreSharedByUrlAndClosedWhenUnused) {
  {
    auto a = Make(
        {Entry("", "keyvalue", {"store"}, {{"backend", "redis"}, {"url", "redis://127.0.0.1:1"}})});
    auto b = Make(
        {Entry("x", "keyvalue", {"store"}, {{"backend", "redis"}, {"url", "redis://127.0.0.1:1"}}),
         Entry("y", "keyvalue", {"store"},
               {{"backend", "redis"}, {"url", "redis://127.0.0.1:2"}})});
    EXPECT_EQ(a->Open("")->backend, b->Open("x")->backend);
    EXPECT_NE(b->Open("x")->backend, b->Open("y")->backend);
    EXPECT_EQ(connections_.open(), 2u);
  }
  EXPECT_EQ(connections_.open(), 0u);
}

TEST_F(BindingsTest, ConfigOfFindsThePackageEntry) {
  auto b = Make({Entry("", "config", {"store"}, {{"k", "v"}})});
  EXPECT_EQ(b->ConfigOf("wasi", "config").at("k"), "v");
  EXPECT_TRUE(b->ConfigOf("wasi", "keyvalue").empty());
}

}  // namespace
}  // namespace wcloud::plugins
