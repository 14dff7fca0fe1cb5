// The kv_guest fixture (tests/components/kv_guest, hand-written canonical ABI) decoded, checked,
// linked and instantiated by our runtime, calling every wasi:keyvalue, wasi:config and
// wasi:logging function against NATS, Redis and in-memory backends started here.
#include <gtest/gtest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "kv_servers.h"
#include "plugins/plugins.h"
#include "test_components.h"
#include "wasm/v8_engine.h"

namespace wcloud::plugins {
namespace {

using component::Value;

api::HostInterface Entry(std::string name, std::string package, std::vector<std::string> ifaces,
                         api::StringMap config = {}) {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = std::move(package);
  e.interfaces = std::move(ifaces);
  e.config = std::move(config);
  return e;
}

std::vector<api::HostInterface> Declarations(api::StringMap keyvalue_config) {
  return {Entry("", "keyvalue", {"store", "atomics", "batch"}, std::move(keyvalue_config)),
          Entry("", "config", {"store"}, {{"from-host", "h"}, {"layered", "host"}}),
          Entry("", "logging", {"logging"})};
}

// What run() returned: ok(bytes) as `value`, or err(string) as `error`.
struct Outcome {
  bool ok = false;
  std::string value;
  std::string error;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << (o.ok ? "ok(" + o.value + ")" : "err(" + o.error + ")");
}

class KvGuestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine) << engine.error().message();
    engine_ = std::move(*engine).release();
    auto component = component::LoadComponentFile(testing::TestComponentPath("kv_guest"));
    ASSERT_TRUE(component) << component.error().message();
    component_ = new std::shared_ptr<const component::Component>(*component);
  }
  static void TearDownTestSuite() {
    delete component_;
    delete engine_;
  }

  void SetUp() override {
    auto store = engine_->NewStore();
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    auto linker = std::make_shared<component::Linker>();
    AddPluginsToLinker(*linker);
    linker_ = linker;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    logger_ = std::make_shared<spdlog::logger>("guest", sink);
    logger_->set_pattern("%l|%v");
  }
  void TearDown() override {
    instance_.reset();
    store_.reset();
  }

  // Binds, checks the imports and instantiates the guest; the plugins are kept for inspection.
  void Start(std::vector<api::HostInterface> entries, ResolvedReferences refs = {},
             GuestLogOptions log_options = {}) {
    auto bindings = WorkloadBindings::Create({"tenant", "kv"}, std::move(entries), connections_);
    ASSERT_TRUE(bindings) << bindings.error().message();
    auto checked = (*bindings)->CheckImports(**component_, *linker_);
    ASSERT_TRUE(checked) << checked.error().message();
    api::LocalResources local;
    local.config = {{"layered", "local"}, {"from-local", "l"}};
    local.environment = api::EnvironmentSource{{{"layered", "env"}}, {}, {}};
    plugins_ = ForComponent(*bindings, "kv-guest", local, std::move(refs), logger_, log_options);
    auto pre = component::InstancePre::Create(*engine_, *component_, linker_);
    ASSERT_TRUE(pre) << pre.error().message();
    auto data = std::make_unique<component::InstanceData>();
    AttachPlugins(*data, plugins_);
    auto instance = (*pre)->Instantiate(*store_, std::move(data));
    ASSERT_TRUE(instance) << instance.error().message();
    instance_ = std::move(*instance);
    run_ = instance_->GetExport("test:kv/run", "run");
    ASSERT_NE(run_, nullptr);
  }

  Outcome Run(const std::string& op, const std::string& bucket, const std::string& key = "",
              const std::string& value = "") {
    std::vector<Value> args{Value::String(op), Value::String(bucket), Value::String(key),
                            Value::Bytes({value.begin(), value.end()})};
    auto r = instance_->Call(*run_, args);
    EXPECT_TRUE(r) << op << " trapped: " << r.error().message();
    if (!r) return {false, "", "trap: " + r.error().message()};
    const auto& c = (*r)[0].as_case();
    if (c.index == 0) {
      const auto& bytes = c.payload.at(0).as_bytes();
      return {true, std::string(bytes.begin(), bytes.end()), ""};
    }
    return {false, "", c.payload.at(0).as_string()};
  }

  // Every keyvalue function through the guest on `bucket`, which starts empty. `exact_pages`:
  // the backend's pages hold exactly the page size (Redis's SCAN takes it as a hint and may
  // answer a keyspace this small in one page).
  void ExerciseEveryFunction(const std::string& bucket, bool exact_pages = true) {
    auto expect_ok = [&](const Outcome& o, const std::string& value) {
      EXPECT_TRUE(o.ok) << o;
      EXPECT_EQ(o.value, value);
    };
    expect_ok(Run("open", bucket), "");
    expect_ok(Run("get", bucket, "a"), "none");
    expect_ok(Run("set", bucket, "a", "alpha"), "");
    expect_ok(Run("get", bucket, "a"), "some:alpha");
    expect_ok(Run("exists", bucket, "a"), "true");
    expect_ok(Run("exists", bucket, "b"), "false");
    expect_ok(Run("set-many", bucket, "b\nc\nd\ne", "beta\ngamma\ndelta\nepsilon"), "");
    expect_ok(Run("get-many", bucket, "a\nzz\ne"), "a=alpha\nzz!\ne=epsilon\n");
    // One page of 3 (the backends' page size here), then the rest.
    Outcome first = Run("list-keys", bucket, "");
    ASSERT_TRUE(first.ok) << first;
    size_t at = first.value.find("cursor:");
    ASSERT_NE(at, std::string::npos) << first;
    std::string cursor = first.value.substr(at + 7);
    std::string listed = first.value.substr(0, at);
    if (exact_pages || cursor != "none") {
      ASSERT_NE(cursor, "none") << first;
      Outcome rest = Run("list-keys", bucket, cursor);
      ASSERT_TRUE(rest.ok) << rest;
      listed += rest.value.substr(0, rest.value.find("cursor:"));
    }
    std::vector<std::string> keys;
    std::istringstream lines(listed);
    for (std::string k; std::getline(lines, k);) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c", "d", "e"})) << listed;
    Outcome all = Run("list-all", bucket);
    ASSERT_TRUE(all.ok) << all;
    EXPECT_EQ(std::count(all.value.begin(), all.value.end(), '\n'), 5) << all;

    expect_ok(Run("delete", bucket, "a"), "");
    expect_ok(Run("get", bucket, "a"), "none");
    expect_ok(Run("delete-many", bucket, "b\nc\nnever"), "");
    expect_ok(Run("get-many", bucket, "b\nd"), "b!\nd=delta\n");
    expect_ok(Run("increment", bucket, "n", "40"), "40");
    expect_ok(Run("increment", bucket, "n", "2"), "42");
    expect_ok(Run("get", bucket, "n"), "some:42");
    Outcome not_a_number = Run("increment", bucket, "d", "1");
    EXPECT_FALSE(not_a_number.ok);
    EXPECT_EQ(not_a_number.error.rfind("other: ", 0), 0u) << not_a_number;
  }

  static wasm::Engine* engine_;
  static std::shared_ptr<const component::Component>* component_;
  KeyValueConnections connections_{KeyValueOptions{.page_size = 3}};
  std::unique_ptr<wasm::Store> store_;
  std::shared_ptr<const component::Linker> linker_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::logger> logger_;
  ComponentPlugins plugins_;
  std::unique_ptr<component::ComponentInstance> instance_;
  const component::ExportedFunc* run_ = nullptr;
};

wasm::Engine* KvGuestTest::engine_ = nullptr;
std::shared_ptr<const component::Component>* KvGuestTest::component_ = nullptr;

TEST_F(KvGuestTest, EveryFunctionInMemory) {
  Start(Declarations({}));
  ExerciseEveryFunction("mem");
}

TEST_F(KvGuestTest, EveryFunctionOnNats) {
  KvServer nats(KvServer::Kind::kNats);
  Start(Declarations({{"backend", "nats"}, {"url", nats.url()}}));
  ExerciseEveryFunction("jet");
}

TEST_F(KvGuestTest, EveryFunctionOnRedis) {
  KvServer redis(KvServer::Kind::kRedis);
  Start(Declarations({{"backend", "redis"}, {"url", redis.url()}}));
  ExerciseEveryFunction("red", /*exact_pages=*/false);
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "tenant_red:n"}), "42");
}

TEST_F(KvGuestTest, NamedBindingsFromTheGuestLandInTheirServers) {
  KvServer nats(KvServer::Kind::kNats);
  KvServer redis(KvServer::Kind::kRedis);
  Start({Entry("cache", "keyvalue", {"store", "atomics", "batch"},
               {{"backend", "nats"}, {"url", nats.url()}, {"bucket", "cache-kv"}}),
         Entry("sessions", "keyvalue", {"store"}, {{"backend", "redis"}, {"url", redis.url()}}),
         Entry("", "config", {"store"}), Entry("", "logging", {"logging"})});
  EXPECT_TRUE(Run("set", "cache", "page", "<html>").ok);
  EXPECT_TRUE(Run("set", "sessions", "user", "alice").ok);
  EXPECT_EQ(RedisCli(redis.port(), {"GET", "tenant_sessions:user"}), "alice");
  EXPECT_EQ(RedisCli(redis.port(), {"EXISTS", "tenant_cache:page"}), "0");
  EXPECT_EQ(Run("increment", "cache", "hits", "1").value, "1");
  EXPECT_EQ(Run("increment", "sessions", "hits", "1").error, "access-denied");
  EXPECT_EQ(Run("get-many", "sessions", "user").error, "access-denied");
  EXPECT_EQ(Run("get", "nope", "k").error, "no-such-store");
}

TEST_F(KvGuestTest, UndeclaredImportsAreNamedBeforeInstantiation) {
  auto bindings = WorkloadBindings::Create(
      {"tenant", "kv"},
      {Entry("", "keyvalue", {"store", "atomics"}), Entry("", "config", {"store"})}, connections_);
  ASSERT_TRUE(bindings);
  auto checked = (*bindings)->CheckImports(**component_, *linker_);
  ASSERT_FALSE(checked);
  const std::string& m = checked.error().message();
  EXPECT_NE(m.find("wasi:keyvalue/batch@0.2.0-draft is not declared"), std::string::npos) << m;
  EXPECT_NE(m.find("wasi:logging/logging@0.1.0-draft is not declared"), std::string::npos) << m;
  EXPECT_EQ(m.find("wasi:keyvalue/store"), std::string::npos) << m;
}

TEST_F(KvGuestTest, ConfigLayersAndSecretsStayOutOfLogs) {
  Start(Declarations({}), {{{{"from-map", "m"}}}, {{{"api-token", "sk-live-12345"}}}});
  EXPECT_EQ(Run("config-get", "", "layered").value, "some:env");
  EXPECT_EQ(Run("config-get", "", "from-host").value, "some:h");
  EXPECT_EQ(Run("config-get", "", "missing").value, "none");
  EXPECT_EQ(Run("config-get-all", "").value,
            "api-token=sk-live-12345\nfrom-host=h\nfrom-local=l\nfrom-map=m\nlayered=env\n");
  EXPECT_EQ(plugins_.config->Environment(),
            (std::vector<std::pair<std::string, std::string>>{
                {"api-token", "sk-live-12345"}, {"from-map", "m"}, {"layered", "env"}}));

  // The guest logs its secret: the host's log has it redacted, with workload and component.
  EXPECT_TRUE(Run("log", "warn", "auth", "using token sk-live-12345\nforged|line").ok);
  EXPECT_EQ(log_.str(),
            "warning|guest workload=tenant/kv component=kv-guest context=auth: using token "
            "[redacted]\\nforged|line\n");
  EXPECT_EQ(Run("log", "loud", "", "x").error, "bad request: level loud");
}

TEST_F(KvGuestTest, AFloodingGuestIsRateLimited) {
  Start(Declarations({}), {}, GuestLogOptions{.lines_per_second = 1, .burst = 10});
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(Run("log", "info", "flood", "line").ok);
  std::string text = log_.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 10);
  EXPECT_EQ(plugins_.log->dropped(), 490u);
}

TEST_F(KvGuestTest, ADeadBackendIsAnErrorValueAndTheInstanceRecovers) {
  KvServer redis(KvServer::Kind::kRedis);
  Start(Declarations({{"backend", "redis"}, {"url", redis.url()}}));
  ASSERT_TRUE(Run("set", "b", "k", "v").ok);
  redis.Kill();
  for (const char* op : {"get", "set", "increment", "list-keys", "get-many"}) {
    Outcome o = Run(op, "b", std::string(op) == "list-keys" ? "" : "k", "1");
    EXPECT_FALSE(o.ok) << op << ": " << o;
    EXPECT_EQ(o.error.rfind("other: redis", 0), 0u) << op << ": " << o;
  }
  EXPECT_FALSE(instance_->poisoned());
  redis.Start();
  EXPECT_EQ(Run("set", "b", "k", "again").value, "");
  EXPECT_EQ(Run("get", "b", "k").value, "some:again");
}

TEST_F(KvGuestTest, ManyCallsOnOneInstanceKeepItsMemoryBounded) {
  Start(Declarations({}));
  std::string big(64 * 1024, 'x');
  for (int i = 0; i < 3000; ++i) {
    Outcome o = Run("set", "loop", "k" + std::to_string(i % 10), big);
    ASSERT_TRUE(o.ok) << i << ": " << o;
    o = Run("get", "loop", "k" + std::to_string(i % 10));
    ASSERT_EQ(o.value.size(), big.size() + 5) << i;
  }
}

}  // namespace
}  // namespace wcloud::plugins
