// The plugin host functions through the Linker, on the in-memory backend (the real servers are
// in tests/plugins/).
#include <gtest/gtest.h>

#include "plugins/plugin_state.h"
#include "plugins/plugin_test_fixture.h"

namespace wcloud::plugins {
namespace {

using component::Value;

api::HostInterface KeyValue(std::string name, std::vector<std::string> ifaces,
                            api::StringMap config = {}) {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = "keyvalue";
  e.interfaces = std::move(ifaces);
  e.config = std::move(config);
  return e;
}

class KeyValueHostTest : public ::testing::Test {
 protected:
  ComponentPlugins Plugins(std::vector<api::HostInterface> entries, std::string ns = "ns") {
    auto b = WorkloadBindings::Create({ns, "app"}, std::move(entries), connections_);
    EXPECT_TRUE(b) << b.error().message();
    return ForComponent(*b, "c", std::nullopt, {}, nullptr);
  }
  KeyValueConnections connections_{KeyValueOptions{.page_size = 2}};
};

TEST_F(KeyValueHostTest, EveryFunctionOnTheInMemoryBackend) {
  PluginCaller kv(Plugins({KeyValue("", {"store", "atomics", "batch"})}));
  ExerciseEveryKeyValueFunction(kv, "bucket");
  // The handle was dropped: its rep is gone from the table.
  EXPECT_EQ(kv.data().Find<PluginState>()->buckets.size(), 0u);
}

TEST_F(KeyValueHostTest, OpenErrorsAreErrorValues) {
  PluginCaller kv(Plugins({KeyValue("cache", {"store"})}));
  auto r = kv.Open("nothing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), kNoSuchStore);  // no-such-store
  ASSERT_TRUE(kv.Open("cache"));
}

TEST_F(KeyValueHostTest, UndeclaredOperationsAreAccessDenied) {
  PluginCaller kv(Plugins({KeyValue("sessions", {"store"})}));
  auto b = kv.Open("sessions");
  ASSERT_TRUE(b);
  auto inc =
      kv.Free(PluginCaller::kAtomics, "increment", *b, {Value::String("n"), Value::Unsigned(1)});
  ASSERT_FALSE(inc);
  EXPECT_EQ(inc.error().code(), kAccessDenied);
  auto many = kv.Free(PluginCaller::kBatch, "get-many", *b, {Value::Aggregate({})});
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().code(), kAccessDenied);
  ASSERT_TRUE(kv.Method(*b, "set", {Value::String("k"), PluginCaller::Bytes("v")}));
}

TEST_F(KeyValueHostTest, TenantsSharingABackendDoNotSeeEachOther) {
  PluginCaller a(Plugins({KeyValue("", {"store"})}, "team-a"));
  PluginCaller b(Plugins({KeyValue("", {"store"})}, "team-b"));
  auto ba = a.Open("shared");
  auto bb = b.Open("shared");
  ASSERT_TRUE(ba && bb);
  ASSERT_TRUE(a.Method(*ba, "set", {Value::String("k"), PluginCaller::Bytes("a")}));
  auto got = b.Method(*bb, "get", {Value::String("k")});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->as_case().index, 0u);
  EXPECT_FALSE(b.Open("team-a_shared"));
}

TEST_F(KeyValueHostTest, StaleHandlesAndMissingStateTrap) {
  PluginCaller kv(Plugins({KeyValue("", {"store"})}));
  auto b = kv.Open("x");
  ASSERT_TRUE(b);
  kv.Drop(*b);
  auto r = kv.Call(PluginCaller::kStore, "[method]bucket.get", {*b, Value::String("k")});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("is not open"), std::string::npos) << r.error().message();

  PluginCaller bare;
  auto o = bare.Call(PluginCaller::kStore, "open", {Value::String("x")});
  ASSERT_FALSE(o);
  EXPECT_NE(o.error().message().find("no host interfaces attached"), std::string::npos);
}

TEST_F(KeyValueHostTest, ConfigLayersAndLogging) {
  api::HostInterface config;
  config.namespace_ = "wasi";
  config.package = "config";
  config.interfaces = {"store"};
  config.config = {{"a", "host"}, {"b", "host"}};
  auto bindings = WorkloadBindings::Create({"ns", "app"}, {config}, connections_);
  ASSERT_TRUE(bindings);
  api::LocalResources local;
  local.config = {{"b", "local"}, {"c", "local"}};
  local.environment = api::EnvironmentSource{{{"c", "env"}}, {}, {}};
  ComponentPlugins p = ForComponent(*bindings, "c", local, {{}, {{{"s", "secret"}}}}, nullptr);
  PluginCaller kv(p);
  auto get = kv.Call("wasi:config/store@0.2.0-rc.1", "get", {Value::String("b")});
  ASSERT_TRUE(get);
  EXPECT_EQ(*get, Value::Ok(Value::Some(Value::String("local"))));
  get = kv.Call("wasi:config/store@0.2.0-rc.1", "get", {Value::String("zz")});
  EXPECT_EQ(*get, Value::Ok(Value::None()));
  auto all = kv.Call("wasi:config/store@0.2.0-rc.1", "get-all", {});
  ASSERT_TRUE(all);
  std::vector<Value> pairs;
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"a", "host"}, {"b", "local"}, {"c", "env"}, {"s", "secret"}}) {
    pairs.push_back(Value::Aggregate({Value::String(k), Value::String(v)}));
  }
  EXPECT_EQ(*all, Value::Ok(Value::Aggregate(pairs)));
  EXPECT_TRUE(p.config->IsSecret("s"));
  EXPECT_EQ(p.config->Environment().size(), 2u);

  // No logger: lines go nowhere, but the call works; a bad level traps.
  EXPECT_TRUE(kv.Call("wasi:logging/logging@0.1.0-draft", "log",
                      {Value::Enum(2), Value::String("ctx"), Value::String("m")}));
  EXPECT_FALSE(kv.Call("wasi:logging/logging@0.1.0-draft", "log",
                       {Value::Enum(9), Value::String("ctx"), Value::String("m")}));
}

}  // namespace
}  // namespace wcloud::plugins
