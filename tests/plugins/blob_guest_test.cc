// The blob_guest fixture (tests/components/blob_guest, hand-written canonical ABI) decoded,
// checked, linked and instantiated by our runtime, calling every wasi:blobstore function on the
// in-memory backend and on a real nats-server's JetStream Object Store; the official JavaScript
// client (@nats-io/obj, tools/npm) then reads what the guest wrote, and the guest reads what the
// client wrote.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "kv_servers.h"
#include "plugins/plugins.h"
#include "test_components.h"
#include "util/json.h"
#include "wasi/memory_streams.h"
#include "wasi/wasi.h"
#include "wasm/v8_engine.h"

namespace wcloud::plugins {
namespace {

namespace fs = std::filesystem;
using component::Value;

api::HostInterface BlobEntry(api::StringMap config = {}, std::string name = "") {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = "blobstore";
  e.interfaces = {"blobstore", "container", "types"};
  e.config = std::move(config);
  return e;
}

// What run() returned: ok(bytes) as `value`, or err(string) as `error`.
struct Outcome {
  bool ok = false;
  std::string value;
  std::string error;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  return os << (o.ok ? "ok(" + o.value.substr(0, 200) + ")" : "err(" + o.error + ")");
}

// Bytes no two offsets of which repeat with a short period, so a misplaced chunk shows.
std::string Pattern(size_t n) {
  std::string out(n, '\0');
  uint32_t x = 2463534242u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

fs::path SourceDir() {
  const char* dir = std::getenv("WCLOUD_SOURCE_DIR");
  return fs::path(dir != nullptr ? dir : WCLOUD_SOURCE_DIR_DEFAULT);
}

// One instance of the guest, with its own bindings (namespace and hostInterfaces).
class Guest {
 public:
  Guest(wasm::Engine& engine, wasm::Store& store,
        const std::shared_ptr<const component::Component>& component,
        const std::shared_ptr<const component::Linker>& linker, KeyValueConnections& connections,
        const std::string& namespace_, std::vector<api::HostInterface> entries) {
    auto bindings = WorkloadBindings::Create({namespace_, "blob"}, std::move(entries), connections);
    EXPECT_TRUE(bindings) << bindings.error().message();
    if (!bindings) return;
    auto checked = (*bindings)->CheckImports(*component, *linker);
    EXPECT_TRUE(checked) << checked.error().message();
    auto pre = component::InstancePre::Create(engine, component, linker);
    EXPECT_TRUE(pre) << pre.error().message();
    if (!pre) return;
    auto data = std::make_unique<component::InstanceData>();
    wasi::WasiConfig config;
    config.stdin_stream = std::make_shared<wasi::MemoryInputStream>(std::vector<uint8_t>());
    config.stdout_stream = std::make_shared<wasi::MemoryOutputStream>();
    config.stderr_stream = std::make_shared<wasi::MemoryOutputStream>();
    EXPECT_TRUE(wasi::AttachWasi(*data, std::move(config)));
    AttachPlugins(*data, ForComponent(*bindings, "blob-guest", std::nullopt, {}, nullptr));
    auto instance = (*pre)->Instantiate(store, std::move(data));
    EXPECT_TRUE(instance) << instance.error().message();
    if (!instance) return;
    instance_ = std::move(*instance);
    run_ = instance_->GetExport("test:blob/run", "run");
    EXPECT_NE(run_, nullptr);
  }

  Outcome Run(const std::string& op, const std::string& container, const std::string& object = "",
              const std::string& data = "") {
    if (run_ == nullptr) return {false, "", "no instance"};
    std::vector<Value> args{Value::String(op), Value::String(container), Value::String(object),
                            Value::Bytes({data.begin(), data.end()})};
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

  bool poisoned() const { return instance_ == nullptr || instance_->poisoned(); }

 private:
  std::unique_ptr<component::ComponentInstance> instance_;
  const component::ExportedFunc* run_ = nullptr;
};

void ExpectOk(const Outcome& o, const std::string& value = "") {
  EXPECT_TRUE(o.ok) << o;
  EXPECT_EQ(o.value, value);
}

void ExpectError(const Outcome& o, const std::string& error) {
  EXPECT_FALSE(o.ok) << o;
  EXPECT_EQ(o.error, error);
}

class BlobGuestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine) << engine.error().message();
    engine_ = std::move(*engine).release();
    auto component = component::LoadComponentFile(testing::TestComponentPath("blob_guest"));
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
    wasi::AddWasiToLinker(*linker);  // first: the values are wasi:io streams
    AddPluginsToLinker(*linker);
    linker_ = linker;
  }
  void TearDown() override {
    guests_.clear();
    store_.reset();
  }

  Guest& Start(const std::string& namespace_, std::vector<api::HostInterface> entries) {
    guests_.push_back(std::make_unique<Guest>(*engine_, *store_, *component_, linker_, connections_,
                                              namespace_, std::move(entries)));
    return *guests_.back();
  }

  // Every blobstore function through the guest on `container`, which does not exist yet; the
  // objects it leaves, by name.
  static std::map<std::string, std::string> Exercise(Guest& g, const std::string& container) {
    const std::string quoted = "container \"" + container + "\"";
    ExpectOk(g.Run("exists", container), "false");
    ExpectError(g.Run("get", container), quoted + " does not exist");
    ExpectOk(g.Run("create", container));
    ExpectError(g.Run("create", container), quoted + " already exists");
    ExpectOk(g.Run("exists", container), "true");
    Outcome info = g.Run("container-info", container);
    EXPECT_TRUE(info.ok) << info;
    EXPECT_EQ(info.value.substr(0, container.size() + 1), container + "\n") << info;

    // More than two NATS chunks (128 KiB each): written in the guest's check-write pieces.
    const std::string big = Pattern(300 * 1024);
    std::map<std::string, std::string> objects = {{"hello.txt", "hello, blobstore"},
                                                  {"big.bin", big},
                                                  {"empty", ""},
                                                  {"dir/ünïcode name.txt", "ü"},
                                                  {"doomed", "bye"}};
    for (const auto& [name, data] : objects) ExpectOk(g.Run("write", container, name, data));
    ExpectOk(g.Run("list", container), "big.bin\ndir/ünïcode name.txt\ndoomed\nempty\nhello.txt\n");

    ExpectOk(g.Run("read", container, "big.bin", "1000 1999"), big.substr(1000, 1000));
    ExpectOk(g.Run("read", container, "big.bin", "307000 999999999"), big.substr(307000));
    ExpectOk(g.Run("read", container, "hello.txt"), "hello, blobstore");
    ExpectOk(g.Run("read", container, "empty"), "");
    Outcome streamed = g.Run("read-async", container, "big.bin");
    EXPECT_TRUE(streamed.ok) << streamed;
    EXPECT_TRUE(streamed.value == big) << "read-async returned " << streamed.value.size()
                                       << " bytes that differ from what was written";
    ExpectOk(g.Run("info", container, "big.bin"),
             "big.bin\n" + container + "\n" + std::to_string(big.size()));

    ExpectOk(g.Run("has", container, "doomed"), "true");
    ExpectOk(g.Run("delete", container, "doomed"));
    ExpectOk(g.Run("has", container, "doomed"), "false");
    ExpectOk(g.Run("delete", container, "doomed"));  // absent: still ok
    objects.erase("doomed");

    ExpectOk(g.Run("copy", container, "hello.txt", container + "\ncopy.txt"));
    ExpectOk(g.Run("move", container, "copy.txt", container + "\nmoved.txt"));
    ExpectOk(g.Run("has", container, "copy.txt"), "false");
    ExpectOk(g.Run("read", container, "moved.txt"), "hello, blobstore");
    objects["moved.txt"] = "hello, blobstore";
    Outcome rest = g.Run("skip-list", container, "", "2");
    EXPECT_TRUE(rest.ok) << rest;
    EXPECT_EQ(std::count(rest.value.begin(), rest.value.end(), '\n'), 3) << rest;

    ExpectError(g.Run("read", container, "missing"), quoted + " has no object \"missing\"");
    ExpectError(g.Run("info", container, "missing"), quoted + " has no object \"missing\"");
    ExpectError(g.Run("read", container, "hello.txt", "5 2"),
                quoted + ": object \"hello.txt\": start 5 is after end 2");
    ExpectError(g.Run("copy", container, "hello.txt", "nowhere\nx"),
                "container \"nowhere\" does not exist");
    EXPECT_FALSE(g.poisoned());
    return objects;
  }

  // Runs blob_js_client.mjs; skips the test when @nats-io/obj is not installed.
  static testing::CommandResult JsClient(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "env", "NODE_PATH=" + (SourceDir() / "tools/npm/node_modules").string(),
        (SourceDir() / ".deps/node/bin/node").string(),
        (SourceDir() / "tests/plugins/blob_js_client.mjs").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv);
  }
  static bool HaveJsClient() {
    return fs::exists(SourceDir() / "tools/npm/node_modules/@nats-io/obj") &&
           fs::exists(SourceDir() / ".deps/node/bin/node");
  }

  // Every object of `bucket` as @nats-io/obj reads it (its digest checked by the client).
  static std::map<std::string, std::string> JsRead(const std::string& url,
                                                   const std::string& bucket) {
    testing::TempDir dir;
    auto r = JsClient({"read", url, bucket, dir.path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    Json listed = Json::parse(r.out, nullptr, false);
    EXPECT_TRUE(listed.is_array()) << r.out << r.err;
    std::map<std::string, std::string> objects;
    if (!listed.is_array()) return objects;
    for (const Json& o : listed) {
      const std::string name = o["name"].get<std::string>();
      EXPECT_EQ(o["digest"].get<std::string>().rfind("SHA-256=", 0), 0u) << o.dump();
      if (o["file"].is_null()) {
        // Listed but not gettable: only names outside ASCII, which @nats-io/obj encodes for its
        // subjects as Latin-1 where nats.go and we encode UTF-8 (see blob_js_client.mjs).
        EXPECT_TRUE(std::any_of(name.begin(), name.end(), [](char c) { return c & 0x80; })) << name;
        objects[name] = "(not gettable by @nats-io/obj: size " +
                        std::to_string(o["size"].get<uint64_t>()) + ")";
        continue;
      }
      std::string data = ReadFile(o["file"].get<std::string>());
      EXPECT_EQ(o["size"].get<uint64_t>(), data.size()) << o.dump();
      objects[name] = std::move(data);
    }
    return objects;
  }

  static wasm::Engine* engine_;
  static std::shared_ptr<const component::Component>* component_;
  KeyValueConnections connections_;
  std::unique_ptr<wasm::Store> store_;
  std::shared_ptr<const component::Linker> linker_;
  std::vector<std::unique_ptr<Guest>> guests_;
};

wasm::Engine* BlobGuestTest::engine_ = nullptr;
std::shared_ptr<const component::Component>* BlobGuestTest::component_ = nullptr;

TEST_F(BlobGuestTest, EveryFunctionInMemory) {
  Guest& g = Start("tenant", {BlobEntry()});
  Exercise(g, "photos");
  ExpectOk(g.Run("clear", "photos"));
  ExpectOk(g.Run("list", "photos"), "");
  ExpectOk(g.Run("delete-container", "photos"));
  ExpectOk(g.Run("exists", "photos"), "false");
}

TEST_F(BlobGuestTest, EveryFunctionOnNatsAndTheJsClientReadsIt) {
  KvServer nats(KvServer::Kind::kNats);
  Guest& g = Start("tenant", {BlobEntry({{"backend", "nats"}, {"url", nats.url()}})});
  auto objects = Exercise(g, "photos");
  if (!HaveJsClient()) GTEST_SKIP() << "@nats-io/obj is not installed in tools/npm";

  // The guest's container is the bucket <namespace>_<container>; every object intact.
  auto read = JsRead(nats.url(), "tenant_photos");
  EXPECT_EQ(read.size(), objects.size());
  for (const auto& [name, data] : objects) {
    ASSERT_TRUE(read.count(name)) << name;
    if (read[name].starts_with("(not gettable")) {
      EXPECT_EQ(read[name],
                "(not gettable by @nats-io/obj: size " + std::to_string(data.size()) + ")");
      continue;
    }
    EXPECT_TRUE(read[name] == data)
        << name << ": " << read[name].size() << " bytes read, " << data.size() << " written";
  }

  // And the other way: what the JS client puts, the guest reads.
  testing::TempDir dir;
  const std::string from_js = Pattern(200 * 1024 + 3);
  std::ofstream(dir.path() / "in", std::ios::binary) << from_js;
  auto put =
      JsClient({"put", nats.url(), "tenant_photos", "from-js.bin", (dir.path() / "in").string()});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  Outcome got = g.Run("read", "photos", "from-js.bin");
  EXPECT_TRUE(got.ok) << got;
  EXPECT_TRUE(got.value == from_js) << got.value.size() << " bytes";
  ExpectOk(g.Run("read", "photos", "from-js.bin", "10 19"), from_js.substr(10, 10));

  ExpectOk(g.Run("clear", "photos"));
  EXPECT_TRUE(JsRead(nats.url(), "tenant_photos").empty());
  ExpectOk(g.Run("delete-container", "photos"));
  ExpectOk(g.Run("exists", "photos"), "false");
  auto buckets = JsClient({"buckets", nats.url()});
  EXPECT_EQ(buckets.exit_code, 0) << buckets.err;
  EXPECT_EQ(buckets.out, "[]\n");
}

TEST_F(BlobGuestTest, NamespacesAreIsolatedOnNats) {
  KvServer nats(KvServer::Kind::kNats);
  api::StringMap config = {{"backend", "nats"}, {"url", nats.url()}};
  Guest& a = Start("team-a", {BlobEntry(config)});
  Guest& b = Start("team-b", {BlobEntry(config)});
  ExpectOk(a.Run("create", "shared"));
  ExpectOk(a.Run("write", "shared", "secret", "team a's"));

  // Same container name, same server: b sees none of a's.
  ExpectOk(b.Run("exists", "shared"), "false");
  ExpectError(b.Run("get", "shared"), "container \"shared\" does not exist");
  ExpectError(b.Run("read", "shared", "secret"), "container \"shared\" does not exist");
  ExpectError(b.Run("copy", "shared", "secret", "mine\nx"), "container \"shared\" does not exist");
  ExpectError(b.Run("delete-container", "team-a_shared"),
              "container name \"team-a_shared\" must be 1-64 characters of [A-Za-z0-9-]");
  ExpectError(b.Run("get", "team-a_shared"),
              "container name \"team-a_shared\" must be 1-64 characters of [A-Za-z0-9-]");
  ExpectOk(b.Run("create", "shared"));
  ExpectOk(b.Run("list", "shared"), "");
  ExpectOk(b.Run("delete-container", "shared"));
  ExpectOk(a.Run("read", "shared", "secret"), "team a's");

  if (!HaveJsClient()) GTEST_SKIP() << "@nats-io/obj is not installed in tools/npm";
  auto buckets = JsClient({"buckets", nats.url()});
  EXPECT_EQ(buckets.out, "[\"team-a_shared\"]\n") << buckets.err;
}

TEST_F(BlobGuestTest, BadInputIsAnErrorAndLosesNothing) {
  KvServer nats(KvServer::Kind::kNats);
  Guest& g = Start(
      "tenant",
      {BlobEntry({{"backend", "nats"}, {"url", nats.url()}, {"max_object_bytes", "200000"}})});
  ExpectOk(g.Run("create", "c"));
  const std::string kept = Pattern(150000);  // two chunks
  ExpectOk(g.Run("write", "c", "keep", kept));

  // Over the limit: the stream refuses the write that crosses it, write-data refuses the
  // value, and the object already stored stays as it was.
  Outcome big = g.Run("write", "c", "keep", Pattern(250000));
  EXPECT_FALSE(big.ok);
  EXPECT_EQ(big.error,
            "container \"c\": object \"keep\": not written: the value would be 200001 bytes, over "
            "the object size limit of 200000 bytes (hostInterfaces config.max_object_bytes)")
      << big;
  Outcome still = g.Run("read", "c", "keep");
  EXPECT_TRUE(still.ok && still.value == kept) << still;
  ExpectOk(g.Run("write", "c", "exact", Pattern(200000)));

  ExpectError(g.Run("write", "nope", "x", "y"), "container \"nope\" does not exist");
  ExpectError(g.Run("read", "c", "ghost"), "container \"c\" has no object \"ghost\"");
  ExpectError(g.Run("write", "c", "", "y"),
              "container \"c\": object name \"\" must be 1-1024 bytes");
  ExpectError(g.Run("create", "no_underscores"),
              "container name \"no_underscores\" must be 1-64 characters of [A-Za-z0-9-]");
  ExpectError(g.Run("frobnicate", "c"), "bad request: unknown op frobnicate");
  EXPECT_FALSE(g.poisoned());

  if (!HaveJsClient()) GTEST_SKIP() << "@nats-io/obj is not installed in tools/npm";
  auto read = JsRead(nats.url(), "tenant_c");
  EXPECT_EQ(read.size(), 2u);
  EXPECT_TRUE(read["keep"] == kept);
}

TEST_F(BlobGuestTest, ADeadServerIsAnErrorValueAndTheInstanceRecovers) {
  KvServer nats(KvServer::Kind::kNats);
  Guest& g = Start("tenant", {BlobEntry({{"backend", "nats"}, {"url", nats.url()}})});
  ExpectOk(g.Run("create", "c"));
  ExpectOk(g.Run("write", "c", "k", "v1"));
  nats.Kill();
  for (const char* op : {"write", "read", "list", "has", "exists"}) {
    Outcome o = g.Run(op, "c", "k", "v2");
    EXPECT_FALSE(o.ok) << op << ": " << o;
    EXPECT_EQ(o.error.find("trap"), std::string::npos) << op << ": " << o;
  }
  EXPECT_FALSE(g.poisoned());
  nats.Start();
  Outcome o;
  for (int i = 0; i < 100; ++i) {  // the connection comes back on its own, with backoff
    o = g.Run("write", "c", "k", "v2");
    if (o.ok) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ExpectOk(o);
  ExpectOk(g.Run("read", "c", "k"), "v2");
}

}  // namespace
}  // namespace wcloud::plugins
