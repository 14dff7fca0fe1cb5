// The abi_reactor fixture (tests/components/abi_reactor) on our runtime: this file is the host of
// test:abi/host, written with our Linker, and checks every export of test:abi/api value by value
// against the contract in abi.wit, the same checks abi_reactor_test.mjs makes against jco.
#include <gtest/gtest.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "component/linker.h"
#include "test_components.h"
#include "wasm/instance_reset.h"
#include "wasm/v8_engine.h"

namespace wcloud::component {
namespace {

constexpr std::string_view kApi = "test:abi/api";
constexpr std::string_view kHost = "test:abi/host";

// ---- values

Value U(uint64_t v) { return Value::Unsigned(v); }
Value S(int64_t v) { return Value::Signed(v); }
Value Str(std::string s) { return Value::String(std::move(s)); }
Value Agg(std::vector<Value> items) { return Value::Aggregate(std::move(items)); }
Value StrList(std::vector<std::string> strings) {
  std::vector<Value> items;
  for (auto& s : strings) items.push_back(Str(std::move(s)));
  return Agg(std::move(items));
}
Value U32List(std::vector<uint32_t> values) {
  std::vector<Value> items;
  for (uint32_t v : values) items.push_back(U(v));
  return Agg(std::move(items));
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Equality that tells -0 from 0 and compares NaNs by their bits, as isDeepStrictEqual does for
// the jco run (Value's operator== uses float ==).
bool Same(const Value& a, const Value& b) {
  if (a.storage().index() != b.storage().index()) return false;
  return std::visit(
      Overloaded{
          [&](float x) {
            return std::bit_cast<uint32_t>(x) == std::bit_cast<uint32_t>(b.as_f32());
          },
          [&](double x) {
            return std::bit_cast<uint64_t>(x) == std::bit_cast<uint64_t>(b.as_f64());
          },
          [&](const std::vector<Value>& items) {
            const auto& other = b.items();
            if (items.size() != other.size()) return false;
            for (size_t i = 0; i < items.size(); ++i) {
              if (!Same(items[i], other[i])) return false;
            }
            return true;
          },
          [&](const CaseValue& c) {
            const CaseValue& other = b.as_case();
            if (c.index != other.index || c.payload.size() != other.payload.size()) return false;
            return c.payload.empty() || Same(c.payload[0], other.payload[0]);
          },
          [&](const auto& x) { return x == std::get<std::decay_t<decltype(x)>>(b.storage()); },
      },
      a.storage());
}

std::string Show(const Value& v) {
  return std::visit(Overloaded{
                        [](bool x) -> std::string { return x ? "true" : "false"; },
                        [](int64_t x) { return std::to_string(x); },
                        [](uint64_t x) { return std::to_string(x) + "u"; },
                        [](float x) {
                          char buf[64];
                          snprintf(buf, sizeof buf, "%.9gf", static_cast<double>(x));
                          return std::string(buf);
                        },
                        [](double x) {
                          char buf[64];
                          snprintf(buf, sizeof buf, "%.17g", x);
                          return std::string(buf);
                        },
                        [](const std::string& s) {
                          if (s.size() > 64)
                            return "\"" + s.substr(0, 32) + "...\" (" + std::to_string(s.size()) +
                                   " bytes)";
                          return "\"" + s + "\"";
                        },
                        [](const std::vector<uint8_t>& bytes) {
                          std::string out = "bytes[";
                          for (size_t i = 0; i < bytes.size(); ++i) {
                            out += (i ? ", " : "") + std::to_string(bytes[i]);
                          }
                          return out + "]";
                        },
                        [](const std::vector<Value>& items) {
                          std::string out = "[";
                          for (size_t i = 0; i < items.size(); ++i)
                            out += (i ? ", " : "") + Show(items[i]);
                          return out + "]";
                        },
                        [](const CaseValue& c) {
                          std::string out = "case " + std::to_string(c.index);
                          if (!c.payload.empty()) out += "(" + Show(c.payload[0]) + ")";
                          return out;
                        },
                        [](const ResourceValue& r) {
                          return "resource " + (r.type ? r.type->name : std::string("?")) +
                                 " rep " + std::to_string(r.rep);
                        },
                    },
                    v.storage());
}

std::string Show(const std::vector<Value>& values) { return Show(Agg(values)); }

}  // namespace

// For GoogleTest's messages (found by argument-dependent lookup).
static void PrintTo(const Value& v, std::ostream* os) { *os << Show(v); }

namespace {

// ---- the host side of test:abi/host, one per instance (InstanceData)

struct AbiHost {
  std::vector<std::string> events;                 // dropped(id) calls, host-thing new/dispose
  std::map<std::string, std::vector<Value>> seen;  // host-echo-X -> its last arguments
  std::map<std::string, std::function<Value(const Value&)>> replies;  // default: echo
  std::vector<std::string> things;                                    // host-thing labels, by rep
  // Runs inside host-echo-X before the reply and inside dropped(); an Error fails the host call.
  std::function<Status(CallContext&, const std::string& name)> before_reply;
};

AbiHost& HostOf(CallContext& cx) { return *cx.data().Find<AbiHost>(); }

const char* const kEchoNames[] = {
    "bool",       "s8",         "u8",         "s16",           "u16",    "s32",    "u32",
    "s64",        "u64",        "f32",        "f64",           "char",   "string", "bytes",
    "nested",     "points",     "padded",     "tuple",         "mixed",  "color",  "small-flags",
    "wide-flags", "huge-flags", "option-u32", "option-string", "result", "thing",
};

std::shared_ptr<Linker> AbiHostLinker() {
  auto linker = std::make_shared<Linker>();
  const RuntimeResource* thing =
      linker->DefineResource(kHost, "host-thing", [](CallContext& cx, uint32_t rep) {
        AbiHost& host = HostOf(cx);
        host.events.push_back("dispose " + host.things.at(rep));
      });
  linker->DefineFunc(
      kHost, "[constructor]host-thing",
      [thing](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) {
        AbiHost& host = HostOf(cx);
        host.things.push_back(args[0].as_string());
        host.events.push_back("new " + args[0].as_string());
        out.push_back(Value::Resource({thing, static_cast<uint32_t>(host.things.size() - 1)}));
        return Ok();
      });
  linker->DefineFunc(
      kHost, "[method]host-thing.label",
      [thing](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) {
        const ResourceValue& self = args[0].as_resource();
        if (self.type != thing) return Status(Error("label: not a host-thing"));
        out.push_back(Str(HostOf(cx).things.at(self.rep)));
        return Ok();
      });
  linker->DefineFunc(
      kHost, "dropped",
      [](CallContext& cx, std::span<const Value> args, std::vector<Value>&) -> Status {
        AbiHost& host = HostOf(cx);
        host.events.push_back("dropped " + std::to_string(args[0].as_unsigned()));
        if (host.before_reply) return host.before_reply(cx, "dropped");
        return Ok();
      });
  for (const char* name : kEchoNames) {
    const std::string key = std::string("host-echo-") + name;
    linker->DefineFunc(
        kHost, key,
        [key](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) -> Status {
          AbiHost& host = HostOf(cx);
          host.seen[key] = std::vector<Value>(args.begin(), args.end());
          if (host.before_reply) WCLOUD_TRY_STATUS(host.before_reply(cx, key));
          auto reply = host.replies.find(key);
          out.push_back(reply == host.replies.end() ? args[0] : reply->second(args[0]));
          return Ok();
        });
  }
  // The 17 params come back as the fields of `many`, in the same order.
  linker->DefineFunc(kHost, "host-echo-many",
                     [](CallContext& cx, std::span<const Value> args, std::vector<Value>& out) {
                       std::vector<Value> fields(args.begin(), args.end());
                       HostOf(cx).seen["host-echo-many"] = fields;
                       out.push_back(Agg(std::move(fields)));
                       return Ok();
                     });
  return linker;
}

// A store that hands every instantiation through to the real one and keeps the memories the core
// instances export, so the test can watch the guest's memory (as the jco runner's instantiate
// hook does).
class MemoryWatchingStore final : public wasm::Store {
 public:
  explicit MemoryWatchingStore(std::unique_ptr<wasm::Store> inner) : inner_(std::move(inner)) {}

  Result<std::unique_ptr<wasm::Instance>> Instantiate(
      const wasm::Module& module, std::span<const wasm::Extern> imports) override {
    auto instance = inner_->Instantiate(module, imports);
    if (instance) {
      for (const auto& [name, e] : (*instance)->exports()) {
        // The same memory again, exported for instance reset.
        if (name.starts_with(wasm::kStateExportPrefix)) continue;
        if (const auto* m = std::get_if<std::shared_ptr<wasm::Memory>>(&e)) {
          memories_.push_back(*m);
        }
      }
    }
    return instance;
  }
  std::shared_ptr<wasm::Func> NewHostFunc(wasm::FuncType type,
                                          wasm::HostCallback callback) override {
    return inner_->NewHostFunc(std::move(type), std::move(callback));
  }
  Result<std::shared_ptr<wasm::Memory>> NewMemory(wasm::Limits limits) override {
    return inner_->NewMemory(limits);
  }
  Result<std::shared_ptr<wasm::Table>> NewTable(wasm::Limits limits) override {
    return inner_->NewTable(limits);
  }
  void SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) override {
    inner_->SetDeadline(deadline);
  }
  void SetMemoryLimit(std::optional<uint64_t> max_memory_bytes) override {
    inner_->SetMemoryLimit(max_memory_bytes);
  }
  void Interrupt() override { inner_->Interrupt(); }
  void ReleaseFreedMemory() override { inner_->ReleaseFreedMemory(); }

  const std::vector<std::shared_ptr<wasm::Memory>>& memories() const { return memories_; }

 private:
  std::unique_ptr<wasm::Store> inner_;
  std::vector<std::shared_ptr<wasm::Memory>> memories_;  // released before inner_
};

class AbiReactorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine).release();
    auto component = LoadComponentFile(wcloud::testing::TestComponentPath("abi_reactor"));
    ASSERT_TRUE(component.has_value()) << component.error().message();
    auto pre = InstancePre::Create(*engine_, *component, AbiHostLinker());
    ASSERT_TRUE(pre.has_value()) << pre.error().message();
    pre_ = new std::shared_ptr<const InstancePre>(std::move(*pre));
  }
  static void TearDownTestSuite() {
    delete pre_;
    pre_ = nullptr;
    delete engine_;
    engine_ = nullptr;
  }

  void SetUp() override { Reinstantiate(); }
  // A fresh store and instance (a trap poisons the instance for good).
  void Reinstantiate() {
    instance_.reset();
    store_.reset();
    ASSERT_NE(pre_, nullptr);
    auto store = engine_->NewStore();
    ASSERT_TRUE(store.has_value()) << store.error().message();
    store_ = std::make_unique<MemoryWatchingStore>(std::move(*store));
    auto data = std::make_unique<InstanceData>();
    data->Emplace<AbiHost>();
    auto instance = (*pre_)->Instantiate(*store_, std::move(data));
    ASSERT_TRUE(instance.has_value()) << instance.error().message();
    instance_ = std::move(*instance);
  }
  void TearDown() override {
    instance_.reset();
    store_.reset();
  }

  AbiHost& host() { return *instance_->data().Find<AbiHost>(); }

  Result<std::vector<Value>> CallAll(std::string_view name, std::vector<Value> args) {
    const ExportedFunc* f = instance_->GetExport(kApi, name);
    if (f == nullptr) return Error("no export test:abi/api#" + std::string(name));
    return instance_->Call(*f, args);
  }

  // The single result of an export; a failed call is a test failure (and a default Value).
  Value Call(std::string_view name, std::vector<Value> args = {}) {
    auto results = CallAll(name, std::move(args));
    if (!results) {
      ADD_FAILURE() << name << ": " << results.error().message();
      return Value();
    }
    if (results->size() != 1) {
      ADD_FAILURE() << name << ": " << results->size() << " results";
      return Value();
    }
    return std::move((*results)[0]);
  }

  // echo-X(value): host-echo-X receives `value` unchanged and the host's reply comes back.
  void Echo(const std::string& type, const Value& value) { Echo(type, value, value); }
  void Echo(const std::string& type, const Value& value, const Value& expected) {
    const std::string host_name = "host-echo-" + type;
    host().seen.erase(host_name);
    Value got = Call("echo-" + type, {value});
    auto seen = host().seen.find(host_name);
    if (seen == host().seen.end()) {
      ADD_FAILURE() << host_name << " was not called for " << Show(value);
    } else {
      EXPECT_TRUE(seen->second.size() == 1 && Same(seen->second[0], value))
          << host_name << " received " << Show(seen->second) << ", want " << Show(value);
    }
    EXPECT_TRUE(Same(got, expected)) << "echo-" << type << "(" << Show(value) << ") = " << Show(got)
                                     << ", want " << Show(expected);
  }

  uint32_t PostReturnCount() {
    return static_cast<uint32_t>(Call("post-return-count").as_unsigned());
  }

  static wasm::Engine* engine_;
  static std::shared_ptr<const InstancePre>* pre_;
  std::unique_ptr<MemoryWatchingStore> store_;
  std::unique_ptr<ComponentInstance> instance_;
};

wasm::Engine* AbiReactorTest::engine_ = nullptr;
std::shared_ptr<const InstancePre>* AbiReactorTest::pre_ = nullptr;

// ---- echoes

TEST_F(AbiReactorTest, EchoesIntegersAtTheirExtremes) {
  for (bool v : {true, false}) Echo("bool", Value::Bool(v));
  for (int64_t v : {-128, -1, 0, 127}) Echo("s8", S(v));
  for (uint64_t v : {0, 1, 255}) Echo("u8", U(v));
  for (int64_t v : {-32768, 0, 32767}) Echo("s16", S(v));
  for (uint64_t v : {0, 65535}) Echo("u16", U(v));
  for (int64_t v : {int64_t{INT32_MIN}, int64_t{-1}, int64_t{0}, int64_t{INT32_MAX}}) {
    Echo("s32", S(v));
  }
  for (uint64_t v : {uint64_t{0}, uint64_t{1} << 31, uint64_t{UINT32_MAX}}) Echo("u32", U(v));
  for (int64_t v : {INT64_MIN, int64_t{-1}, int64_t{0}, INT64_MAX}) Echo("s64", S(v));
  for (uint64_t v : {uint64_t{0}, uint64_t{1} << 63, UINT64_MAX}) Echo("u64", U(v));
}

TEST_F(AbiReactorTest, EchoesFloatsIncludingSignedZeroInfinitiesAndNaN) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (float v : {0.0f, -0.0f, 1.5f, -3.25f, kInf, -kInf, std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min()}) {
    Echo("f32", Value::F32(v));
  }
  for (double v : {std::numeric_limits<double>::max(), std::numeric_limits<double>::denorm_min(),
                   -0.0, -std::numeric_limits<double>::infinity()}) {
    Echo("f64", Value::F64(v));
  }
  Value f32 = Call("echo-f32", {Value::F32(std::numeric_limits<float>::quiet_NaN())});
  EXPECT_TRUE(std::isnan(f32.as_f32())) << Show(f32);
  EXPECT_TRUE(std::isnan(host().seen["host-echo-f32"].at(0).as_f32()));
  Value f64 = Call("echo-f64", {Value::F64(std::numeric_limits<double>::quiet_NaN())});
  EXPECT_TRUE(std::isnan(f64.as_f64())) << Show(f64);
  EXPECT_TRUE(std::isnan(host().seen["host-echo-f64"].at(0).as_f64()));
}

TEST_F(AbiReactorTest, EchoesCharsUpToTheLastScalarValue) {
  for (char32_t c : {U'a', U'\0', U'é', U'€', U'😀', U'\U0010FFFF'}) Echo("char", Value::Char(c));
}

TEST_F(AbiReactorTest, EchoesStringsEmptyMultibyteAndLarge) {
  for (const char* s : {"", "hello", "héllo wörld € 😀"}) Echo("string", Str(s));
  Echo("string", Str(std::string(100000, 'x')));
  Echo("string", Str(std::string("nul\0inside", 11)));
}

TEST_F(AbiReactorTest, EchoesBytesNestedListsAndListsOfRecords) {
  Echo("bytes", Value::Bytes({}));
  Echo("bytes", Value::Bytes({0, 1, 255}));
  Echo("nested", Agg({}));
  Echo("nested", Agg({Agg({})}));
  Echo("nested", Agg({StrList({"a", "b"}), StrList({}), StrList({"😀", ""})}));
  Echo("points", Agg({}));
  Echo("points", Agg({Agg({S(-1), S(INT32_MAX)}), Agg({S(INT32_MIN), S(0)})}));
  std::vector<uint8_t> megabyte(1 << 20);
  for (size_t i = 0; i < megabyte.size(); ++i) megabyte[i] = static_cast<uint8_t>(i * 7);
  Echo("bytes", Value::Bytes(megabyte));
  std::vector<Value> points;
  for (int64_t i = 0; i < 10000; ++i) points.push_back(Agg({S(i), S(-i)}));
  Echo("points", Agg(std::move(points)));
}

TEST_F(AbiReactorTest, EchoesRecordsWithPaddingAndTuples) {
  Echo("padded", Agg({U(255), U(UINT64_MAX), U(65535), Value::F32(1.5f), Value::Bool(true)}));
  Echo("padded", Agg({U(0), U(0), U(0), Value::F32(-0.25f), Value::Bool(false)}));
  Echo("tuple", Agg({U(7), Str("tuple"), Value::F64(2.5)}));
  Echo("tuple", Agg({U(255), Str(""), Value::F64(-1e300)}));
}

TEST_F(AbiReactorTest, EchoesEveryVariantCaseAndEnum) {
  Echo("mixed", Value::Case(0, U(255)));
  Echo("mixed", Value::Case(1, Value::F64(-0.5)));
  Echo("mixed", Value::Case(1, Value::F64(1e300)));
  Echo("mixed", Value::Case(2, Str("variant text")));
  Echo("mixed", Value::Case(2, Str("")));
  Echo("mixed", Value::Case(3));
  for (uint32_t color : {0u, 1u, 2u}) Echo("color", Value::Enum(color));
}

TEST_F(AbiReactorTest, EchoesFlagsOfOneTwoAndFourBytes) {
  for (uint32_t bits : {0u, 0b101u, 0b111u}) Echo("small-flags", Value::Flags(bits));
  for (uint32_t bits : {0u, 1u | 1u << 11, 1u << 8}) Echo("wide-flags", Value::Flags(bits));
  for (uint32_t bits : {0u, 1u | 1u << 19, 1u << 9 | 1u << 16}) {
    Echo("huge-flags", Value::Flags(bits));
  }
}

TEST_F(AbiReactorTest, EchoesOptionsAndResults) {
  Echo("option-u32", Value::None());
  Echo("option-u32", Value::Some(U(0)));
  Echo("option-u32", Value::Some(U(UINT32_MAX)));
  Echo("option-string", Value::None());
  Echo("option-string", Value::Some(Str("")));
  Echo("option-string", Value::Some(Str("some")));
  Echo("result", Value::Ok(Str("fine")));
  Echo("result", Value::Err(Value::Enum(1)));  // denied
}

TEST_F(AbiReactorTest, EchoManyPassesSeventeenParamsThroughMemoryBothWays) {
  std::vector<Value> args = {U(255),
                             S(-128),
                             U(65535),
                             S(-32768),
                             U(UINT32_MAX),
                             S(INT32_MIN),
                             U(UINT64_MAX),
                             S(INT64_MIN),
                             Value::F32(1.5f),
                             Value::F64(-2.25),
                             Value::Char(U'😀'),
                             Value::Bool(true),
                             Str("many strings"),
                             Value::Bytes({9, 8, 7}),
                             Agg({S(3), S(-4)}),
                             Value::Enum(2),        // blue
                             Value::Flags(0b010)};  // b
  auto results = CallAll("echo-many", args);
  ASSERT_TRUE(results.has_value()) << results.error().message();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_TRUE(Same(Agg(host().seen["host-echo-many"]), Agg(args)))
      << "host-echo-many received " << Show(host().seen["host-echo-many"]);
  EXPECT_TRUE(Same((*results)[0], Agg(args))) << "echo-many returned " << Show((*results)[0]);
}

TEST_F(AbiReactorTest, TheReplyIsTheHostsNotTheArgument) {
  host().replies["host-echo-string"] = [](const Value& x) { return Str(x.as_string() + "!"); };
  EXPECT_EQ(Call("echo-string", {Str("changed")}).as_string(), "changed!");
  host().replies["host-echo-u64"] = [](const Value& x) { return U(x.as_unsigned() + 1); };
  EXPECT_EQ(Call("echo-u64", {U(41)}).as_unsigned(), 42u);
  host().replies["host-echo-mixed"] = [](const Value&) { return Value::Case(3); };
  Echo("mixed", Value::Case(2, Str("replaced")), Value::Case(3));
}

// ---- pure functions

TEST_F(AbiReactorTest, PureFunctionsComputeTheDocumentedAnswers) {
  EXPECT_TRUE(
      Same(Call("reverse-strings", {StrList({"a", "bb", "😀"})}), StrList({"😀", "bb", "a"})));
  EXPECT_TRUE(Same(Call("reverse-strings", {StrList({})}), StrList({})));
  EXPECT_EQ(Call("sum-list", {U32List({1, 2, UINT32_MAX})}).as_unsigned(), 4294967298u);
  EXPECT_EQ(Call("sum-list", {U32List({})}).as_unsigned(), 0u);
  EXPECT_EQ(Call("count-chars", {Str("héllo😀")}).as_unsigned(), 6u);
  EXPECT_EQ(Call("join-nested", {Agg({StrList({"a", "b"}), StrList({"c"})}), Str(",")}).as_string(),
            "a,b|c");
  EXPECT_EQ(Call("join-nested", {Agg({StrList({}), StrList({"x"})}), Str("--")}).as_string(), "|x");
  EXPECT_EQ(Call("checked-div", {S(7), S(-2)}), Value::Ok(S(-3)));
  EXPECT_EQ(Call("checked-div", {S(1), S(0)}), Value::Err(Value::Enum(2)));  // invalid
  EXPECT_EQ(Call("checked-div", {S(INT32_MIN), S(-1)}), Value::Err(Value::Enum(2)));
  EXPECT_EQ(Call("find-color", {Str("green")}), Value::Some(Value::Enum(1)));
  EXPECT_EQ(Call("find-color", {Str("pink")}), Value::None());
  std::vector<Value> one_to_18, max18;
  for (uint64_t i = 1; i <= 18; ++i) {
    one_to_18.push_back(U(i));
    max18.push_back(U(UINT32_MAX));
  }
  EXPECT_EQ(Call("sum-many", one_to_18).as_unsigned(), 171u);
  EXPECT_EQ(Call("sum-many", max18).as_unsigned(), 18 * uint64_t{UINT32_MAX});
}

TEST_F(AbiReactorTest, SummarizeReturnsARecordThroughTheReturnPointer) {
  Value stats = Call("summarize", {Str("stats"), U32List({3, 1, 4, 1, 5})});
  EXPECT_TRUE(Same(
      stats, Agg({Str("stats"), U(5), U(14), U(1), U(5), Value::F64(14.0 / 5), Value::Bool(true)})))
      << Show(stats);
  Value empty = Call("summarize", {Str(""), U32List({})});
  EXPECT_TRUE(Same(empty, Agg({Str(""), U(0), U(0), U(0), U(0), Value::F64(0), Value::Bool(true)})))
      << Show(empty);
}

// ---- the guest's resource `counter`

TEST_F(AbiReactorTest, CounterConstructorMethodsStaticMergeAndTakeCounter) {
  const Value a = Call("[constructor]counter", {S(10)});
  const Value b = Call("[constructor]counter", {S(-3)});
  ASSERT_EQ(a.storage().index(), 9u) << Show(a);
  ASSERT_EQ(b.storage().index(), 9u) << Show(b);
  EXPECT_EQ(a.as_resource().type, b.as_resource().type);
  EXPECT_EQ(a.as_resource().type->name, "counter");
  EXPECT_EQ(Call("[method]counter.id", {a}).as_unsigned(), 1u);
  EXPECT_EQ(Call("[method]counter.id", {b}).as_unsigned(), 2u);
  EXPECT_EQ(Call("[method]counter.increment", {a, S(5)}).as_signed(), 15);
  // -3 + INT64_MIN wraps to INT64_MAX - 2.
  EXPECT_EQ(Call("[method]counter.increment", {b, S(INT64_MIN)}).as_signed(), INT64_MAX - 2);

  const Value m = Call("[static]counter.merge", {a, b});
  ASSERT_EQ(m.storage().index(), 9u) << Show(m);
  const int64_t merged = static_cast<int64_t>(uint64_t{15} + uint64_t{INT64_MAX - 2});
  EXPECT_EQ(Call("[method]counter.id", {m}).as_unsigned(), 3u);
  EXPECT_EQ(Call("[method]counter.increment", {m, S(0)}).as_signed(), merged);
  // merge left a and b unchanged.
  EXPECT_EQ(Call("[method]counter.increment", {a, S(0)}).as_signed(), 15);
  EXPECT_EQ(Call("live-counters").as_unsigned(), 3u);

  host().events.clear();
  EXPECT_EQ(Call("take-counter", {m}).as_signed(), merged);
  EXPECT_EQ(host().events, std::vector<std::string>{"dropped 3"})
      << "take-counter drops the counter during the call";

  host().events.clear();
  ASSERT_TRUE(instance_->DropResource(a.as_resource()));
  EXPECT_EQ(host().events, std::vector<std::string>{"dropped 1"});
  EXPECT_EQ(Call("live-counters").as_unsigned(), 1u);
  ASSERT_TRUE(instance_->DropResource(b.as_resource()));
  EXPECT_EQ(host().events, (std::vector<std::string>{"dropped 1", "dropped 2"}));
  EXPECT_EQ(Call("live-counters").as_unsigned(), 0u);
}

TEST_F(AbiReactorTest, CounterDestructorsRunInTheOrderTheHostDrops) {
  std::vector<Value> counters;
  for (int64_t start = 0; start < 4; ++start) {
    counters.push_back(Call("[constructor]counter", {S(start)}));
  }
  for (size_t i : {2u, 0u, 3u, 1u}) ASSERT_TRUE(instance_->DropResource(counters[i].as_resource()));
  EXPECT_EQ(host().events,
            (std::vector<std::string>{"dropped 3", "dropped 1", "dropped 4", "dropped 2"}));
  EXPECT_EQ(Call("live-counters").as_unsigned(), 0u);
  // Ids keep counting per instance.
  const Value next = Call("[constructor]counter", {S(0)});
  EXPECT_EQ(Call("[method]counter.id", {next}).as_unsigned(), 5u);
}

TEST_F(AbiReactorTest, DropResourceDoesNotReenterTheGuestDuringACall) {
  const Value counter = Call("[constructor]counter", {S(1)});
  Status dropped_inside;
  host().before_reply = [&](CallContext& cx, const std::string& name) -> Status {
    if (name == "host-echo-u32")
      dropped_inside = cx.instance()->DropResource(counter.as_resource());
    return Ok();
  };
  (void)CallAll("echo-u32", {U(1)});
  EXPECT_FALSE(dropped_inside) << "the destructor ran inside the guest's own call";
  if (!dropped_inside) {
    EXPECT_NE(dropped_inside.error().message().find("re-entered"), std::string::npos)
        << dropped_inside.error().message();
  }
  EXPECT_EQ(host().events, std::vector<std::string>{});
}

TEST_F(AbiReactorTest, TheDestructorTheHostRunsCannotBeReenteredEither) {
  const Value counter = Call("[constructor]counter", {S(1)});
  std::string inner_error;
  host().before_reply = [&](CallContext& cx, const std::string& name) -> Status {
    if (name != "dropped") return Ok();
    const ExportedFunc* f = cx.instance()->GetExport(kApi, "live-counters");
    if (f == nullptr) return Error("no live-counters");
    auto r = cx.instance()->Call(*f, {});
    inner_error = r ? "(the call went through)" : r.error().message();
    return Ok();
  };
  EXPECT_TRUE(instance_->DropResource(counter.as_resource()));
  EXPECT_EQ(host().events, std::vector<std::string>{"dropped 1"});
  EXPECT_NE(inner_error.find("re-entered"), std::string::npos) << inner_error;
}

TEST_F(AbiReactorTest, DropResourceOnATrappedInstanceIsRefused) {
  const Value counter = Call("[constructor]counter", {S(1)});
  host().before_reply = [](CallContext&, const std::string&) -> Status {
    return Error("the host says no");
  };
  ASSERT_FALSE(CallAll("echo-u32", {U(1)}).has_value());
  ASSERT_TRUE(instance_->poisoned());
  EXPECT_FALSE(instance_->DropResource(counter.as_resource()));
  EXPECT_EQ(host().events, std::vector<std::string>{});
}

TEST_F(AbiReactorTest, DropResourceRefusesAHostResource) {
  const Value made = Call("make-thing", {Str("x")});
  EXPECT_FALSE(instance_->DropResource(made.as_resource()));
}

// ---- the host's resource `host-thing`

TEST_F(AbiReactorTest, HostThingMovesAsOwnAndBorrowAndTheHostDestructorRuns) {
  const Value made = Call("make-thing", {Str("made")});
  ASSERT_EQ(made.storage().index(), 9u) << Show(made);
  const RuntimeResource* thing = made.as_resource().type;
  ASSERT_NE(thing, nullptr);
  EXPECT_EQ(thing->name, "host-thing");
  EXPECT_EQ(thing->guest_owner, nullptr) << "make-thing returns the host's own object";
  EXPECT_EQ(host().things.at(made.as_resource().rep), "made");
  EXPECT_EQ(host().events, std::vector<std::string>{"new made"});

  EXPECT_EQ(Call("thing-label", {made}).as_string(), "made");
  EXPECT_EQ(host().events, std::vector<std::string>{"new made"}) << "a borrow does not dispose";

  host().things.push_back("passed");
  const Value other = Value::Resource({thing, static_cast<uint32_t>(host().things.size() - 1)});
  const Value back = Call("echo-thing", {other});
  ASSERT_EQ(host().seen["host-echo-thing"].size(), 1u);
  EXPECT_EQ(host().seen["host-echo-thing"][0], other) << "host-echo-thing received the thing";
  EXPECT_EQ(back, other) << "echo-thing returns the thing";
  EXPECT_EQ(host().things.at(back.as_resource().rep), "passed");

  host().events.clear();
  EXPECT_EQ(Call("consume-thing", {made}).as_string(), "made");
  EXPECT_EQ(host().events, std::vector<std::string>{"dispose made"})
      << "consume-thing drops the owned thing";
}

// ---- post-returns and bounded memory

TEST_F(AbiReactorTest, PostReturnRunsAfterEveryStringOrListExport) {
  const uint32_t before = PostReturnCount();
  Call("echo-string", {Str("one")});
  EXPECT_EQ(PostReturnCount(), before + 1);
  Call("echo-nested", {Agg({StrList({"two"})})});
  EXPECT_EQ(PostReturnCount(), before + 2);
  Call("summarize", {Str("s"), U32List({1})});
  Call("echo-tuple", {Agg({U(1), Str("t"), Value::F64(1)})});
  EXPECT_EQ(PostReturnCount(), before + 4);
  Call("echo-u32", {U(1)});  // no post-return
  EXPECT_EQ(PostReturnCount(), before + 4);
}

TEST_F(AbiReactorTest, AThousandLargeCallsLeaveTheGuestMemoryAsItWas) {
  ASSERT_EQ(store_->memories().size(), 1u) << "abi_reactor exports one memory";
  const std::shared_ptr<wasm::Memory>& memory = store_->memories()[0];
  const std::string chunk(65536, 'y');
  EXPECT_EQ(Call("echo-string", {Str(chunk)}).as_string(), chunk);
  const size_t after_one = memory->size();
  const Value nested = Agg({StrList({chunk.substr(0, 1000), "b"}), StrList({"c"})});
  for (int i = 0; i < 500; ++i) {
    ASSERT_EQ(Call("echo-string", {Str(chunk)}).as_string().size(), chunk.size()) << "call " << i;
    ASSERT_TRUE(Same(Call("echo-nested", {nested}), nested)) << "call " << i;
  }
  EXPECT_EQ(memory->size(), after_one);
}

TEST_F(AbiReactorTest, RepliesLargerThanTheGuestMemoryGrowItWhileTheyAreLowered) {
  ASSERT_EQ(store_->memories().size(), 1u);
  const std::shared_ptr<wasm::Memory>& memory = store_->memories()[0];
  const size_t before = memory->size();
  const std::string big(4 << 20, 'z');
  host().replies["host-echo-string"] = [&](const Value&) { return Str(big); };
  EXPECT_EQ(Call("echo-string", {Str("small")}).as_string(), big);
  EXPECT_GE(memory->size(), before + big.size());

  std::vector<Value> groups;
  for (int g = 0; g < 200; ++g) {
    std::vector<Value> strings;
    for (int i = 0; i < 50; ++i) strings.push_back(Str(std::to_string(g) + std::string(100, 'n')));
    groups.push_back(Agg(std::move(strings)));
  }
  const Value nested = Agg(std::move(groups));
  host().replies["host-echo-nested"] = [&](const Value&) { return nested; };
  EXPECT_TRUE(Same(Call("echo-nested", {Agg({})}), nested));
}

// ---- failures are errors that name what went wrong, never crashes

TEST_F(AbiReactorTest, AHostFailureTrapsTheGuestAndPoisonsTheInstance) {
  host().before_reply = [](CallContext&, const std::string& name) -> Status {
    if (name == "host-echo-u32") return Error("the host says no");
    return Ok();
  };
  auto r = CallAll("echo-u32", {U(1)});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("the host says no"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("host-echo-u32"), std::string::npos) << r.error().message();
  EXPECT_TRUE(instance_->poisoned());
  r = CallAll("echo-u8", {U(1)});
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("trapped earlier"), std::string::npos) << r.error().message();
}

TEST_F(AbiReactorTest, InvalidHostRepliesAreErrors) {
  struct Bad {
    std::string type;
    Value arg, reply;
  };
  const Bad bad[] = {
      {"char", Value::Char(U'a'), Value::Char(0xD800)},
      {"char", Value::Char(U'a'), Value::Char(0x110000)},
      {"color", Value::Enum(0), Value::Enum(3)},
      {"u8", U(1), U(256)},
      {"s8", S(1), S(128)},
      {"u32", U(1), Str("not a number")},
      {"option-u32", Value::None(), Value::Case(2)},
      {"option-u32", Value::None(), Value::Some(Str("x"))},
      {"result", Value::Ok(Str("x")), Value::Err(Value::Enum(7))},
      {"mixed", Value::Case(3), Value::Case(2)},
      {"padded", Agg({U(0), U(0), U(0), Value::F32(0), Value::Bool(false)}), Agg({U(0)})},
      {"string", Str("x"), Value::Bytes({1})},
      {"string", Str("x"), Str("\xc3")},  // truncated UTF-8
  };
  for (const Bad& b : bad) {
    Reinstantiate();
    const Value reply = b.reply;
    host().replies["host-echo-" + b.type] = [reply](const Value&) { return reply; };
    auto r = CallAll("echo-" + b.type, {b.arg});
    EXPECT_FALSE(r.has_value()) << "host-echo-" << b.type << " replied " << Show(reply)
                                << " and the guest got " << Show(*r);
    if (!r) {
      EXPECT_NE(r.error().message(), "") << b.type;
    }
  }
}

TEST_F(AbiReactorTest, InvalidArgumentsFromTheHostAreErrors) {
  struct Bad {
    std::string func;
    std::vector<Value> args;
  };
  const Bad bad[] = {
      {"echo-u32", {}},
      {"echo-u32", {U(1), U(2)}},
      {"echo-u32", {S(1)}},
      {"echo-u8", {U(256)}},
      {"echo-char", {Value::Char(0xDFFF)}},
      {"echo-color", {Value::Enum(3)}},
      {"echo-string", {Str("\xff")}},
      {"echo-string", {Str("\xed\xa0\x80")}},  // a UTF-8 encoded surrogate
  };
  for (const Bad& b : bad) {
    Reinstantiate();
    auto r = CallAll(b.func, b.args);
    EXPECT_FALSE(r.has_value()) << b.func << Show(b.args) << " returned " << Show(*r);
    if (!r) {
      EXPECT_NE(r.error().message(), "") << b.func;
    }
  }
}

TEST_F(AbiReactorTest, AHandleOfTheWrongResourceTypeIsAnError) {
  // Each case in a fresh instance, with a counter and a host-thing of that instance.
  for (const std::string func :
       {"thing-label", "consume-thing", "echo-thing", "[method]counter.id", "take-counter"}) {
    Reinstantiate();
    const Value counter = Call("[constructor]counter", {S(1)});
    const Value thing = Call("make-thing", {Str("t")});
    const bool wants_thing = func.find("thing") != std::string::npos;
    const Value wrong = wants_thing ? counter : thing;
    auto r = CallAll(func, {wrong});
    EXPECT_FALSE(r.has_value()) << func << "(" << Show(wrong) << ") returned " << Show(*r);
    if (!r) {
      EXPECT_NE(r.error().message().find(wants_thing ? "host-thing" : "counter"), std::string::npos)
          << func << ": " << r.error().message();
    }
  }
}

TEST_F(AbiReactorTest, ACounterOfAnotherInstanceIsNotThisInstancesCounter) {
  auto data = std::make_unique<InstanceData>();
  data->Emplace<AbiHost>();
  auto other = (*pre_)->Instantiate(*store_, std::move(data));
  ASSERT_TRUE(other.has_value()) << other.error().message();
  const ExportedFunc* ctor = (*other)->GetExport(kApi, "[constructor]counter");
  ASSERT_NE(ctor, nullptr);
  const Value start = S(5);
  auto theirs = (*other)->Call(*ctor, std::span<const Value>(&start, 1));
  ASSERT_TRUE(theirs.has_value()) << theirs.error().message();
  const Value ours = Call("[constructor]counter", {S(5)});
  EXPECT_NE(ours.as_resource().type, (*theirs)[0].as_resource().type);
  EXPECT_FALSE(instance_->DropResource((*theirs)[0].as_resource()));
  EXPECT_EQ((*other)->data().Find<AbiHost>()->events, std::vector<std::string>{});
  auto r = CallAll("[method]counter.id", {(*theirs)[0]});
  EXPECT_FALSE(r.has_value()) << Show(*r);
  instance_.reset();  // before the store; `other` goes at the end of the scope, also before it
}

TEST_F(AbiReactorTest, ReenteringTheInstanceFromAHostCallIsRefused) {
  std::string inner_error;
  host().before_reply = [&](CallContext& cx, const std::string& name) -> Status {
    if (name != "host-echo-u32") return Ok();
    const ExportedFunc* f = cx.instance()->GetExport(kApi, "echo-u8");
    if (f == nullptr) return Error("no echo-u8");
    const Value arg = U(1);
    auto r = cx.instance()->Call(*f, std::span<const Value>(&arg, 1));
    inner_error = r ? "(the call went through)" : r.error().message();
    return Ok();
  };
  (void)CallAll("echo-u32", {U(1)});
  EXPECT_NE(inner_error.find("re-entered"), std::string::npos) << inner_error;
}

}  // namespace
}  // namespace wcloud::component
