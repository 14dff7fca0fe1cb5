// `wcloud serve --interfaces` end to end: the http_kv fixture (tests/components/http_kv) served by
// the real binary, driven over HTTP, against nats-server and redis-server started here on free
// ports and against the in-memory backend. Data is checked in the servers themselves (libnats,
// redis-cli). Covered: every wasi:keyvalue function on each backend and on pooled instances, the
// seed's two named bindings at once, 50 concurrent incrementers, a backend killed under traffic
// and restarted, config layering, backend passwords kept out of the log, guest logs and their
// rate limit, read-only, writable and ephemeral volumes, and refused declarations (undeclared
// imports, ConfigMap and Secret references).
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "plugins/kv_servers.h"
#include "plugins/nats_backend.h"
#include "support/subprocess.h"
#include "test_components.h"
#include "util/percent_encode.h"
#include "wcloud_serve.h"

namespace wcloud::testing {
namespace {

using namespace std::chrono_literals;
using plugins::KvServer;
using plugins::RedisCli;

// What a request got: the status and the body (status 0: no response).
struct Answer {
  int status = 0;
  std::string body;
  bool operator==(const Answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Answer& a) {
  return os << a.status << " \"" << a.body << "\"";
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// One request on `c`, which is reopened if the server closed it.
Answer CallOn(std::unique_ptr<HttpConnection>& c, int port, const std::string& method,
              const std::string& target, const std::string& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!c || !c->connected()) c = std::make_unique<HttpConnection>(port);
    const bool has_body = method == "PUT" || method == "POST";
    if (c->Send(FormatRequest(method, target, {},
                              has_body ? std::optional<std::string_view>(body) : std::nullopt))) {
      if (auto r = c->ReadResponse(30s)) return {r->status, r->body};
    }
    c.reset();
  }
  return {};
}

// `wcloud serve http_kv.wasm --interfaces FILE` with FILE holding `interfaces`, stopped (SIGTERM)
// when destroyed.
class KvServe {
 public:
  explicit KvServe(const std::string& interfaces, const std::vector<std::string>& args = {})
      : serve_("http_kv", Args(dir_, interfaces, args)) {}

  bool ready() const { return serve_.ready(); }

  // One request on a new connection.
  Answer Call(const std::string& method, const std::string& target,
              const std::string& body = "") const {
    std::unique_ptr<HttpConnection> c;
    return CallOn(c, serve_.port(), method, target, body);
  }
  Answer Get(const std::string& target) const { return Call("GET", target); }

  int port() const { return serve_.port(); }
  Subprocess& process() { return serve_.process(); }
  std::string Log() const { return serve_.Log(); }

 private:
  static std::vector<std::string> Args(const TempDir& dir, const std::string& interfaces,
                                       const std::vector<std::string>& args) {
    const std::string file = (dir.path() / "interfaces.yaml").string();
    std::ofstream(file) << interfaces;
    std::vector<std::string> out = {"--interfaces", file};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  TempDir dir_;  // before serve_: it holds the interfaces file
  WcloudServe serve_;
};

#define START_KV_SERVE(var, ...) \
  KvServe var(__VA_ARGS__);      \
  ASSERT_TRUE(var.ready()) << var.Log()

// The entries every http_kv workload needs besides keyvalue (the fixture imports both).
constexpr char kConfigAndLogging[] = R"(  - {namespace: wasi, package: config, interfaces: [store]}
  - {namespace: wasi, package: logging, interfaces: [logging]}
)";

// A hostInterfaces entry for wasi:keyvalue; `config` is a YAML flow map ("{backend: nats}").
std::string KeyValueEntry(const std::string& name, const std::string& config,
                          const std::string& interfaces = "[store, atomics, batch]") {
  std::string entry = "  - namespace: wasi\n    package: keyvalue\n    interfaces: " + interfaces +
                      "\n    config: " + config + "\n";
  return name.empty() ? entry : "  - name: " + name + "\n    " + entry.substr(4);
}

std::string Interfaces(const std::string& keyvalue_entries) {
  return "hostInterfaces:\n" + keyvalue_entries + kConfigAndLogging;
}

std::string BackendConfig(const KvServer& server) {
  return std::string("{backend: ") + server.backend() + ", url: '" + server.url() + "'}";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The value of `key` in NATS KV bucket `bucket`, read with libnats ("" when absent).
std::string NatsGet(const std::string& url, const std::string& bucket, const std::string& key) {
  natsConnection* conn = nullptr;
  if (natsConnection_ConnectTo(&conn, url.c_str()) != NATS_OK) return "<no connection>";
  jsCtx* js = nullptr;
  kvStore* kv = nullptr;
  kvEntry* e = nullptr;
  std::string out;
  if (natsConnection_JetStream(&js, conn, nullptr) == NATS_OK &&
      js_KeyValue(&kv, js, bucket.c_str()) == NATS_OK &&
      kvStore_Get(&e, kv, plugins::EncodeNatsKey(key).c_str()) == NATS_OK) {
    out.assign(static_cast<const char*>(kvEntry_Value(e)), kvEntry_ValueLen(e));
  }
  kvEntry_Destroy(e);
  kvStore_Destroy(kv);
  jsCtx_Destroy(js);
  natsConnection_Destroy(conn);
  return out;
}

constexpr char kOddKey[] = "odd key.\xc3\xa9/*:>";

// Every keyvalue function through HTTP on `store` (fresh: its listing is checked exactly). Leaves
// counter = 42, and kOddKey = "odd".
void ExerciseEveryFunction(const KvServe& s, const std::string& store) {
  const std::string kv = "/kv/" + store + "/";
  EXPECT_EQ(s.Get("/open/" + store), (Answer{200, ""}));
  EXPECT_EQ(s.Get("/open/no_such:store"), (Answer{404, "no-such-store"}));

  // get, set, exists, delete
  EXPECT_EQ(s.Get(kv + "greeting"), (Answer{404, "none"}));
  EXPECT_EQ(s.Get("/exists/" + store + "/greeting"), (Answer{200, "false"}));
  EXPECT_EQ(s.Call("PUT", kv + "greeting", "hello"), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + "greeting"), (Answer{200, "hello"}));
  EXPECT_EQ(s.Call("PUT", kv + "greeting", "hello again"), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + "greeting"), (Answer{200, "hello again"}));
  EXPECT_EQ(s.Get("/exists/" + store + "/greeting"), (Answer{200, "true"}));
  const std::string binary("\0\x01\xff\r\n\x7f", 6);
  EXPECT_EQ(s.Call("PUT", kv + "binary", binary), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + "binary"), (Answer{200, binary}));
  EXPECT_EQ(s.Call("PUT", kv + "empty", ""), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + "empty"), (Answer{200, ""}));
  EXPECT_EQ(s.Call("PUT", kv + PercentEncode(kOddKey), "odd"), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + PercentEncode(kOddKey)), (Answer{200, "odd"}));
  EXPECT_EQ(s.Call("DELETE", kv + "greeting"), (Answer{200, ""}));
  EXPECT_EQ(s.Get(kv + "greeting"), (Answer{404, "none"}));
  EXPECT_EQ(s.Call("DELETE", kv + "greeting"), (Answer{200, ""}));  // absent: not an error
  EXPECT_EQ(s.Get("/exists/" + store + "/greeting"), (Answer{200, "false"}));

  // atomics
  EXPECT_EQ(s.Call("POST", "/incr/" + store + "/counter?by=40"), (Answer{200, "40"}));
  EXPECT_EQ(s.Call("POST", "/incr/" + store + "/counter"), (Answer{200, "41"}));
  EXPECT_EQ(s.Call("POST", "/incr/" + store + "/counter?by=1"), (Answer{200, "42"}));
  EXPECT_EQ(s.Get(kv + "counter"), (Answer{200, "42"}));
  Answer not_a_number = s.Call("POST", "/incr/" + store + "/binary");
  EXPECT_EQ(not_a_number.status, 502) << not_a_number;
  EXPECT_TRUE(StartsWith(not_a_number.body, "other: ")) << not_a_number;
  EXPECT_EQ(s.Call("POST", "/incr/" + store + "/counter?by=x").status, 400);

  // batch
  EXPECT_EQ(s.Call("POST", "/batch/set/" + store, "a=1\nb=two\nc=\n"), (Answer{200, ""}));
  EXPECT_EQ(s.Call("POST", "/batch/get/" + store, "a\nmissing\nb\nc"),
            (Answer{200, "a=1\nmissing!\nb=two\nc=\n"}));
  EXPECT_EQ(s.Call("POST", "/batch/delete/" + store, "a\nmissing\nc"), (Answer{200, ""}));
  EXPECT_EQ(s.Call("POST", "/batch/get/" + store, "a\nb\nc"), (Answer{200, "a!\nb=two\nc!\n"}));

  // get and set in one request (the benchmark's handler)
  EXPECT_EQ(s.Call("POST", "/getset/" + store + "/gs", "one"), (Answer{200, ""}));
  EXPECT_EQ(s.Call("POST", "/getset/" + store + "/gs", "two"), (Answer{200, "one"}));
  EXPECT_EQ(s.Get(kv + "gs"), (Answer{200, "two"}));

  // list-keys: every page, then the same keys one page at a time by cursor
  const std::set<std::string> expected = {"binary", "empty", kOddKey, "counter", "b", "gs"};
  Answer all = s.Get("/keys/" + store + "?all=1");
  ASSERT_EQ(all.status, 200) << all;
  std::vector<std::string> listed = Lines(all.body);
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), expected) << all;
  EXPECT_EQ(listed.size(), expected.size()) << all;
  std::multiset<std::string> paged;
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    Answer a = s.Get("/keys/" + store + (cursor.empty() ? "" : "?cursor=" + cursor));
    ASSERT_EQ(a.status, 200) << a;
    std::vector<std::string> lines = Lines(a.body);
    ASSERT_FALSE(lines.empty());
    ASSERT_TRUE(StartsWith(lines.back(), "cursor:")) << a;
    paged.insert(lines.begin(), lines.end() - 1);
    cursor = lines.back().substr(7);
    if (cursor == "none") break;
  }
  EXPECT_EQ(cursor, "none");
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()), expected);
  EXPECT_EQ(s.Get("/keys/" + store + "?cursor=nope").status, 400);
}

TEST(KeyValueServeTest, EveryFunctionInMemory) {
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")));
  ExerciseEveryFunction(serve, "every");
  // Another bucket of the same entry is another namespace of keys.
  EXPECT_EQ(serve.Get("/kv/other/counter"), (Answer{404, "none"}));
  EXPECT_EQ(serve.Get("/kv/every/counter"), (Answer{200, "42"}));
}

TEST(KeyValueServeTest, EveryFunctionOnNats) {
  KvServer nats(KvServer::Kind::kNats);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(nats))));
  ExerciseEveryFunction(serve, "every");
  // Buckets are scoped by the workload's namespace (serve runs as default/http_kv).
  EXPECT_EQ(NatsGet(nats.url(), "default_every", "counter"), "42");
  EXPECT_EQ(NatsGet(nats.url(), "default_every", kOddKey), "odd");
  EXPECT_EQ(NatsGet(nats.url(), "default_every", "greeting"), "");
}

TEST(KeyValueServeTest, EveryFunctionOnRedis) {
  KvServer redis(KvServer::Kind::kRedis);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(redis))));
  ExerciseEveryFunction(serve, "every");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "default_every:counter"}), "42");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", std::string("default_every:") + kOddKey}), "odd");
  EXPECT_EQ(RedisCli(redis.port(), {"EXISTS", "default_every:greeting"}), "0");
}

// The seed's Workload (config/samples/runtime_v1alpha1_workload_keyvalue.yaml): `cache` on NATS
// with a pinned bucket, `sessions` on Redis with only the store interface, and an unnamed
// wasi:http entry; no default keyvalue entry.
TEST(KeyValueServeTest, SeedsNamedBindingsLandInTheirOwnServers) {
  KvServer nats(KvServer::Kind::kNats);
  KvServer redis(KvServer::Kind::kRedis);
  START_KV_SERVE(
      serve,
      Interfaces(
          KeyValueEntry("cache", "{backend: nats, bucket: cache-kv, url: '" + nats.url() + "'}") +
          KeyValueEntry("sessions", "{backend: redis, url: '" + redis.url() + "'}", "[store]") +
          "  - namespace: wasi\n    package: http\n    interfaces: [incoming-handler]\n"
          "    config: {address: '0.0.0.0:8080'}\n"));
  EXPECT_EQ(serve.Call("PUT", "/kv/cache/page", "cached"), (Answer{200, ""}));
  EXPECT_EQ(serve.Call("POST", "/incr/cache/hits?by=3"), (Answer{200, "3"}));
  EXPECT_EQ(serve.Call("POST", "/batch/set/cache", "x=1\ny=2"), (Answer{200, ""}));
  EXPECT_EQ(serve.Call("PUT", "/kv/sessions/user-1", "alice"), (Answer{200, ""}));

  EXPECT_EQ(NatsGet(nats.url(), "cache-kv", "page"), "cached");
  EXPECT_EQ(NatsGet(nats.url(), "cache-kv", "hits"), "3");
  EXPECT_EQ(NatsGet(nats.url(), "cache-kv", "y"), "2");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "default_sessions:user-1"}), "alice");
  // Nothing crossed over.
  EXPECT_EQ(RedisCli(redis.port(), {"KEYS", "*page*"}), "");
  EXPECT_EQ(RedisCli(redis.port(), {"DBSIZE"}), "1");
  EXPECT_EQ(NatsGet(nats.url(), "cache-kv", "user-1"), "");
  EXPECT_EQ(serve.Get("/kv/cache/user-1"), (Answer{404, "none"}));
  EXPECT_EQ(serve.Get("/kv/sessions/page"), (Answer{404, "none"}));
  EXPECT_EQ(serve.Get("/keys/sessions?all=1"), (Answer{200, "user-1\n"}));

  // sessions declares only store; nothing serves other names.
  EXPECT_EQ(serve.Call("POST", "/incr/sessions/n"), (Answer{403, "access-denied"}));
  EXPECT_EQ(serve.Call("POST", "/batch/get/sessions", "user-1"), (Answer{403, "access-denied"}));
  EXPECT_EQ(serve.Get("/kv/elsewhere/page"), (Answer{404, "no-such-store"}));
  EXPECT_EQ(serve.Get("/kv/cache-kv/page"), (Answer{404, "no-such-store"}));
}

// 50 keep-alive connections increment one key 20 times each: every answer is a distinct number
// from 1 to 1000, so no update was lost or applied twice.
void ConcurrentIncrements(const KvServe& serve, const std::string& store) {
  constexpr int kConnections = 50;
  constexpr int kEach = 20;
  std::mutex mu;
  std::vector<uint64_t> seen;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kConnections; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<HttpConnection> c;
      for (int i = 0; i < kEach; ++i) {
        Answer a = CallOn(c, serve.port(), "POST", "/incr/" + store + "/hits", "");
        std::lock_guard lock(mu);
        if (a.status == 200) {
          seen.push_back(std::stoull(a.body));
        } else {
          failures.push_back(a.body + " (" + std::to_string(a.status) + ")");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures[0];
  std::sort(seen.begin(), seen.end());
  std::vector<uint64_t> expected(kConnections * kEach);
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(serve.Get("/kv/" + store + "/hits"), (Answer{200, "1000"}));
}

TEST(KeyValueServeTest, FiftyConcurrentIncrementersInMemory) {
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")));
  ConcurrentIncrements(serve, "counters");
}

TEST(KeyValueServeTest, FiftyConcurrentIncrementersOnNats) {
  KvServer nats(KvServer::Kind::kNats);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(nats))));
  ConcurrentIncrements(serve, "counters");
  EXPECT_EQ(NatsGet(nats.url(), "default_counters", "hits"), "1000");
}

TEST(KeyValueServeTest, FiftyConcurrentIncrementersOnRedis) {
  KvServer redis(KvServer::Kind::kRedis);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(redis))));
  ConcurrentIncrements(serve, "counters");
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "default_counters:hits"}), "1000");
}

// Pooled instances, retired every 5 requests: bucket handles and plugin state stay per instance.
TEST(KeyValueServeTest, EveryFunctionOnPooledInstances) {
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")),
                 {"--pool-size", "2", "--max-invocations", "5"});
  ExerciseEveryFunction(serve, "every");
  ConcurrentIncrements(serve, "counters");
}

// The backend dies mid-test: every kind of request gets a 502 carrying `other`, the server keeps
// serving, and requests succeed again once the backend is back on its port. `durable`: the
// backend kept what was written before (NATS's store directory; our Redis saves nothing).
void KillAndRestart(KvServe& serve, KvServer& server, bool durable) {
  ASSERT_EQ(serve.Call("PUT", "/kv/durable/before", "1"), (Answer{200, ""}));
  // Traffic all along, on keep-alive connections: each answer is a success or `other`, never a
  // trap (500), a timeout or a broken connection.
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<Answer> unexpected;
  int ok = 0, other = 0;
  std::vector<std::thread> traffic;
  for (int t = 0; t < 4; ++t) {
    traffic.emplace_back([&, t] {
      std::unique_ptr<HttpConnection> c;
      while (!stop) {
        Answer a = CallOn(c, serve.port(), "POST", "/incr/durable/busy-" + std::to_string(t), "");
        std::lock_guard lock(mu);
        if (a.status == 200) {
          ++ok;
        } else if (a.status == 502 && StartsWith(a.body, "other: ")) {
          ++other;
        } else {
          unexpected.push_back(a);
        }
      }
    });
  }
  std::this_thread::sleep_for(300ms);
  server.Kill();
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/kv/durable/before"},    {"PUT", "/kv/durable/during"},
      {"DELETE", "/kv/durable/before"}, {"GET", "/exists/durable/before"},
      {"GET", "/keys/durable"},         {"POST", "/incr/durable/n"},
      {"POST", "/batch/get/durable"},   {"POST", "/batch/set/durable"},
      {"POST", "/batch/delete/durable"}};
  for (const auto& [method, target] : requests) {
    Answer a = serve.Call(method, target, method == "POST" ? "k=v" : "x");
    EXPECT_EQ(a.status, 502) << method << " " << target << ": " << a;
    EXPECT_TRUE(StartsWith(a.body, "other: ")) << method << " " << target << ": " << a;
  }
  ASSERT_TRUE(serve.process().running()) << serve.Log();

  server.Start();
  Answer after;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline;) {
    after = serve.Call("PUT", "/kv/durable/after", "2");
    if (after.status == 200) break;
    std::this_thread::sleep_for(200ms);
  }
  std::this_thread::sleep_for(300ms);
  stop = true;
  for (auto& t : traffic) t.join();
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << ", first: " << unexpected[0];
  EXPECT_GT(ok, 0);
  EXPECT_GT(other, 0);
  ASSERT_EQ(after, (Answer{200, ""})) << serve.Log();
  EXPECT_EQ(serve.Get("/kv/durable/after"), (Answer{200, "2"}));
  EXPECT_EQ(serve.Call("POST", "/incr/durable/n?by=7"), (Answer{200, "7"}));
  if (durable) {
    EXPECT_EQ(serve.Get("/kv/durable/before"), (Answer{200, "1"}));
  }
  EXPECT_TRUE(serve.process().running()) << serve.Log();
  serve.process().Kill(SIGTERM);
  EXPECT_EQ(serve.process().WaitForExit(30s), 0) << serve.Log();
  // Backend errors are the guest's answers, not failures of the host.
  EXPECT_EQ(serve.Log().find("wcloud: http_kv.wasm: "), std::string::npos) << serve.Log();
}

TEST(KeyValueServeTest, NatsKilledAndRestartedGivesErrorsThenRecovers) {
  KvServer nats(KvServer::Kind::kNats);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(nats))));
  KillAndRestart(serve, nats, /*durable=*/true);
}

TEST(KeyValueServeTest, RedisKilledAndRestartedGivesErrorsThenRecovers) {
  KvServer redis(KvServer::Kind::kRedis);
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", BackendConfig(redis))));
  KillAndRestart(serve, redis, /*durable=*/false);
}

// hostInterface config < localResources.config < localResources.environment, per key.
TEST(KeyValueServeTest, ConfigLayersLaterWins) {
  START_KV_SERVE(serve, "hostInterfaces:\n" + KeyValueEntry("", "{}") + R"(  - namespace: wasi
    package: config
    interfaces: [store]
    config: {only-host: h, host-local: host, all-three: host, host-env: host}
  - {namespace: wasi, package: logging, interfaces: [logging]}
localResources:
  config: {host-local: local, all-three: local, only-local: l}
  environment:
    config: {all-three: env, host-env: env, only-env: e}
)");
  EXPECT_EQ(serve.Get("/config/only-host"), (Answer{200, "h"}));
  EXPECT_EQ(serve.Get("/config/only-local"), (Answer{200, "l"}));
  EXPECT_EQ(serve.Get("/config/only-env"), (Answer{200, "e"}));
  EXPECT_EQ(serve.Get("/config/host-local"), (Answer{200, "local"}));
  EXPECT_EQ(serve.Get("/config/host-env"), (Answer{200, "env"}));
  EXPECT_EQ(serve.Get("/config/all-three"), (Answer{200, "env"}));
  EXPECT_EQ(serve.Get("/config/absent"), (Answer{404, "none"}));
  Answer all = serve.Get("/config");
  ASSERT_EQ(all.status, 200) << all;
  std::vector<std::string> lines = Lines(all.body);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"all-three=env", "host-env=env", "host-local=local",
                                             "only-env=e", "only-host=h", "only-local=l"}));
}

// Backend passwords (in config.url) work, and neither they nor wrong ones reach a response or
// the server's output, whether the backend refuses the password or is gone.
TEST(KeyValueServeTest, BackendPasswordsNeverReachTheLogOrResponses) {
  const std::string password = "pw-5ecret-Zq81x";
  const std::string wrong = "pw-wr0ng-Kd72y";
  TempDir dir;
  const int redis_port = FreePort();
  auto redis = std::make_unique<Subprocess>(
      std::vector<std::string>{"redis-server", "--port", std::to_string(redis_port), "--bind",
                               "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass",
                               password},
      dir.path() / "redis.log");
  ASSERT_TRUE(redis->WaitForPort(redis_port)) << redis->Log();
  const int nats_port = FreePort();
  Subprocess nats({"nats-server", "-js", "-a", "127.0.0.1", "-p", std::to_string(nats_port), "-sd",
                   (dir.path() / "js").string(), "--user", "app", "--pass", password},
                  dir.path() / "nats.log");
  ASSERT_TRUE(nats.WaitForPort(nats_port)) << nats.Log();
  const std::string redis_at = "@127.0.0.1:" + std::to_string(redis_port) + "'}";
  const std::string nats_at = "@127.0.0.1:" + std::to_string(nats_port) + "'}";
  START_KV_SERVE(
      serve,
      Interfaces(
          KeyValueEntry("redis", "{backend: redis, url: 'redis://:" + password + redis_at) +
          KeyValueEntry("redis-wrong", "{backend: redis, url: 'redis://:" + wrong + redis_at) +
          KeyValueEntry("nats", "{backend: nats, url: 'nats://app:" + password + nats_at) +
          KeyValueEntry("nats-wrong", "{backend: nats, url: 'nats://app:" + wrong + nats_at)));

  EXPECT_EQ(serve.Call("PUT", "/kv/redis/k", "via-redis"), (Answer{200, ""}));
  EXPECT_EQ(serve.Call("PUT", "/kv/nats/k", "via-nats"), (Answer{200, ""}));
  auto redis_get = RunCommand({"redis-cli", "-p", std::to_string(redis_port), "-a", password,
                               "--no-auth-warning", "--raw", "GET", "default_redis:k"});
  EXPECT_EQ(redis_get.out, "via-redis\n") << redis_get.err;
  EXPECT_EQ(NatsGet("nats://app:" + password + "@127.0.0.1:" + std::to_string(nats_port),
                    "default_nats", "k"),
            "via-nats");

  std::vector<Answer> failed = {serve.Call("PUT", "/kv/redis-wrong/k", "x"),
                                serve.Call("PUT", "/kv/nats-wrong/k", "x")};
  redis->Kill(SIGKILL);
  redis.reset();
  failed.push_back(serve.Call("PUT", "/kv/redis/k", "x"));
  failed.push_back(serve.Get("/kv/redis/k"));
  for (const Answer& a : failed) {
    EXPECT_EQ(a.status, 502) << a;
    EXPECT_TRUE(StartsWith(a.body, "other: ")) << a;
    EXPECT_EQ(a.body.find(password), std::string::npos) << a;
    EXPECT_EQ(a.body.find(wrong), std::string::npos) << a;
  }
  serve.process().Kill(SIGTERM);
  EXPECT_EQ(serve.process().WaitForExit(30s), 0) << serve.Log();
  const std::string log = serve.Log();
  EXPECT_EQ(log.find(password), std::string::npos) << log;
  EXPECT_EQ(log.find(wrong), std::string::npos) << log;
}

// wasi:logging lines reach the server's log with workload, component, level and context, one
// line each (a guest cannot forge a second line with a newline).
TEST(KeyValueServeTest, GuestLogsCarryWorkloadComponentAndLevel) {
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")));
  EXPECT_EQ(serve.Call("POST", "/log?level=warn&context=billing", "card declined"),
            (Answer{200, ""}));
  EXPECT_EQ(serve.Call("POST", "/log?level=error", "first\n[guest] [critical] forged"),
            (Answer{200, ""}));
  EXPECT_EQ(serve.Call("POST", "/log?level=trace", "quiet").status, 200);
  EXPECT_EQ(serve.Call("POST", "/log?level=loud", "x").status, 400);
  std::string warn_line, error_line;
  for (int i = 0; i < 100 && error_line.empty(); ++i) {
    for (const std::string& line : Lines(serve.Log())) {
      if (line.find("card declined") != std::string::npos) warn_line = line;
      if (line.find("first") != std::string::npos) error_line = line;
    }
    if (error_line.empty()) std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(warn_line.find("[warning]"), std::string::npos) << warn_line;
  EXPECT_NE(warn_line.find("workload=default/http_kv"), std::string::npos) << warn_line;
  EXPECT_NE(warn_line.find("component=http_kv"), std::string::npos) << warn_line;
  EXPECT_NE(warn_line.find("context=billing"), std::string::npos) << warn_line;
  EXPECT_NE(error_line.find("[error]"), std::string::npos) << error_line;
  EXPECT_NE(error_line.find("context=http_kv"), std::string::npos) << error_line;
  EXPECT_NE(error_line.find("forged"), std::string::npos) << "escaped onto the same line";
  for (const std::string& line : Lines(serve.Log())) {
    EXPECT_FALSE(StartsWith(line, "[guest] [critical]")) << line;
  }
}

size_t CountLines(const std::string& log, const std::string& needle) {
  size_t n = 0;
  for (const std::string& line : Lines(log)) n += line.find(needle) != std::string::npos;
  return n;
}

// One request logging 2,000 lines gets through the instance's burst (200) and little more; the
// next line the same (pooled) instance logs, a second later, says how many were dropped.
TEST(KeyValueServeTest, GuestLogFloodIsRateLimitedPerInstance) {
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")),
                 {"--pool-size", "1", "--threads", "1"});
  EXPECT_EQ(serve.Call("POST", "/log?repeat=2000", "flood"), (Answer{200, ""}));
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(serve.Call("POST", "/log", "after the flood"), (Answer{200, ""}));
  std::string log;
  for (int i = 0; i < 100 && CountLines(log, "after the flood") == 0; ++i) {
    std::this_thread::sleep_for(20ms);
    log = serve.Log();
  }
  const size_t flood = CountLines(log, ": flood");
  EXPECT_GE(flood, 200u) << log.substr(0, 2000);
  EXPECT_LE(flood, 400u);
  // Every drop is reported, on the next line that gets through: "after the flood", or a flood
  // line let through by a token refilled meanwhile (a slow machine takes a while to log 2,000).
  std::string after;
  size_t reported = 0;
  for (const std::string& line : Lines(log)) {
    if (line.find("after the flood") != std::string::npos) after = line;
    const size_t open = line.rfind(" (");
    if (open != std::string::npos &&
        line.find(" lines dropped before)", open) != std::string::npos) {
      reported += std::stoul(line.substr(open + 2));
    }
  }
  EXPECT_NE(after.find(" lines dropped before)"), std::string::npos) << after;
  EXPECT_EQ(reported, 2000 - flood) << log.substr(0, 4000);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// hostPath volumes mounted writable and read-only, and an ephemeral one removed when serve stops.
TEST(KeyValueServeTest, ReadOnlyVolumeRefusesWritesAndWritableOneTakesThem) {
  TempDir host;
  std::filesystem::create_directories(host.path() / "rw");
  std::filesystem::create_directories(host.path() / "ro");
  std::ofstream(host.path() / "ro" / "seed.txt") << "seeded";
  START_KV_SERVE(serve, Interfaces(KeyValueEntry("", "{}")) + "volumes:\n  - name: rw\n" +
                            "    hostPath: {path: '" + (host.path() / "rw").string() + "'}\n" +
                            "  - name: ro\n    hostPath: {path: '" + (host.path() / "ro").string() +
                            "'}\n" + R"(  - name: scratch
    ephemeral: {}
localResources:
  volumeMounts:
    - {name: rw, mountPath: /data}
    - {name: ro, mountPath: /config/ro, readOnly: true}
    - {name: scratch, mountPath: /scratch}
)");
  // Writable: the file lands in the host directory.
  EXPECT_EQ(serve.Call("PUT", "/file/data/out.txt", "written"), (Answer{200, ""}));
  EXPECT_EQ(ReadFile(host.path() / "rw" / "out.txt"), "written");
  EXPECT_EQ(serve.Call("PUT", "/file/data/out.txt", "again"), (Answer{200, ""}));
  EXPECT_EQ(serve.Get("/file/data/out.txt"), (Answer{200, "again"}));

  // Read-only: readable, but neither a new file nor an overwrite gets through.
  EXPECT_EQ(serve.Get("/file/config/ro/seed.txt"), (Answer{200, "seeded"}));
  for (const char* target : {"/file/config/ro/new.txt", "/file/config/ro/seed.txt"}) {
    Answer a = serve.Call("PUT", target, "overwritten");
    EXPECT_EQ(a.status, 403) << target << ": " << a;
    EXPECT_TRUE(StartsWith(a.body, "filesystem: ")) << a;
  }
  EXPECT_FALSE(std::filesystem::exists(host.path() / "ro" / "new.txt"));
  EXPECT_EQ(ReadFile(host.path() / "ro" / "seed.txt"), "seeded");

  // No way out of a mount, and nothing outside the mounts.
  EXPECT_NE(serve.Call("PUT", "/file/data/../escaped.txt", "x").status, 200);
  EXPECT_FALSE(std::filesystem::exists(host.path() / "escaped.txt"));
  EXPECT_EQ(serve.Call("PUT", "/file/elsewhere/x.txt", "x").status, 404);

  // Ephemeral: a directory of its own while serve runs, gone after.
  EXPECT_EQ(serve.Call("PUT", "/file/scratch/tmp.txt", "scratch"), (Answer{200, ""}));
  EXPECT_EQ(serve.Get("/file/scratch/tmp.txt"), (Answer{200, "scratch"}));
  const std::filesystem::path volumes = std::filesystem::temp_directory_path() /
                                        ("wcloud-serve-" + std::to_string(serve.process().pid()));
  EXPECT_TRUE(std::filesystem::exists(volumes)) << volumes;
  serve.process().Kill(SIGTERM);
  EXPECT_EQ(serve.process().WaitForExit(30s), 0) << serve.Log();
  EXPECT_FALSE(std::filesystem::exists(volumes)) << volumes;
  EXPECT_EQ(ReadFile(host.path() / "rw" / "out.txt"), "again");  // hostPath data stays
}

// Declarations serve refuses before listening, with the reason on stderr.
TEST(KeyValueServeTest, UndeclaredImportsAreRefusedByName) {
  TempDir dir;
  std::ofstream(dir.path() / "interfaces.yaml") << "hostInterfaces:\n" + KeyValueEntry("", "{}");
  CommandResult r =
      RunCommand({WcloudBinary(), "serve", TestComponentPath("http_kv"), "--listen", "127.0.0.1:0",
                  "--interfaces", (dir.path() / "interfaces.yaml").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("wasi:config/store@0.2.0-rc.1 is not declared"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("wasi:logging/logging@0.1.0-draft is not declared"), std::string::npos)
      << r.err;
}

// Without an API server, configFrom and secretFrom cannot be resolved: refused by name rather
// than served with those values missing.
TEST(KeyValueServeTest, ConfigMapAndSecretReferencesAreRefused) {
  for (const std::string field : {"configFrom", "secretFrom"}) {
    TempDir dir;
    std::ofstream(dir.path() / "interfaces.yaml")
        << Interfaces(KeyValueEntry("", "{}")) + "localResources:\n  environment:\n    " + field +
               ": [{name: app}]\n    config: {a: b}\n";
    CommandResult r =
        RunCommand({WcloudBinary(), "serve", TestComponentPath("http_kv"), "--listen",
                    "127.0.0.1:0", "--interfaces", (dir.path() / "interfaces.yaml").string()});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("localResources.environment." + field + ": wcloud serve cannot read"),
              std::string::npos)
        << r.err;
  }
}

}  // namespace
}  // namespace wcloud::testing
