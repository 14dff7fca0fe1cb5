// wasi:keyvalue through the Linker, with Values, against real servers started here: every
// function on NATS JetStream, Redis and in-memory; named bindings landing in the right server;
// concurrent increments; a backend killed and restarted; tenants kept apart.
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "kv_servers.h"
#include "plugins/nats_backend.h"
#include "plugins/plugin_test_fixture.h"

namespace wcloud::plugins {
namespace {

using component::Value;

api::HostInterface KeyValue(std::string name, api::StringMap config,
                            std::vector<std::string> ifaces = {"store", "atomics", "batch"}) {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = "keyvalue";
  e.interfaces = std::move(ifaces);
  e.config = std::move(config);
  return e;
}

// The value of `key` in NATS KV bucket `bucket`, read with libnats directly ("" when absent).
std::string NatsGet(int port, const std::string& bucket, const std::string& key) {
  natsConnection* conn = nullptr;
  std::string url = "nats://127.0.0.1:" + std::to_string(port);
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK) return "<no connection>";
  jsCtx* js = nullptr;
  kvStore* kv = nullptr;
  kvEntry* e = nullptr;
  std::string out;
  if (natsConnection_JetStream(&js, conn, nullptr) == NATS_OK &&
      js_KeyValue(&kv, js, bucket.c_str()) == NATS_OK &&
      kvStore_Get(&e, kv, key.c_str()) == NATS_OK) {
    out.assign(static_cast<const char*>(kvEntry_Value(e)), kvEntry_ValueLen(e));
  }
  kvEntry_Destroy(e);
  kvStore_Destroy(kv);
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  return out;
}

class KeyValueServersTest : public ::testing::Test {
 protected:
  ComponentPlugins Plugins(std::vector<api::HostInterface> entries, std::string ns = "tenant") {
    auto b = WorkloadBindings::Create({ns, "app"}, std::move(entries), connections_);
    EXPECT_TRUE(b) << b.error().message();
    return ForComponent(b ? *b : nullptr, "c", std::nullopt, {}, nullptr);
  }

  // page_size 3: list-keys has to page through the buckets the tests fill.
  KeyValueConnections connections_{KeyValueOptions{.connect_timeout = std::chrono::seconds(1),
                                                   .request_timeout = std::chrono::seconds(2),
                                                   .page_size = 3}};
};

TEST_F(KeyValueServersTest, EveryFunctionOnNats) {
  KvServer nats(KvServer::Kind::kNats);
  PluginCaller kv(Plugins({KeyValue("", {{"backend", "nats"}, {"url", nats.url()}})}));
  ExerciseEveryKeyValueFunction(kv, "every");
  // The bucket was made on first use, named for the tenant; keys are escaped for KV.
  EXPECT_EQ(NatsGet(nats.port(), "tenant_every", "counter"), "42");
  EXPECT_EQ(NatsGet(nats.port(), "tenant_every", EncodeNatsKey("odd key.é/*:")),
            std::string("\0\xff\n.*", 5));
}

TEST_F(KeyValueServersTest, EveryFunctionOnRedis) {
  KvServer redis(KvServer::Kind::kRedis);
  PluginCaller kv(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}));
  ExerciseEveryKeyValueFunction(kv, "every");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "tenant_every:counter"}), "42");
}

TEST_F(KeyValueServersTest, EveryFunctionInMemory) {
  PluginCaller kv(Plugins({KeyValue("", {})}));
  ExerciseEveryKeyValueFunction(kv, "every");
}

TEST_F(KeyValueServersTest, TwoNamedBindingsLandInTheirOwnServers) {
  KvServer nats(KvServer::Kind::kNats);
  KvServer redis(KvServer::Kind::kRedis);
  PluginCaller kv(Plugins(
      {KeyValue("cache", {{"backend", "nats"}, {"url", nats.url()}, {"bucket", "cache-kv"}}),
       KeyValue("sessions", {{"backend", "redis"}, {"url", redis.url()}}, {"store"})}));
  auto cache = kv.Open("cache");
  auto sessions = kv.Open("sessions");
  ASSERT_TRUE(cache) << cache.error().message();
  ASSERT_TRUE(sessions) << sessions.error().message();
  ASSERT_TRUE(kv.Method(*cache, "set", {Value::String("page"), PluginCaller::Bytes("cached")}));
  ASSERT_TRUE(kv.Method(*sessions, "set", {Value::String("user-1"), PluginCaller::Bytes("alice")}));

  EXPECT_EQ(NatsGet(nats.port(), "cache-kv", "page"), "cached");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "tenant_sessions:user-1"}), "alice");
  // Nothing crossed over.
  EXPECT_EQ(RedisCli(redis.port(), {"KEYS", "*page*"}), "");
  EXPECT_EQ(NatsGet(nats.port(), "cache-kv", "user-1"), "");
  // sessions declares only store.
  auto inc = kv.Free(PluginCaller::kAtomics, "increment", *sessions,
                     {Value::String("n"), Value::Unsigned(1)});
  ASSERT_FALSE(inc);
  EXPECT_EQ(inc.error().code(), kAccessDenied);
  auto nothing = kv.Open("elsewhere");
  ASSERT_FALSE(nothing);
  EXPECT_EQ(nothing.error().code(), kNoSuchStore);
}

// 50 threads, each its own instance state over the same bindings, incrementing one key.
void ConcurrentIncrements(const ComponentPlugins& plugins, uint64_t& final_value) {
  constexpr int kThreads = 50;
  constexpr int kEach = 20;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      PluginCaller kv(plugins);
      auto b = kv.Open("counters");
      if (!b) {
        ++failures;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        auto r = kv.Free(PluginCaller::kAtomics, "increment", *b,
                         {Value::String("hits"), Value::Unsigned(1)});
        if (!r) {
          std::lock_guard lock(mu);
          if (failures++ == 0) first_failure = r.error().message();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  PluginCaller kv(plugins);
  auto b = kv.Open("counters");
  ASSERT_TRUE(b);
  auto n =
      kv.Free(PluginCaller::kAtomics, "increment", *b, {Value::String("hits"), Value::Unsigned(0)});
  ASSERT_TRUE(n) << n.error().message();
  final_value = n->as_unsigned();
  EXPECT_EQ(final_value, static_cast<uint64_t>(kThreads * kEach));
}

TEST_F(KeyValueServersTest, FiftyConcurrentIncrementersLoseNoUpdate) {
  KvServer nats(KvServer::Kind::kNats);
  KvServer redis(KvServer::Kind::kRedis);
  uint64_t n = 0;
  ConcurrentIncrements(Plugins({KeyValue("", {{"backend", "nats"}, {"url", nats.url()}})}), n);
  EXPECT_EQ(NatsGet(nats.port(), "tenant_counters", "hits"), "1000");
  ConcurrentIncrements(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}), n);
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "tenant_counters:hits"}), "1000");
  ConcurrentIncrements(Plugins({KeyValue("", {})}), n);
}

// Kills the server under an open bucket: calls fail with other(...), then work again once the
// server is back on the same port.
void KillAndRestart(PluginCaller& kv, KvServer& server) {
  auto b = kv.Open("durable");
  ASSERT_TRUE(b) << b.error().message();
  ASSERT_TRUE(kv.Method(*b, "set", {Value::String("before"), PluginCaller::Bytes("1")}));

  server.Kill();
  for (const char* op : {"get", "exists"}) {
    auto r = kv.Method(*b, op, {Value::String("before")});
    ASSERT_FALSE(r) << op << " succeeded with the server down";
    EXPECT_EQ(r.error().code(), ErrorCode::kUnknown) << r.error().message();
    EXPECT_NE(r.error().message().find(server.backend()), std::string::npos) << r.error().message();
  }
  auto set = kv.Method(*b, "set", {Value::String("during"), PluginCaller::Bytes("x")});
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code(), ErrorCode::kUnknown);
  auto inc =
      kv.Free(PluginCaller::kAtomics, "increment", *b, {Value::String("n"), Value::Unsigned(1)});
  ASSERT_FALSE(inc);
  EXPECT_EQ(inc.error().code(), ErrorCode::kUnknown);

  server.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Result<Value> r = Error("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    r = kv.Method(*b, "set", {Value::String("after"), PluginCaller::Bytes("2")});
    if (r) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(r) << "no recovery: " << r.error().message();
  auto got = kv.Method(*b, "get", {Value::String("after")});
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(PluginCaller::AsText(got->as_case().payload.at(0)), "2");
  // A new open works too.
  ASSERT_TRUE(kv.Open("durable"));
}

TEST_F(KeyValueServersTest, NatsKilledAndRestartedRecovers) {
  KvServer nats(KvServer::Kind::kNats);
  PluginCaller kv(Plugins({KeyValue("", {{"backend", "nats"}, {"url", nats.url()}})}));
  KillAndRestart(kv, nats);
  // JetStream kept the bucket on disk across the restart.
  auto b = kv.Open("durable");
  ASSERT_TRUE(b);
  auto got = kv.Method(*b, "get", {Value::String("before")});
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->as_case().index, 1u);
}

TEST_F(KeyValueServersTest, RedisKilledAndRestartedRecovers) {
  KvServer redis(KvServer::Kind::kRedis);
  PluginCaller kv(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}));
  KillAndRestart(kv, redis);
}

TEST_F(KeyValueServersTest, BackendDownAtStartIsAnErrorThenWorks) {
  KvServer redis(KvServer::Kind::kRedis);
  redis.Kill();
  PluginCaller kv(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}));
  auto b = kv.Open("late");
  ASSERT_TRUE(b);  // open binds without connecting
  auto r = kv.Method(*b, "get", {Value::String("k")});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnknown);
  redis.Start();
  r = kv.Method(*b, "get", {Value::String("k")});
  ASSERT_TRUE(r) << r.error().message();
}

TEST_F(KeyValueServersTest, TenantsOnOneServerAreApart) {
  KvServer redis(KvServer::Kind::kRedis);
  KvServer nats(KvServer::Kind::kNats);
  for (const KvServer* server : {&redis, &nats}) {
    api::StringMap config{{"backend", server->backend()}, {"url", server->url()}};
    PluginCaller a(Plugins({KeyValue("", config)}, "team-a"));
    PluginCaller b(Plugins({KeyValue("", config)}, "team-b"));
    auto ba = a.Open("data");
    auto bb = b.Open("data");
    ASSERT_TRUE(ba && bb);
    ASSERT_TRUE(a.Method(*ba, "set", {Value::String("secret"), PluginCaller::Bytes("a-only")}));
    auto got = b.Method(*bb, "get", {Value::String("secret")});
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_EQ(got->as_case().index, 0u) << server->backend();
    auto keys = b.Method(*bb, "list-keys", {Value::None()});
    ASSERT_TRUE(keys);
    EXPECT_TRUE(keys->items()[0].items().empty());
    EXPECT_FALSE(b.Open("team-a_data"));
  }
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "team-a_data:secret"}), "a-only");
  EXPECT_EQ(NatsGet(nats.port(), "team-a_data", "secret"), "a-only");
}

TEST_F(KeyValueServersTest, OneConnectionPerUrlClosedWhenUnused) {
  KvServer redis(KvServer::Kind::kRedis);
  {
    PluginCaller a(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}));
    PluginCaller b(Plugins({KeyValue("", {{"backend", "redis"}, {"url", redis.url()}})}, "other"));
    auto ba = a.Open("x");
    auto bb = b.Open("y");
    ASSERT_TRUE(a.Method(*ba, "set", {Value::String("k"), PluginCaller::Bytes("v")}));
    ASSERT_TRUE(b.Method(*bb, "set", {Value::String("k"), PluginCaller::Bytes("v")}));
    EXPECT_EQ(connections_.open(), 1u);
    // One pooled connection served both (they ran one after another), plus redis-cli's own.
    std::string list = RedisCli(redis.port(), {"CLIENT", "LIST"});
    EXPECT_EQ(std::count(list.begin(), list.end(), '\n') + 1, 2) << list;
  }
  EXPECT_EQ(connections_.open(), 0u);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string list;
  while (std::chrono::steady_clock::now() < deadline) {
    list = RedisCli(redis.port(), {"CLIENT", "LIST"});
    if (std::count(list.begin(), list.end(), '\n') == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(std::count(list.begin(), list.end(), '\n'), 0) << list;  // only redis-cli
}

}  // namespace
}  // namespace wcloud::plugins
