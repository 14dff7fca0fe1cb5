#include "wasm/instance_reset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "wasm/engine_for_test.h"
#include "wasm/module_info.h"
#include "wasm/v8_engine.h"
#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

using testing::Wat;

using testing::EngineEnvironment;

// V8 starts once per process: one engine for every test here.
::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new EngineEnvironment);

ResettableModule Prepare(const std::vector<uint8_t>& bytes) {
  auto prepared = PrepareResettable(bytes);
  EXPECT_TRUE(prepared) << prepared.error().message();
  return prepared ? *std::move(prepared) : ResettableModule{};
}

std::shared_ptr<const Module> Compile(const std::vector<uint8_t>& bytes) {
  auto module = EngineEnvironment::engine().Compile(bytes);
  EXPECT_TRUE(module) << module.error().message();
  return module ? *module : nullptr;
}

std::unique_ptr<Store> NewStore() {
  auto store = EngineEnvironment::engine().NewStore();
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

uint32_t CallI32(const Instance& instance, std::string_view name) {
  auto func = Get<Func>(instance, name);
  EXPECT_NE(func, nullptr) << name;
  if (func == nullptr) return 0;
  Val result[1];
  auto status = func->Call({}, result);
  EXPECT_TRUE(status) << status.error().message();
  return result[0].i32;
}

std::vector<std::string> ExportNames(const std::vector<uint8_t>& bytes) {
  auto info = ParseModuleInfo(bytes);
  EXPECT_TRUE(info) << info.error().message();
  std::vector<std::string> names;
  if (info) {
    for (const ExportType& e : info->exports) names.push_back(e.name);
  }
  return names;
}

std::vector<uint8_t> MemoryBytes(const Instance& instance, std::string_view name) {
  auto memory = Get<Memory>(instance, name);
  EXPECT_NE(memory, nullptr) << name;
  if (memory == nullptr) return {};
  return std::vector<uint8_t>(memory->data(), memory->data() + memory->size());
}

// A data segment, a mutable counter and writes to the heap: in a data chunk, in a chunk that is
// zero at instantiation, and a zero written over data.
const char* const kCounter = R"((module
  (memory (export "memory") 3)
  (data (i32.const 16) "hello")
  (data (i32.const 140000) "\01\02\03")
  (global $counter (mut i32) (i32.const 0))
  (global $wide (mut i64) (i64.const 42))
  (global $fixed i32 (i32.const 7))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.set $wide (i64.add (global.get $wide) (i64.const 1)))
    (i32.store (i32.const 70000) (i32.add (i32.load (i32.const 70000)) (i32.const 1)))
    (i32.store8 (i32.const 16) (i32.add (i32.load8_u (i32.const 16)) (i32.const 1)))
    (i32.store8 (i32.const 140001) (i32.const 0))
    (i32.add (global.get $counter)
      (i32.add (i32.load (i32.const 70000)) (i32.load8_u (i32.const 16)))))
  (func (export "wide") (result i32) (i32.wrap_i64 (global.get $wide)))))";

TEST(InstanceResetTest, RestoreMakesTheInstanceFreshAgain) {
  ResettableModule prepared = Prepare(Wat(kCounter));
  ASSERT_TRUE(prepared.resettable) << prepared.reason;
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();

  auto fresh = Instantiate(*store, *module);
  const std::vector<uint8_t> fresh_memory = MemoryBytes(*fresh, "memory");
  const uint32_t fresh_result = CallI32(*fresh, "bump");
  EXPECT_EQ(fresh_result, 1u + 1u + ('h' + 1u));

  auto instance = Instantiate(*store, *module);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_EQ(snapshot->memory_bytes(), 3u * 65536);
  EXPECT_EQ(CallI32(*instance, "bump"), fresh_result);
  EXPECT_EQ(CallI32(*instance, "bump"), 2u + 2u + ('h' + 2u));  // the state carries over
  EXPECT_EQ(CallI32(*instance, "wide"), 44u);
  for (int round = 0; round < 3; ++round) {
    auto status = snapshot->Restore();
    ASSERT_TRUE(status) << status.error().message();
    EXPECT_EQ(MemoryBytes(*instance, "memory"), fresh_memory);
    EXPECT_EQ(Get<Global>(*instance, "wcloud-state:global:0")->Get().i32, 0u);
    EXPECT_EQ(Get<Global>(*instance, "wcloud-state:global:1")->Get().i64, 42u);
    EXPECT_EQ(CallI32(*instance, "bump"), fresh_result);
    EXPECT_EQ(CallI32(*instance, "wide"), 43u);
  }
}

TEST(InstanceResetTest, ExportsDefinedStateAfterTheModulesOwnExports) {
  const std::vector<uint8_t> original = Wat(kCounter);
  ResettableModule prepared = Prepare(original);
  ASSERT_TRUE(prepared.resettable);
  std::vector<std::string> expected = ExportNames(original);
  for (const char* name : {"wcloud-state:prepared", "wcloud-state:memory:0",
                           "wcloud-state:global:0", "wcloud-state:global:1"}) {
    expected.push_back(name);  // the immutable global 2 is not among them
  }
  EXPECT_EQ(ExportNames(prepared.bytes), expected);
}

TEST(InstanceResetTest, ImportedMemoryAndGlobalsAreNotExportedAgain) {
  const std::vector<uint8_t> original = Wat(R"((module
    (import "env" "memory" (memory 1))
    (import "env" "g" (global $g (mut i32)))
    (global $own (mut i32) (i32.const 3))
    (func (export "set") (global.set $g (i32.const 1)) (global.set $own (i32.const 2)))))");
  ResettableModule prepared = Prepare(original);
  ASSERT_TRUE(prepared.resettable) << prepared.reason;
  EXPECT_EQ(ExportNames(prepared.bytes),
            (std::vector<std::string>{"set", "wcloud-state:prepared", "wcloud-state:global:1"}));

  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto memory = store->NewMemory({1, std::nullopt});
  ASSERT_TRUE(memory);
  // The imported global belongs to whoever defines it; only the module's own comes back.
  auto definer = Compile(Wat(R"((module (global (export "g") (mut i32) (i32.const 9))))"));
  auto host_global = Instantiate(*store, *definer);
  auto g = Get<Global>(*host_global, "g");
  auto instance = Instantiate(*store, *module, {*memory, g});
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_EQ(snapshot->memory_bytes(), 0u);
  auto set = Get<Func>(*instance, "set");
  ASSERT_TRUE(set->Call({}, {}));
  ASSERT_TRUE(snapshot->Restore());
  EXPECT_EQ(Get<Global>(*instance, "wcloud-state:global:1")->Get().i32, 3u);
  EXPECT_EQ(g->Get().i32, 1u);
}

// Appends a custom section (id 0) named `name` after the section that starts at `at`.
std::vector<uint8_t> WithCustomSectionAt(std::vector<uint8_t> bytes, size_t at) {
  const std::vector<uint8_t> custom = {0x00, 0x05, 0x04, 'n', 'o', 't', 'e'};
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), custom.begin(), custom.end());
  return bytes;
}

TEST(InstanceResetTest, AddsExportAndGlobalSectionsWhereTheOrderWantsThem) {
  // No global and no export section; a start function and data follow where they would go.
  std::vector<uint8_t> original = Wat(R"((module
    (memory 1)
    (func $start (i32.store (i32.const 0) (i32.const 5)))
    (start $start)
    (data (i32.const 8) "x")))");
  // Custom sections before the memory section and at the end stay where they were.
  original = WithCustomSectionAt(original, 8);
  original = WithCustomSectionAt(original, original.size());
  ResettableModule prepared = Prepare(original);
  ASSERT_TRUE(prepared.resettable) << prepared.reason;
  EXPECT_EQ(ExportNames(prepared.bytes),
            (std::vector<std::string>{"wcloud-state:prepared", "wcloud-state:memory:0"}));
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  auto memory = Get<Memory>(*instance, "wcloud-state:memory:0");
  EXPECT_EQ(memory->data()[0], 5);
  EXPECT_EQ(memory->data()[8], 'x');
  memory->data()[0] = 0;
  memory->data()[9] = 1;
  memory->data()[65535] = 1;
  ASSERT_TRUE(snapshot->Restore());
  EXPECT_EQ(memory->data()[0], 5);
  EXPECT_EQ(memory->data()[9], 0);
  EXPECT_EQ(memory->data()[65535], 0);
}

TEST(InstanceResetTest, ModuleWithoutStateIsPreparedToo) {
  ResettableModule prepared = Prepare(Wat(R"((module (func (export "f"))))"));
  ASSERT_TRUE(prepared.resettable);
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_EQ(snapshot->memory_bytes(), 0u);
  EXPECT_TRUE(snapshot->Restore());
}

TEST(InstanceResetTest, CaptureRefusesAnInstanceOfAnUnpreparedModule) {
  auto module = Compile(Wat(kCounter));
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_FALSE(snapshot);
  EXPECT_NE(snapshot.error().message().find("not prepared"), std::string::npos);
}

TEST(InstanceResetTest, PreparingTwiceIsRefused) {
  ResettableModule once = Prepare(Wat(kCounter));
  ASSERT_TRUE(once.resettable);
  ResettableModule twice = Prepare(once.bytes);
  EXPECT_FALSE(twice.resettable);
  EXPECT_NE(twice.reason.find("reserved prefix"), std::string::npos) << twice.reason;
  EXPECT_EQ(twice.bytes, once.bytes);
}

TEST(InstanceResetTest, RestoreAfterGrowthIsAnError) {
  ResettableModule prepared = Prepare(Wat(R"((module
    (memory 1)
    (func (export "grow") (result i32) (memory.grow (i32.const 1)))))"));
  ASSERT_TRUE(prepared.resettable);
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_TRUE(snapshot->Restore());
  EXPECT_EQ(CallI32(*instance, "grow"), 1u);
  auto status = snapshot->Restore();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message().find("grew from 65536 to 131072 bytes"), std::string::npos)
      << status.error().message();
}

struct Refusal {
  const char* name;
  const char* body;  // module fields
  const char* reason;
  uint8_t opcode;  // at the reported offset; 0: the reason names no offset
};

class RefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusalTest, IsNotResettable) {
  const Refusal& r = GetParam();
  const std::vector<uint8_t> original =
      Wat(std::string("(module (memory 1) (table $t 2 funcref) (func $f)\n") + r.body + ")");
  ResettableModule prepared = Prepare(original);
  EXPECT_FALSE(prepared.resettable);
  EXPECT_EQ(prepared.bytes, original);
  EXPECT_NE(prepared.reason.find(r.reason), std::string::npos) << prepared.reason;
  if (r.opcode != 0) {
    // "function 1 at offset 0x..": the offset is that of the instruction.
    const size_t at = prepared.reason.find("offset 0x");
    ASSERT_NE(at, std::string::npos) << prepared.reason;
    const size_t offset = std::stoul(prepared.reason.substr(at + 7), nullptr, 16);
    ASSERT_LT(offset, original.size());
    EXPECT_EQ(original[offset], r.opcode) << prepared.reason;
    EXPECT_EQ(prepared.reason.rfind("function 1 at offset", 0), 0u) << prepared.reason;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, RefusalTest,
    ::testing::Values(
        Refusal{"PassiveData", R"((data "abc"))", "data segment 0 is passive", 0},
        Refusal{"PassiveElement", R"((elem func $f))", "element segment 0 is passive", 0},
        Refusal{"PassiveElementOfExpressions", R"((elem funcref (ref.func $f)))",
                "element segment 0 is passive", 0},
        Refusal{"TableSet", R"((func (table.set $t (i32.const 0) (ref.null func))))", "table.set",
                0x26},
        Refusal{"TableGrow", R"((func (drop (table.grow $t (ref.null func) (i32.const 1)))))",
                "table.grow", 0xfc},
        Refusal{"TableFill",
                R"((func (table.fill $t (i32.const 0) (ref.null func) (i32.const 1))))",
                "table.fill", 0xfc},
        Refusal{"TableCopy", R"((func (table.copy (i32.const 0) (i32.const 1) (i32.const 1))))",
                "table.copy", 0xfc},
        Refusal{"TableInit",
                R"((elem (i32.const 0) $f) (func (table.init 0 (i32.const 0) (i32.const 0)
                   (i32.const 0))))",
                "table.init", 0xfc},
        Refusal{"WrittenFuncrefGlobal",
                R"((global $r (mut funcref) (ref.null func))
                   (func (global.set $r (ref.func $f))) (elem declare func $f))",
                "global.set of global 0, a mutable funcref", 0x24},
        Refusal{"ExportedFuncrefGlobal",
                R"((global $r (export "r") (mut funcref) (ref.null func)))",
                "global 0 is a mutable funcref exported as 'r'", 0}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

TEST(InstanceResetTest, HarmlessTableAndSegmentUsesAreResettable) {
  // Reads of tables, active and declarative segments, drops of active ones, and a funcref
  // global nothing writes (it is not exported, having nothing to restore).
  ResettableModule prepared = Prepare(Wat(R"((module
    (memory 1)
    (table $t 2 funcref)
    (func $f)
    (global $r (mut funcref) (ref.func $f))
    (elem (i32.const 0) $f)
    (elem declare func $f)
    (data (i32.const 0) "abc")
    (func (export "use") (result i32)
      (data.drop 0)
      (elem.drop 0)
      (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 0))
      (drop (table.get $t (i32.const 0)))
      (drop (ref.is_null (global.get $r)))
      (call_indirect (i32.const 0))
      (table.size $t))))"));
  ASSERT_TRUE(prepared.resettable) << prepared.reason;
  EXPECT_EQ(ExportNames(prepared.bytes),
            (std::vector<std::string>{"use", "wcloud-state:prepared", "wcloud-state:memory:0"}));
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto instance = Instantiate(*store, *module);
  EXPECT_EQ(CallI32(*instance, "use"), 2u);
}

// SIMD, threads, exceptions, bulk memory, reference types, multi-value, saturating and
// sign-extending conversions: every one of them V8 10.2 runs by default.
const char* const kFeatures = R"((module
  (type $pair (func (param i32) (result i32 i32)))
  (tag $oops (param i32))
  (memory 1 1 shared)
  (func $two (type $pair) (local.get 0) (local.get 0))
  (func (export "simd") (result i32)
    (v128.store offset=16 align=4 (i32.const 0)
      (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31
        (v128.const i32x4 1 2 3 4) (v128.load8_splat (i32.const 0))))
    (drop (v128.load32_zero (i32.const 0)))
    (drop (v128.load16_lane 3 (i32.const 0) (v128.const i64x2 0 0)))
    (v128.store32_lane 1 (i32.const 32) (v128.const i32x4 9 8 7 6))
    (i32.add (i32x4.extract_lane 2 (i32x4.splat (i32.const 5)))
      (i8x16.bitmask (i8x16.popcnt (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)))))
  (func (export "atomics") (result i32)
    (atomic.fence)
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    (drop (i64.atomic.rmw32.cmpxchg_u offset=8 (i32.const 0) (i64.const 0) (i64.const 1)))
    (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
  (func (export "exceptions") (result i32)
    (try (result i32)
      (do (try (result i32) (do (throw $oops (i32.const 7))) (delegate 0)))
      (catch $oops)
      (catch_all (i32.const -1))))
  (func (export "rethrows") (result i32)
    (try (result i32)
      (do (try (result i32) (do (throw $oops (i32.const 3))) (catch_all (rethrow 0))))
      (catch $oops)))
  (func (export "misc") (result i32)
    (memory.fill (i32.const 100) (i32.const 1) (i32.const 10))
    (memory.copy (i32.const 200) (i32.const 100) (i32.const 10))
    (drop (select (result funcref) (ref.null func) (ref.func $two) (i32.const 1)))
    (drop (i64.extend32_s (i64.const 1)))
    (i32.const 5)
    (block (param i32) (result i32 i32) (call $two))
    (i32.add)
    (i32.add (i32.trunc_sat_f32_s (f32.const 1e10)) (i32.extend8_s (i32.const 0x80)))
    (i32.add)
    (br_table 0 0 (i32.const 1)))
  (elem declare func $two))
)";

TEST(InstanceResetTest, ModernFeaturesAreResettableAndStillRun) {
  const std::vector<uint8_t> original = Wat(kFeatures);
  ResettableModule prepared = Prepare(original);
  ASSERT_TRUE(prepared.resettable) << prepared.reason;
  auto module = Compile(prepared.bytes);
  ASSERT_NE(module, nullptr);
  auto store = NewStore();
  auto fresh = Instantiate(*store, *module);
  auto instance = Instantiate(*store, *module);
  ASSERT_NE(instance, nullptr);
  auto snapshot = InstanceSnapshot::Capture(*instance);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  for (const char* name : {"simd", "atomics", "exceptions", "rethrows", "misc"}) {
    EXPECT_TRUE(snapshot->Restore());
    EXPECT_EQ(CallI32(*instance, name), CallI32(*fresh, name)) << name;
  }
}

TEST(InstanceResetTest, TailCallsAreKnown) {
  // V8 10.2 runs tail calls only behind a flag: checked by the scan alone.
  ResettableModule prepared = Prepare(Wat(R"((module
    (type $v (func (result i32)))
    (table 1 funcref)
    (func $one (result i32) (i32.const 1))
    (elem (i32.const 0) $one)
    (func (result i32) (return_call $one))
    (func (result i32) (return_call_indirect (type $v) (i32.const 0)))))"));
  EXPECT_TRUE(prepared.resettable) << prepared.reason;
}

// A module of one function of type [] -> [] whose body (after its locals) is `code`.
std::vector<uint8_t> ModuleWithBody(const std::vector<uint8_t>& code) {
  std::vector<uint8_t> m = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00,
                            0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00,  // type section
                            0x03, 0x02, 0x01, 0x00,                    // function section
                            0x0a};                                     // code section
  std::vector<uint8_t> body = {0x00};                                  // no locals
  body.insert(body.end(), code.begin(), code.end());
  std::vector<uint8_t> section = {0x01, static_cast<uint8_t>(body.size())};
  section.insert(section.end(), body.begin(), body.end());
  m.push_back(static_cast<uint8_t>(section.size()));
  m.insert(m.end(), section.begin(), section.end());
  return m;
}

TEST(InstanceResetTest, NewerControlInstructionsAreKnown) {
  const std::vector<std::vector<uint8_t>> bodies = {
      // try_table (catch_all 0) with throw_ref inside a block (exnref handling).
      {0x1f, 0x40, 0x01, 0x02, 0x00, 0x0b, 0x0b},
      {0x1f, 0x40, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x0b, 0x0a, 0x0b},
      // ref.null func; br_on_null 0; drop; ref.func 0; ref.as_non_null; call_ref 0.
      {0xd0, 0x70, 0xd5, 0x00, 0x1a, 0xd2, 0x00, 0xd4, 0x14, 0x00, 0x0b},
      // A block of result (ref null func).
      {0x02, 0x63, 0x70, 0xd0, 0x70, 0x0b, 0x1a, 0x0b},
      // i32.load with a multi-memory memarg (bit 6 of the alignment: memory index follows).
      {0x41, 0x00, 0x28, 0x42, 0x01, 0x04, 0x1a, 0x0b},
      // relaxed SIMD: i8x16.relaxed_swizzle (0xfd 0x100)
      {0xfd, 0x80, 0x02, 0x0b},
  };
  for (const auto& body : bodies) {
    auto prepared = PrepareResettable(ModuleWithBody(body));
    ASSERT_TRUE(prepared) << prepared.error().message();
    EXPECT_TRUE(prepared->resettable) << prepared->reason;
  }
}

TEST(InstanceResetTest, UnknownOpcodesAreNamedNotErrors) {
  const std::vector<std::pair<std::vector<uint8_t>, std::string>> cases = {
      {{0x01, 0x27, 0x0b}, "function 0 at offset 0x18: unknown opcode 0x27"},
      {{0xfb, 0x00, 0x0b}, "unknown opcode 0xfb"},
      {{0xfc, 0x12, 0x0b}, "unknown opcode 0xfc 18"},
      {{0xfd, 0x9a, 0x01, 0x0b}, "unknown opcode 0xfd 154"},
      {{0xfd, 0x94, 0x02, 0x0b}, "unknown opcode 0xfd 276"},
      {{0xfe, 0x04, 0x0b}, "unknown opcode 0xfe 4"},
      {{0xfe, 0x4f, 0x0b}, "unknown opcode 0xfe 79"},
  };
  for (const auto& [body, reason] : cases) {
    auto prepared = PrepareResettable(ModuleWithBody(body));
    ASSERT_TRUE(prepared) << prepared.error().message();
    EXPECT_FALSE(prepared->resettable);
    EXPECT_NE(prepared->reason.find(reason), std::string::npos) << prepared->reason;
  }
}

TEST(InstanceResetTest, MalformedBodiesAreErrorsWithAnOffset) {
  const std::vector<std::vector<uint8_t>> bodies = {
      {0x41},                    // i32.const without its value
      {0x41, 0x80},              // unterminated LEB128
      {0x44, 0x00, 0x00},        // f64.const cut short
      {0x0e, 0x7f, 0x00},        // br_table counting more labels than bytes
      {0xfd, 0x0c, 0x00, 0x01},  // v128.const cut short
      {0x28, 0xc0},              // memarg with a memory index, cut short
      {0x1f, 0x40, 0x01, 0x07},  // try_table with an unknown catch kind
  };
  for (const auto& body : bodies) {
    auto prepared = PrepareResettable(ModuleWithBody(body));
    ASSERT_FALSE(prepared) << "resettable: " << prepared->resettable;
    EXPECT_NE(prepared.error().message().find("malformed module at byte offset "),
              std::string::npos)
        << prepared.error().message();
    EXPECT_NE(prepared.error().message().find("function 0"), std::string::npos)
        << prepared.error().message();
  }
}

TEST(InstanceResetTest, EveryPrefixAndEveryByteChangeIsHandled) {
  const std::vector<uint8_t> original = Wat(kFeatures);
  for (size_t n = 0; n < original.size(); ++n) {
    auto prepared = PrepareResettable(std::span(original.data(), n));
    if (prepared && prepared->resettable) {
      // A prefix ending at a section boundary is a module; what we write must parse.
      EXPECT_TRUE(ParseModuleInfo(prepared->bytes)) << "prefix of " << n << " bytes";
    }
  }
  std::mt19937 random(7);
  std::vector<uint8_t> mutated;
  for (size_t i = 0; i < original.size(); ++i) {
    for (int k = 0; k < 16; ++k) {
      mutated = original;
      mutated[i] = static_cast<uint8_t>(random());
      auto prepared = PrepareResettable(mutated);
      if (prepared) {
        EXPECT_FALSE(prepared->bytes.empty());
      }
    }
  }
}

TEST(InstanceResetTest, NotAModule) {
  EXPECT_FALSE(PrepareResettable(std::vector<uint8_t>{}));
  EXPECT_FALSE(PrepareResettable(
      std::vector<uint8_t>{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00}));  // a component
  auto prepared = PrepareResettable(
      std::vector<uint8_t>{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0e, 0x00});
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().message().find("unknown section id 14"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::wasm
