// Instantiation against the real engine: components assembled from tests/component/wat/ by
// `jco parse` at build time, decoded by our decoder, linked against host functions defined
// here, and called through their lifted exports.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "component/component.h"
#include "component/component_instance.h"
#include "component/linker.h"
#include "wasm/v8_engine.h"

namespace wcloud::component {
namespace {

std::shared_ptr<const Component> Load(const std::string& name) {
  const std::string path = std::string(WCLOUD_WAT_COMPONENTS_DIR) + "/" + name + ".wasm";
  std::ifstream in(path, std::ios::binary);
  auto bytes = std::make_shared<std::vector<uint8_t>>(std::istreambuf_iterator<char>(in),
                                                      std::istreambuf_iterator<char>());
  EXPECT_FALSE(bytes->empty()) << path;
  auto component = DecodeComponent(bytes);
  EXPECT_TRUE(component.has_value()) << path << ": " << component.error().message();
  return component ? *component : nullptr;
}

// The host side of test:host/things: things are numbers kept in a per-instance table.
struct Things {
  std::vector<uint32_t> values;
  std::vector<uint32_t> dropped;
};

class InstantiateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  void SetUp() override {
    auto store = engine_->NewStore();
    ASSERT_TRUE(store.has_value()) << store.error().message();
    store_ = std::move(*store);
    linker_ = std::make_shared<Linker>();
    linker_->DefineFunc("test:host/math@0.2.0", "double",
                        [](CallContext&, std::span<const Value> args, std::vector<Value>& out) {
                          out.push_back(Value::Unsigned(args[0].as_unsigned() * 2));
                          return Ok();
                        });
    linker_->DefineFunc("test:host/math@0.2.0", "greet",
                        [](CallContext&, std::span<const Value> args, std::vector<Value>& out) {
                          out.push_back(Value::String("hello, " + args[0].as_string() + "!"));
                          return Ok();
                        });
    const RuntimeResource* thing = linker_->DefineResource(
        "test:host/things@0.1.0", "thing",
        [](CallContext& cx, uint32_t rep) { cx.data().Find<Things>()->dropped.push_back(rep); });
    linker_->DefineFunc(
        "test:host/things@0.1.0", "make",
        [thing](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) {
          auto& things = *cx.data().Find<Things>();
          things.values.push_back(static_cast<uint32_t>(args[0].as_unsigned()));
          const uint32_t rep = static_cast<uint32_t>(things.values.size() - 1);
          out.push_back(Value::Resource({thing, rep}));
          return Ok();
        });
    linker_->DefineFunc(
        "test:host/things@0.1.0", "value",
        [thing](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) {
          const ResourceValue& r = args[0].as_resource();
          if (r.type != thing) return Status(Error("not a thing"));
          out.push_back(Value::Unsigned(cx.data().Find<Things>()->values.at(r.rep)));
          return Ok();
        });
  }

  std::unique_ptr<ComponentInstance> Instantiate(const std::string& name,
                                                 InstantiateOptions options = {}) {
    auto component = Load(name);
    if (!component) return nullptr;
    auto pre = InstancePre::Create(*engine_, component, linker_);
    EXPECT_TRUE(pre.has_value()) << pre.error().message();
    if (!pre) return nullptr;
    auto data = std::make_unique<InstanceData>();
    data->Emplace<Things>();
    auto instance = (*pre)->Instantiate(*store_, std::move(data), options);
    EXPECT_TRUE(instance.has_value()) << instance.error().message();
    return instance ? std::move(*instance) : nullptr;
  }

  static std::unique_ptr<InstanceData> NewData() {
    auto data = std::make_unique<InstanceData>();
    data->Emplace<Things>();
    return data;
  }

  static Result<std::vector<Value>> Call(ComponentInstance& instance, std::string_view iface,
                                         std::string_view name, std::vector<Value> args) {
    const ExportedFunc* f = instance.GetExport(iface, name);
    if (f == nullptr) return Error("no export " + std::string(name));
    return instance.Call(*f, args);
  }

  static wasm::Engine* engine_;
  std::unique_ptr<wasm::Store> store_;
  std::shared_ptr<Linker> linker_;
};

wasm::Engine* InstantiateTest::engine_ = nullptr;

TEST_F(InstantiateTest, LowersScalarAndStringImportsServedBySemverCompatibleHost) {
  auto instance = Instantiate("host_imports");
  ASSERT_NE(instance, nullptr);
  auto quad = Call(*instance, "", "quad", {Value::Unsigned(5)});
  ASSERT_TRUE(quad.has_value()) << quad.error().message();
  EXPECT_EQ((*quad)[0].as_unsigned(), 20u);

  auto hello = Call(*instance, "", "hello", {Value::String("wörld")});
  ASSERT_TRUE(hello.has_value()) << hello.error().message();
  EXPECT_EQ((*hello)[0].as_string(), "hello, wörld!");
  // Twice: the second call reuses the instance (and its bump allocator).
  hello = Call(*instance, "", "hello", {Value::String(std::string(1000, 'x'))});
  ASSERT_TRUE(hello.has_value()) << hello.error().message();
  EXPECT_EQ((*hello)[0].as_string(), "hello, " + std::string(1000, 'x') + "!");
}

TEST_F(InstantiateTest, HostResourcesMoveAsOwnAndBorrowAndTheGuestDropRunsTheDestructor) {
  auto instance = Instantiate("host_imports");
  ASSERT_NE(instance, nullptr);
  auto v = Call(*instance, "", "use-thing", {Value::Unsigned(42)});
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ((*v)[0].as_unsigned(), 42u);
  auto& things = *instance->data().Find<Things>();
  EXPECT_EQ(things.dropped, std::vector<uint32_t>{0});

  v = Call(*instance, "", "keep-thing", {Value::Unsigned(7)});
  ASSERT_TRUE(v.has_value()) << v.error().message();
  EXPECT_EQ((*v)[0].as_unsigned(), 7u);
  EXPECT_EQ(things.dropped, std::vector<uint32_t>{0});  // the guest still owns thing 1
}

TEST_F(InstantiateTest, TrapIsAnErrorAndPoisonsTheInstance) {
  auto instance = Instantiate("host_imports");
  ASSERT_NE(instance, nullptr);
  auto r = Call(*instance, "", "boom", {});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(wasm::IsTrap(r.error())) << r.error().message();
  EXPECT_NE(r.error().message().find("unreachable"), std::string::npos) << r.error().message();
  EXPECT_TRUE(instance->poisoned());
  r = Call(*instance, "", "quad", {Value::Unsigned(1)});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("trapped earlier"), std::string::npos);
}

TEST_F(InstantiateTest, MissingImportsAreNamedBeforeAnythingRuns) {
  auto component = Load("host_imports");
  ASSERT_NE(component, nullptr);
  auto sparse = std::make_shared<Linker>();
  sparse->DefineFunc(
      "test:host/math@0.2.0", "double",
      [](CallContext&, std::span<const Value>, std::vector<Value>&) { return Ok(); });
  auto pre = InstancePre::Create(*engine_, component, sparse);
  ASSERT_FALSE(pre.has_value());
  const std::string& message = pre.error().message();
  EXPECT_NE(message.find("test:host/math@0.2.10#greet"), std::string::npos) << message;
  EXPECT_NE(message.find("test:host/things@0.1.0#thing (resource)"), std::string::npos) << message;
  EXPECT_NE(message.find("test:host/things@0.1.0#make"), std::string::npos) << message;
  EXPECT_EQ(message.find("#double"), std::string::npos) << message;
}

TEST_F(InstantiateTest, NestedComponentGetsAHostFunctionAsItsArgument) {
  auto instance = Instantiate("nested");
  ASSERT_NE(instance, nullptr);
  auto f = Call(*instance, "", "f", {Value::Unsigned(5)});
  ASSERT_TRUE(f.has_value()) << f.error().message();
  EXPECT_EQ((*f)[0].as_unsigned(), 11u);
}

TEST_F(InstantiateTest, AdapterShapeWithShimTableFilledByFixup) {
  auto instance = Instantiate("adapter_shape");
  ASSERT_NE(instance, nullptr);
  // The export is found through a semver-compatible interface name.
  auto hello = Call(*instance, "test:guest/api@1.2.0", "hello", {Value::String("shim")});
  ASSERT_TRUE(hello.has_value()) << hello.error().message();
  EXPECT_EQ((*hello)[0].as_string(), "hello, shim!");
}

TEST_F(InstantiateTest, ResetBringsBackTheStateOfANewInstance) {
  auto instance = Instantiate("stateful", {.resettable = true});
  ASSERT_NE(instance, nullptr);
  for (int round = 0; round < 3; ++round) {
    // A global, a memory word and a data segment's byte, all as they were at instantiation.
    for (uint32_t calls = 1; calls <= 3; ++calls) {
      auto r = Call(*instance, "", "bump", {});
      ASSERT_TRUE(r.has_value()) << r.error().message();
      EXPECT_EQ((*r)[0].as_unsigned(), calls * 1001) << "round " << round;
    }
    ASSERT_TRUE(instance->Reset(NewData()));
  }
  // A memory that grew cannot shrink back: the instance must go.
  auto grown = Call(*instance, "", "grow", {});
  ASSERT_TRUE(grown.has_value()) << grown.error().message();
  EXPECT_EQ((*grown)[0].as_signed(), 1);
  EXPECT_FALSE(instance->Reset(NewData()));
}

TEST_F(InstantiateTest, ResetForgetsHandlesAndTakesTheNewHostState) {
  auto instance = Instantiate("host_imports", {.resettable = true});
  ASSERT_NE(instance, nullptr);
  for (int round = 0; round < 3; ++round) {
    // The guest keeps the thing it made: after a reset its handle table is empty again and the
    // host state is the new one, so every round looks like the first.
    auto v = Call(*instance, "", "keep-thing", {Value::Unsigned(7 + round)});
    ASSERT_TRUE(v.has_value()) << v.error().message();
    EXPECT_EQ((*v)[0].as_unsigned(), 7u + round);
    const Things& things = *instance->data().Find<Things>();
    EXPECT_EQ(things.values, std::vector<uint32_t>{7u + round});
    EXPECT_TRUE(things.dropped.empty());
    ASSERT_TRUE(instance->Reset(NewData()));
  }
}

TEST_F(InstantiateTest, ResetNeedsAResettableInstanceThatDidNotTrap) {
  auto plain = Instantiate("stateful");
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->Reset(NewData()));

  auto adapter = Instantiate("adapter_shape", {.resettable = true});
  ASSERT_NE(adapter, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto hello = Call(*adapter, "test:guest/api@1.2.0", "hello", {Value::String("shim")});
    ASSERT_TRUE(hello.has_value()) << hello.error().message();
    EXPECT_EQ((*hello)[0].as_string(), "hello, shim!");
    ASSERT_TRUE(adapter->Reset(NewData()));
  }

  auto trapped = Instantiate("host_imports", {.resettable = true});
  ASSERT_NE(trapped, nullptr);
  ASSERT_FALSE(Call(*trapped, "", "boom", {}).has_value());
  EXPECT_FALSE(trapped->Reset(NewData()));
}

TEST_F(InstantiateTest, InstantiatesManyTimesFromOnePre) {
  auto component = Load("adapter_shape");
  ASSERT_NE(component, nullptr);
  auto pre = InstancePre::Create(*engine_, component, linker_);
  ASSERT_TRUE(pre.has_value()) << pre.error().message();
  for (int i = 0; i < 50; ++i) {
    auto instance = (*pre)->Instantiate(*store_, nullptr);
    ASSERT_TRUE(instance.has_value()) << instance.error().message();
    const ExportedFunc* f = (*instance)->GetExport("test:guest/api@1.0.0", "hello");
    ASSERT_NE(f, nullptr);
    std::vector<Value> args{Value::String(std::to_string(i))};
    auto r = (*instance)->Call(*f, args);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ((*r)[0].as_string(), "hello, " + std::to_string(i) + "!");
  }
}

}  // namespace
}  // namespace wcloud::component

namespace wcloud::component {
namespace {

// Each memory reserves ~10 GiB of guard regions; instances whose host functions kept them
// reachable exhausted the address space after ~12,900 (the lowered-import closure held the
// memory and realloc, whose instance held the closure's function). Dead instances must go.
TEST_F(InstantiateTest, DeadInstancesReleaseTheirMemories) {
  auto component = Load("adapter_shape");
  ASSERT_NE(component, nullptr);
  auto pre = InstancePre::Create(*engine_, component, linker_);
  ASSERT_TRUE(pre.has_value()) << pre.error().message();
  for (int i = 0; i < 16000; ++i) {
    auto instance = (*pre)->Instantiate(*store_, nullptr);
    ASSERT_TRUE(instance.has_value()) << "instance " << i << ": " << instance.error().message();
  }
}

}  // namespace
}  // namespace wcloud::component
