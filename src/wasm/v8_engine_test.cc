#include "wasm/v8_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "wasm/engine_for_test.h"
#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

using testing::Wat;
using namespace std::chrono_literals;

using testing::EngineEnvironment;

// V8 starts once per process: one engine for every test here.
::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EngineEnvironment);

std::shared_ptr<const Module> Compile(const std::string& wat, const CompileOptions& options = {}) {
  auto module = EngineEnvironment::engine().Compile(Wat(wat), options);
  EXPECT_TRUE(module) << module.error().message();
  return module ? *module : nullptr;
}

std::unique_ptr<Store> NewStore(const StoreOptions& options = {}) {
  auto store = EngineEnvironment::engine().NewStore(options);
  EXPECT_TRUE(store) << store.error().message();
  return store ? *std::move(store) : nullptr;
}

std::unique_ptr<Instance> Instantiate(Store& store, const Module& module,
                                      std::vector<Extern> imports = {}) {
  auto instance = store.Instantiate(module, imports);
  EXPECT_TRUE(instance) << instance.error().message();
  return instance ? *std::move(instance) : nullptr;
}

template <typename T>
std::shared_ptr<T> Get(const Instance& instance, std::string_view name) {
  auto item = instance.GetExport(name);
  if (!item || !std::holds_alternative<std::shared_ptr<T>>(*item)) return nullptr;
  return std::get<std::shared_ptr<T>>(*item);
}

// Calls a function of i32 results with i32 arguments.
Result<std::vector<uint32_t>> CallI32(Func& func, std::vector<uint32_t> args) {
  std::vector<Val> in;
  for (uint32_t a : args) in.push_back(Val::I32(a));
  std::vector<Val> out(func.type().results.size());
  WCLOUD_TRY_STATUS(func.Call(in, out));
  std::vector<uint32_t> results;
  for (const Val& v : out) results.push_back(v.i32);
  return results;
}

const char* const kLoop = R"((module
  (func (export "spin") (loop $l (br $l)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))))";

TEST(V8EngineTest, CallsWithEveryValueTypeAndMultipleResults) {
  auto module = Compile(R"((module
    (func (export "echo") (param i32 i64 f32 f64) (result f64 f32 i64 i32)
      local.get 3 local.get 2 local.get 1 local.get 0)
    (func (export "neg64") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
    (func (export "none"))))");
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto echo = Get<Func>(*instance, "echo");
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->type(), (FuncType{{ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64},
                                    {ValType::kF64, ValType::kF32, ValType::kI64, ValType::kI32}}));

  const uint64_t kI64s[] = {0,
                            1,
                            uint64_t{std::numeric_limits<int64_t>::max()},
                            uint64_t{1} << 63,  // INT64_MIN
                            std::numeric_limits<uint64_t>::max(),
                            uint64_t{1} << 53 | 1};  // not exact as a double
  const uint32_t kI32s[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff};
  for (uint64_t i64 : kI64s) {
    for (uint32_t i32 : kI32s) {
      const Val args[] = {Val::I32(i32), Val::I64(i64), Val::F32(-0.5f), Val::F64(1e300)};
      Val results[4];
      ASSERT_TRUE(echo->Call(args, results));
      EXPECT_EQ(results[0].f64, 1e300);
      EXPECT_EQ(results[1].f32, -0.5f);
      EXPECT_EQ(results[2].i64, i64);
      EXPECT_EQ(results[3].i32, i32);
      EXPECT_EQ(results[2].type, ValType::kI64);
    }
  }
  const Val specials[] = {Val::I32(7), Val::I64(7),
                          Val::F32(std::numeric_limits<float>::infinity()), Val::F64(std::nan(""))};
  Val results[4];
  ASSERT_TRUE(echo->Call(specials, results));
  EXPECT_TRUE(std::isinf(results[1].f32));
  EXPECT_TRUE(std::isnan(results[0].f64));

  auto neg64 = Get<Func>(*instance, "neg64");
  const Val min[] = {Val::I64(uint64_t{1} << 63)};
  Val out[1];
  ASSERT_TRUE(neg64->Call(min, out));
  EXPECT_EQ(out[0].i64, uint64_t{1} << 63);  // -INT64_MIN wraps to itself
  const Val one[] = {Val::I64(1)};
  ASSERT_TRUE(neg64->Call(one, out));
  EXPECT_EQ(out[0].i64, std::numeric_limits<uint64_t>::max());

  EXPECT_TRUE(Get<Func>(*instance, "none")->Call({}, {}));
  // Arity is checked.
  auto wrong = echo->Call(one, out);
  ASSERT_FALSE(wrong);
}

TEST(V8EngineTest, ManyParametersAndResultsBothWays) {
  // More than the inline buffers hold (canonical ABI flattening goes up to 16 parameters).
  std::string params, results, gets;
  for (int i = 0; i < 12; ++i) {
    params += " i32";
    results += " i32";
    gets += " (local.get " + std::to_string(i) + ")";
  }
  auto module = Compile("(module (import \"env\" \"rev\" (func $rev (param" + params + ") (result" +
                        results + ")))" + " (func (export \"f\") (param" + params + ") (result" +
                        results + ") (call $rev" + gets + ")))");
  auto store = NewStore();
  FuncType type;
  type.params.assign(12, ValType::kI32);
  type.results.assign(12, ValType::kI32);
  auto rev = store->NewHostFunc(type, [](std::span<const Val> args, std::span<Val> out) {
    for (size_t i = 0; i < args.size(); ++i) out[i] = Val::I32(args[args.size() - 1 - i].i32 * 2);
    return Ok();
  });
  auto instance = Instantiate(*store, *module, {rev});
  std::vector<uint32_t> args;
  for (uint32_t i = 0; i < 12; ++i) args.push_back(i);
  auto result = CallI32(*Get<Func>(*instance, "f"), args);
  ASSERT_TRUE(result) << result.error().message();
  for (uint32_t i = 0; i < 12; ++i) EXPECT_EQ((*result)[i], (11 - i) * 2);
}

TEST(V8EngineTest, FeaturesComponentsUseAreOn) {
  // Sign extension, saturating truncation, bulk memory, reference types and multi-value blocks:
  // what toolchains emit for components, on by default in V8 10.2.
  auto module = Compile(R"((module
    (memory 1)
    (table $t 2 funcref)
    (func $seven (result i32) (i32.const 7))
    (elem declare func $seven)
    (func (export "sext") (param i32) (result i32) (i32.extend8_s (local.get 0)))
    (func (export "sat") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
    (func (export "bulk") (result i32)
      (memory.fill (i32.const 0) (i32.const 9) (i32.const 4))
      (memory.copy (i32.const 8) (i32.const 0) (i32.const 4))
      (i32.load (i32.const 8)))
    (func (export "refs") (result i32)
      (table.set $t (i32.const 1) (ref.func $seven))
      (call_indirect (result i32) (i32.const 1)))
    (func (export "block") (result i32)
      (block (result i32 i32) (i32.const 40) (i32.const 2))
      i32.add)))");
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "sext"), {0xff}))[0], 0xffffffffu);
  Val big[] = {Val::F32(1e20f)};
  Val out[1];
  ASSERT_TRUE(Get<Func>(*instance, "sat")->Call(big, out));
  EXPECT_EQ(out[0].i32, 0x7fffffffu);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "bulk"), {}))[0], 0x09090909u);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "refs"), {}))[0], 7u);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "block"), {}))[0], 42u);
}

TEST(V8EngineTest, ExportsComeInModuleOrderWithTheirTypes) {
  auto module = Compile(R"((module
    (global $g (export "g") (mut i64) (i64.const -5))
    (func (export "f") (param i32) (result i32) local.get 0)
    (memory (export "mem") 1 3)
    (table (export "t") 2 funcref)))");
  ASSERT_EQ(module->exports().size(), 4u);
  EXPECT_EQ(module->exports()[0].name, "g");
  EXPECT_EQ(module->exports()[2].type.limits, (Limits{1, 3}));
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  ASSERT_EQ(instance->exports().size(), 4u);
  const char* names[] = {"g", "f", "mem", "t"};
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(instance->exports()[i].first, names[i]);
  EXPECT_FALSE(instance->GetExport("missing"));

  auto g = Get<Global>(*instance, "g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->type(), ValType::kI64);
  EXPECT_TRUE(g->is_mutable());
  EXPECT_EQ(g->Get().i64, static_cast<uint64_t>(-5));
  ASSERT_TRUE(g->Set(Val::I64(uint64_t{1} << 63)));
  EXPECT_EQ(g->Get().i64, uint64_t{1} << 63);
  EXPECT_FALSE(g->Set(Val::I32(1)));

  auto mem = Get<Memory>(*instance, "mem");
  EXPECT_EQ(mem->size(), 65536u);
  EXPECT_EQ(Get<Table>(*instance, "t")->size(), 2u);
}

TEST(V8EngineTest, HostFunctionsAndReentrantCalls) {
  auto module = Compile(R"((module
    (import "host" "cb" (func $cb (param i32 i64) (result i32)))
    (memory (export "memory") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32) (result i32)
      (global.get $top)
      (global.set $top (i32.add (global.get $top) (local.get 0))))
    (func (export "twice") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "run") (param i32) (result i32)
      (call $cb (local.get 0) (i64.const -1)))))");
  auto store = NewStore();
  std::shared_ptr<Instance> instance;
  int calls = 0;
  auto cb = store->NewHostFunc({{ValType::kI32, ValType::kI64}, {ValType::kI32}},
                               [&](std::span<const Val> args, std::span<Val> results) -> Status {
                                 ++calls;
                                 EXPECT_EQ(args[1].i64, std::numeric_limits<uint64_t>::max());
                                 // Back into the guest: allocate, write there, and call another
                                 // export.
                                 auto realloc = Get<Func>(*instance, "realloc");
                                 Val size[] = {Val::I32(16)};
                                 Val ptr[1];
                                 WCLOUD_TRY_STATUS(realloc->Call(size, ptr));
                                 auto memory = Get<Memory>(*instance, "memory");
                                 std::memcpy(memory->data() + ptr[0].i32, "hello", 5);
                                 WCLOUD_ASSIGN_OR_RETURN(
                                     auto doubled,
                                     CallI32(*Get<Func>(*instance, "twice"), {args[0].i32}));
                                 results[0] = Val::I32(doubled[0] + ptr[0].i32);
                                 return Ok();
                               });
  instance = Instantiate(*store, *module, {cb});
  auto run = Get<Func>(*instance, "run");
  auto result = CallI32(*run, {21});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ((*result)[0], 42u + 1024u);
  EXPECT_EQ(std::memcmp(Get<Memory>(*instance, "memory")->data() + 1024, "hello", 5), 0);
  EXPECT_EQ(calls, 1);
  // A host function can be called directly too.
  Val args[] = {Val::I32(1), Val::I64(std::numeric_limits<uint64_t>::max())};
  Val out[1];
  ASSERT_TRUE(cb->Call(args, out));
  EXPECT_EQ(out[0].i32, 2u + 1040u);
}

TEST(V8EngineTest, HostErrorsTrapTheGuestAndKeepTheirMessageAndCode) {
  auto module = Compile(R"((module
    (import "host" "fail" (func $fail (param i32)))
    (func (export "run") (param i32) (call $fail (local.get 0)) unreachable)))");
  auto store = NewStore();
  auto fail = store->NewHostFunc({{ValType::kI32}, {}}, [](std::span<const Val> args, auto) {
    if (args[0].i32 == 0) return Status(Error("no such key"));
    if (args[0].i32 == 1) return Status(Error("bad handle", ErrorCode::kNotFound));
    throw std::runtime_error("exploded");
  });
  auto instance = Instantiate(*store, *module, {fail});
  auto run = Get<Func>(*instance, "run");
  auto plain = CallI32(*run, {0});
  ASSERT_FALSE(plain);
  EXPECT_TRUE(wasm::IsHostFunctionError(plain.error()));
  EXPECT_EQ(plain.error().message(), "no such key");
  auto coded = CallI32(*run, {1});
  ASSERT_FALSE(coded);
  EXPECT_EQ(coded.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(coded.error().message(), "bad handle");
  auto thrown = CallI32(*run, {2});
  ASSERT_FALSE(thrown);
  EXPECT_TRUE(wasm::IsHostFunctionError(thrown.error()));
  EXPECT_NE(thrown.error().message().find("exploded"), std::string::npos);
}

TEST(V8EngineTest, ErrorsCrossNestedCalls) {
  // host → guest → host (fails) → guest unwinds → the host sees the error and returns it.
  auto module = Compile(R"((module
    (import "host" "outer" (func $outer))
    (import "host" "inner" (func $inner))
    (func (export "start") (call $outer))
    (func (export "nested") (call $inner))))");
  auto store = NewStore();
  std::shared_ptr<Instance> instance;
  std::string seen;
  auto outer = store->NewHostFunc({}, [&](auto, auto) -> Status {
    Status status = Get<Func>(*instance, "nested")->Call({}, {});
    seen = status ? "ok" : status.error().message();
    return status;
  });
  auto inner = store->NewHostFunc(
      {}, [](auto, auto) { return Status(Error("inner", ErrorCode::kUnavailable)); });
  instance = Instantiate(*store, *module, {outer, inner});
  Status status = Get<Func>(*instance, "start")->Call({}, {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(status.error().message(), "inner");
  EXPECT_EQ(seen, "inner");
}

TEST(V8EngineTest, TrapsCarryV8sMessage) {
  auto module = Compile(R"((module
    (memory 1)
    (func (export "unreachable") unreachable)
    (func (export "oob") (result i32) (i32.load (i32.const 70000)))
    (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func $deep (export "deep") (param i32) (result i32)
      (i32.add (i32.const 1) (call $deep (local.get 0))))))");
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  struct Case {
    const char* name;
    std::vector<uint32_t> args;
    const char* message;
  } cases[] = {{"unreachable", {}, "unreachable"},
               {"oob", {}, "memory access out of bounds"},
               {"div", {0}, "divide by zero"},
               {"deep", {0}, "Maximum call stack size exceeded"}};
  for (const Case& c : cases) {
    auto result = CallI32(*Get<Func>(*instance, c.name), c.args);
    ASSERT_FALSE(result) << c.name;
    EXPECT_TRUE(wasm::IsTrap(result.error())) << c.name;
    EXPECT_EQ(result.error().message().find(c.message), 0u) << result.error().message();
  }
  // The store keeps working after traps.
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "div"), {1}))[0], 1u);

  // A trapping start function fails the instantiation with kTrap.
  auto starts = Compile(R"((module (func $s unreachable) (start $s)))");
  auto failed = store->Instantiate(*starts, {});
  ASSERT_FALSE(failed);
  EXPECT_TRUE(wasm::IsTrap(failed.error()));
  EXPECT_EQ(failed.error().message().find("unreachable"), 0u)
      << "[" << failed.error().message() << "]";
}

TEST(V8EngineTest, DeadlineStopsAnInfiniteLoopAndTheStoreKeepsWorking) {
  auto module = Compile(kLoop);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto spin = Get<Func>(*instance, "spin");
  auto add = Get<Func>(*instance, "add");

  const auto start = std::chrono::steady_clock::now();
  store->SetDeadline(start + 100ms);
  Status status = spin->Call({}, {});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 5s);

  // Still past the deadline: refused before running.
  auto refused = CallI32(*add, {1, 2});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kDeadlineExceeded);

  store->SetDeadline(std::nullopt);
  EXPECT_EQ((*CallI32(*add, {1, 2}))[0], 3u);
  // A far deadline does not disturb calls, and a second one works like the first.
  store->SetDeadline(std::chrono::steady_clock::now() + 1h);
  EXPECT_EQ((*CallI32(*add, {2, 2}))[0], 4u);
  store->SetDeadline(std::chrono::steady_clock::now() + 50ms);
  status = spin->Call({}, {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kDeadlineExceeded);
  store->SetDeadline(std::nullopt);
  EXPECT_EQ((*CallI32(*add, {3, 2}))[0], 5u);

  // A start function that never returns is stopped too.
  auto starts = Compile(R"((module (func $s (loop $l (br $l))) (start $s)))");
  store->SetDeadline(std::chrono::steady_clock::now() + 50ms);
  auto failed = store->Instantiate(*starts, {});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code(), ErrorCode::kDeadlineExceeded);
  store->SetDeadline(std::nullopt);
  EXPECT_EQ((*CallI32(*add, {3, 3}))[0], 6u);
}

TEST(V8EngineTest, DeadlineReachesGuestCodeCalledFromAHostFunction) {
  auto module = Compile(R"((module
    (import "host" "cb" (func $cb))
    (func (export "run") (call $cb))
    (func (export "spin") (loop $l (br $l)))))");
  auto store = NewStore();
  std::shared_ptr<Instance> instance;
  ErrorCode inner_code = ErrorCode::kUnknown;
  auto cb = store->NewHostFunc({}, [&](auto, auto) {
    Status status = Get<Func>(*instance, "spin")->Call({}, {});
    inner_code = status ? ErrorCode::kUnknown : status.error().code();
    return status;
  });
  instance = Instantiate(*store, *module, {cb});
  store->SetDeadline(std::chrono::steady_clock::now() + 50ms);
  Status status = Get<Func>(*instance, "run")->Call({}, {});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(inner_code, ErrorCode::kDeadlineExceeded);
}

TEST(V8EngineTest, InterruptFromAnotherThread) {
  auto module = Compile(kLoop);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  store->Interrupt();  // nothing runs: no effect
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "add"), {1, 1}))[0], 2u);

  std::atomic<bool> stop{false};
  std::thread interrupter([&] {
    std::this_thread::sleep_for(50ms);
    // Repeat until seen: the call may not have started yet.
    while (!stop) {
      store->Interrupt();
      std::this_thread::sleep_for(5ms);
    }
  });
  Status status = Get<Func>(*instance, "spin")->Call({}, {});
  stop = true;
  interrupter.join();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kCancelled);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "add"), {2, 3}))[0], 5u);
}

TEST(V8EngineTest, MemoryCapMakesGrowFail) {
  auto module = Compile(R"((module
    (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))))");
  auto capped = NewStore({.max_memory_bytes = 4 * 65536});
  auto instance = Instantiate(*capped, *module);
  auto grow = Get<Func>(*instance, "grow");
  EXPECT_EQ((*CallI32(*grow, {2}))[0], 1u);
  EXPECT_EQ((*CallI32(*grow, {2}))[0], 0xffffffffu);  // 5 pages > 4
  EXPECT_EQ((*CallI32(*grow, {1}))[0], 3u);
  auto memory = Get<Memory>(*instance, "memory");
  EXPECT_EQ(memory->size(), 4u * 65536);  // grown by the guest, seen by the host
  memory->data()[4 * 65536 - 1] = 1;
  EXPECT_FALSE(memory->Grow(1));
  EXPECT_EQ(module->exports()[0].type.limits.max, std::nullopt);  // the module is unchanged

  // The same module in an uncapped store grows on.
  auto free_store = NewStore();
  auto free_instance = Instantiate(*free_store, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*free_instance, "grow"), {10}))[0], 1u);
  auto free_memory = Get<Memory>(*free_instance, "memory");
  EXPECT_EQ(*free_memory->Grow(1), 11u);
  EXPECT_EQ(free_memory->size(), 12u * 65536);

  // A second instance in the capped store uses the cached lowered module.
  auto again = Instantiate(*capped, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*again, "grow"), {4}))[0], 0xffffffffu);

  // A declared maximum below the cap stays.
  auto small = Compile(R"((module (memory (export "m") 1 2)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))");
  auto small_instance = Instantiate(*capped, *small);
  EXPECT_EQ((*CallI32(*Get<Func>(*small_instance, "grow"), {2}))[0], 0xffffffffu);

  // A minimum over the cap cannot instantiate.
  auto big = Compile(R"((module (memory 5)))");
  auto failed = capped->Instantiate(*big, {});
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message().find("over the limit of 4 pages"), std::string::npos)
      << failed.error().message();

  // A cap beyond what a memory can declare changes nothing.
  auto huge = NewStore({.max_memory_bytes = uint64_t{1} << 40});
  auto huge_instance = Instantiate(*huge, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*huge_instance, "grow"), {7}))[0], 1u);

  // Host-created memories are capped too.
  auto host_memory = capped->NewMemory({1, std::nullopt});
  ASSERT_TRUE(host_memory);
  EXPECT_EQ(*(*host_memory)->Grow(3), 1u);
  EXPECT_FALSE((*host_memory)->Grow(1));
  EXPECT_FALSE(capped->NewMemory({5, std::nullopt}));
}

TEST(V8EngineTest, MemoryLimitPerInstantiationInOneStore) {
  auto module = Compile(R"((module
    (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))))");
  auto store = NewStore({.max_memory_bytes = 4 * 65536});
  store->SetMemoryLimit(8 * 65536);
  auto larger = Instantiate(*store, *module);
  store->SetMemoryLimit(2 * 65536);
  auto smaller = Instantiate(*store, *module);
  store->SetMemoryLimit(std::nullopt);  // back to the store's own cap
  auto by_default = Instantiate(*store, *module);

  EXPECT_EQ((*CallI32(*Get<Func>(*larger, "grow"), {7}))[0], 1u);  // 8 pages
  EXPECT_EQ((*CallI32(*Get<Func>(*larger, "grow"), {1}))[0], 0xffffffffu);
  EXPECT_EQ((*CallI32(*Get<Func>(*smaller, "grow"), {2}))[0], 0xffffffffu);  // 3 > 2
  EXPECT_EQ((*CallI32(*Get<Func>(*smaller, "grow"), {1}))[0], 1u);
  EXPECT_EQ((*CallI32(*Get<Func>(*by_default, "grow"), {4}))[0], 0xffffffffu);  // 5 > 4
  EXPECT_EQ((*CallI32(*Get<Func>(*by_default, "grow"), {3}))[0], 1u);

  // Each limit's lowered module is cached apart: the larger one again still grows to 8 pages.
  store->SetMemoryLimit(8 * 65536);
  auto larger_again = Instantiate(*store, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*larger_again, "grow"), {7}))[0], 1u);
  // Memories the host makes follow the limit set.
  auto host_memory = store->NewMemory({1, std::nullopt});
  ASSERT_TRUE(host_memory);
  EXPECT_EQ(*(*host_memory)->Grow(7), 1u);
  EXPECT_FALSE((*host_memory)->Grow(1));
}

TEST(V8EngineTest, ExportsOfOneInstanceWireIntoAnother) {
  auto a = Compile(R"((module
    (memory (export "memory") 1)
    (table (export "table") 2 funcref)
    (global (export "base") i32 (i32.const 100))
    (global (export "counter") (mut i32) (i32.const 0))
    (func $seven (result i32) (i32.const 7))
    (elem (i32.const 0) $seven)
    (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))))");
  auto b = Compile(R"((module
    (import "a" "memory" (memory 1))
    (import "a" "table" (table 2 funcref))
    (import "a" "base" (global $base i32))
    (import "a" "counter" (global $counter (mut i32)))
    (import "a" "inc" (func $inc (param i32) (result i32)))
    (type $get (func (result i32)))
    (elem (i32.const 1) $inc_via)
    (func $inc_via (result i32) (call $inc (i32.const 41)))
    (func (export "run") (result i32)
      (i32.store (global.get $base) (i32.const 0xabcd))
      (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
      (i32.add (call_indirect (type $get) (i32.const 0))
               (call_indirect (type $get) (i32.const 1))))))");
  auto store = NewStore();
  auto first = Instantiate(*store, *a);
  std::vector<Extern> imports;
  for (const char* name : {"memory", "table", "base", "counter", "inc"}) {
    imports.push_back(*first->GetExport(name));
  }
  auto second = Instantiate(*store, *b, imports);
  EXPECT_EQ((*CallI32(*Get<Func>(*second, "run"), {}))[0], 49u);
  uint32_t stored;
  std::memcpy(&stored, Get<Memory>(*first, "memory")->data() + 100, 4);
  EXPECT_EQ(stored, 0xabcdu);
  EXPECT_EQ(Get<Global>(*first, "counter")->Get().i32, 1u);
  // B's function, placed in A's table by B's elem segment, is reachable through A's export.
  auto entry = Get<Table>(*first, "table")->Get(1);
  ASSERT_TRUE(entry && *entry);
  EXPECT_EQ((*entry)->type(), (FuncType{{}, {ValType::kI32}}));
  EXPECT_EQ((*CallI32(**entry, {}))[0], 42u);
}

TEST(V8EngineTest, LinkErrorsNameTheImport) {
  auto module = Compile(R"((module (import "env" "f" (func (param i32)))))");
  auto store = NewStore();
  auto wrong_type = store->NewHostFunc({{ValType::kI64}, {}}, [](auto, auto) { return Ok(); });
  auto result = store->Instantiate(*module, std::vector<Extern>{wrong_type});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message().find("import 0 (env.f)"), std::string::npos)
      << result.error().message();
  EXPECT_FALSE(store->Instantiate(*module, {}));
  auto memory = store->NewMemory({1, std::nullopt});
  EXPECT_FALSE(store->Instantiate(*module, std::vector<Extern>{*memory}));
  auto other = NewStore();
  auto foreign = other->NewHostFunc({{ValType::kI32}, {}}, [](auto, auto) { return Ok(); });
  result = store->Instantiate(*module, std::vector<Extern>{foreign});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("another store"), std::string::npos);
  foreign.reset();  // before its store
}

TEST(V8EngineTest, TablesHoldHostAndGuestFunctions) {
  auto module = Compile(R"((module
    (import "env" "table" (table 4 funcref))
    (import "env" "host" (func $host (param i32) (result i32)))
    (type $t (func (param i32) (result i32)))
    (elem (i32.const 3) $host)
    (func (export "triple") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
    (func (export "call_at") (param i32 i32) (result i32)
      (call_indirect (type $t) (local.get 1) (local.get 0)))))");
  auto store = NewStore();
  auto table = *store->NewTable({4, std::nullopt});
  auto host = store->NewHostFunc({{ValType::kI32}, {ValType::kI32}},
                                 [](std::span<const Val> args, std::span<Val> results) {
                                   results[0] = Val::I32(args[0].i32 + 1000);
                                   return Ok();
                                 });
  auto instance = Instantiate(*store, *module, {table, host});
  auto call_at = Get<Func>(*instance, "call_at");

  // Filled by the elem segment (the component model's fixup module does this).
  EXPECT_EQ((*CallI32(*call_at, {3, 5}))[0], 1005u);
  // Set by the host: a host function and a guest export.
  auto other_host = store->NewHostFunc({{ValType::kI32}, {ValType::kI32}},
                                       [](std::span<const Val> args, std::span<Val> results) {
                                         results[0] = Val::I32(args[0].i32 * 100);
                                         return Ok();
                                       });
  ASSERT_TRUE(table->Set(0, other_host));
  ASSERT_TRUE(table->Set(1, Get<Func>(*instance, "triple")));
  EXPECT_EQ((*CallI32(*call_at, {0, 5}))[0], 500u);
  EXPECT_EQ((*CallI32(*call_at, {1, 5}))[0], 15u);
  auto null_call = CallI32(*call_at, {2, 5});
  ASSERT_FALSE(null_call);
  EXPECT_TRUE(wasm::IsTrap(null_call.error()));

  // Reading entries back gives callable functions with their types.
  for (uint32_t index : {0u, 1u, 3u}) {
    auto entry = table->Get(index);
    ASSERT_TRUE(entry && *entry) << index;
    EXPECT_EQ((*entry)->type(), (FuncType{{ValType::kI32}, {ValType::kI32}}));
  }
  EXPECT_EQ((*CallI32(**table->Get(0), {2}))[0], 200u);
  EXPECT_EQ((*CallI32(**table->Get(3), {2}))[0], 1002u);
  EXPECT_EQ(*table->Get(2), nullptr);
  EXPECT_FALSE(table->Get(4));
  EXPECT_FALSE(table->Set(9, host));
  ASSERT_TRUE(table->Set(0, nullptr));
  EXPECT_EQ(*table->Get(0), nullptr);
  EXPECT_EQ(*table->Grow(2, host), 4u);
  EXPECT_EQ(table->size(), 6u);
  EXPECT_EQ((*CallI32(*call_at, {5, 1}))[0], 1001u);
}

TEST(V8EngineTest, CompileErrorsAreErrors) {
  auto& engine = EngineEnvironment::engine();
  const std::string garbage = "this is not wasm";
  auto result = engine.Compile({reinterpret_cast<const uint8_t*>(garbage.data()), garbage.size()});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(result.error().message().empty());
  EXPECT_FALSE(engine.Compile({}));

  // A function body that does not validate fails also when compiled lazily.
  auto bytes = Wat(R"((module (func (export "f") (result i32) (i32.const 1))))");
  auto good = engine.Compile(bytes);
  ASSERT_TRUE(good);
  for (size_t i = 0; i + 2 < bytes.size(); ++i) {
    if (bytes[i] == 0x41 && bytes[i + 1] == 0x01 && bytes[i + 2] == 0x0b) bytes[i] = 0x42;
  }
  for (bool lazy : {true, false}) {
    auto bad = engine.Compile(bytes, {.lazy = lazy});
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().message().find("type error"), std::string::npos) << bad.error().message();
  }
}

TEST(V8EngineTest, EagerCompilationRuns) {
  auto module = Compile(kLoop, {.lazy = false});
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  EXPECT_EQ((*CallI32(*Get<Func>(*instance, "add"), {40, 2}))[0], 42u);
}

TEST(V8EngineTest, OneModuleRunsOnTwoThreads) {
  auto module = Compile(R"((module
    (import "env" "id" (func $id (result i32)))
    (memory (export "memory") 1)
    (func (export "work") (param i32) (result i32)
      (i32.store (i32.const 0) (local.get 0))
      (i32.add (i32.load (i32.const 0)) (call $id)))))");
  auto run = [&](uint32_t id, uint32_t* failures) {
    // Compiling from several threads at once is fine too.
    auto own = Compile("(module (func (export \"f\") (result i32) (i32.const " +
                       std::to_string(id) + ")))");
    auto store = NewStore();
    auto own_instance = Instantiate(*store, *own);
    if ((*CallI32(*Get<Func>(*own_instance, "f"), {}))[0] != id) ++*failures;
    auto host = store->NewHostFunc({{}, {ValType::kI32}}, [id](auto, std::span<Val> results) {
      results[0] = Val::I32(id);
      return Ok();
    });
    auto instance = Instantiate(*store, *module, {host});
    auto work = Get<Func>(*instance, "work");
    for (uint32_t i = 0; i < 20000; ++i) {
      auto result = CallI32(*work, {i});
      if (!result || (*result)[0] != i + id) ++*failures;
    }
  };
  uint32_t failures[2] = {0, 0};
  std::thread t1(run, 1000000, &failures[0]);
  std::thread t2(run, 2000000, &failures[1]);
  t1.join();
  t2.join();
  EXPECT_EQ(failures[0], 0u);
  EXPECT_EQ(failures[1], 0u);
}

TEST(V8EngineTest, AStoreMovesBetweenThreads) {
  // Traps and stack overflows rely on per-thread state (the trap handler's flag, the stack
  // limit) that must follow the store to each thread.
  auto module = Compile(R"((module
    (memory 1)
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "oob") (result i32) (i32.load (i32.const 70000)))
    (func $deep (export "deep") (param i32) (result i32)
      (i32.add (i32.const 1) (call $deep (local.get 0))))
    (func (export "spin") (loop $l (br $l)))))");
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto add = Get<Func>(*instance, "add");
  auto check = [&](uint32_t round) {
    store->SetDeadline(std::chrono::steady_clock::now() + 20ms);
    Status stopped = Get<Func>(*instance, "spin")->Call({}, {});
    store->SetDeadline(std::nullopt);
    ASSERT_FALSE(stopped);
    EXPECT_EQ(stopped.error().code(), ErrorCode::kDeadlineExceeded);
    EXPECT_EQ((*CallI32(*add, {round, 1}))[0], round + 1);
    auto oob = CallI32(*Get<Func>(*instance, "oob"), {});
    ASSERT_FALSE(oob);
    EXPECT_EQ(oob.error().message().find("memory access out of bounds"), 0u);
    auto deep = CallI32(*Get<Func>(*instance, "deep"), {0});
    ASSERT_FALSE(deep);
    EXPECT_EQ(deep.error().message().find("Maximum call stack size exceeded"), 0u);
  };
  check(0);
  for (uint32_t round = 1; round < 4; ++round) {
    std::thread([&] { check(round); }).join();
    check(round + 10);  // back on the thread that made it
  }
  // Instances made on another thread work here too.
  std::unique_ptr<Instance> other;
  std::thread([&] { other = Instantiate(*store, *module); }).join();
  EXPECT_EQ((*CallI32(*Get<Func>(*other, "add"), {5, 6}))[0], 11u);
}

TEST(V8EngineTest, CollectedHostFunctionsAreFreed) {
  auto module = Compile(R"((module (import "env" "f" (func)) (func (export "g"))))");
  auto store = NewStore();
  auto freed = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 30000; ++i) {
    // Each callback owns a token that counts its destruction.
    std::shared_ptr<int> token(new int(i), [freed](int* p) {
      ++*freed;
      delete p;
    });
    auto f = store->NewHostFunc({}, [token](auto, auto) { return Ok(); });
    auto instance = Instantiate(*store, *module, {f});
    ASSERT_TRUE(Get<Func>(*instance, "g")->Call({}, {}));
  }
  EXPECT_GT(freed->load(), 0);
}

}  // namespace
}  // namespace wcloud::wasm
