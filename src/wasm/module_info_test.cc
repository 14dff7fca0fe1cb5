#include "wasm/module_info.h"

#include <gtest/gtest.h>

#include <random>

#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

using testing::Wat;

const char* const kEverything = R"((module
  (type $binop (func (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i64 f32 f64)))
  (import "env" "table" (table 2 10 funcref))
  (import "env" "g" (global $g (mut i64)))
  (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
  (table $own 1 externref)
  (memory $mem 2 5)
  (global $h f64 (f64.const 1.5))
  (global $k (mut i32) (i32.const -1000000))
  (global $r funcref (ref.func $add))
  (export "add" (func $add))
  (export "log" (func $log))
  (export "own" (table $own))
  (export "mem" (memory $mem))
  (export "h" (global $h))
  (export "k" (global $k))
  (export "imported_g" (global $g))
  (data (i32.const 0) "hi")))";

TEST(ModuleInfoTest, ReadsImportsAndExportsInOrder) {
  auto info = ParseModuleInfo(Wat(kEverything));
  ASSERT_TRUE(info) << info.error().message();
  ASSERT_EQ(info->imports.size(), 3u);
  EXPECT_EQ(info->imports[0].module, "env");
  EXPECT_EQ(info->imports[0].name, "log");
  EXPECT_EQ(info->imports[0].type.kind, ExternKind::kFunc);
  EXPECT_EQ(info->imports[0].type.func,
            (FuncType{{ValType::kI64, ValType::kF32, ValType::kF64}, {}}));
  EXPECT_EQ(info->imports[1].type.kind, ExternKind::kTable);
  EXPECT_EQ(info->imports[1].type.limits, (Limits{2, 10}));
  EXPECT_EQ(info->imports[1].type.element, ValType::kFuncRef);
  EXPECT_EQ(info->imports[2].type.kind, ExternKind::kGlobal);
  EXPECT_EQ(info->imports[2].type.global, ValType::kI64);
  EXPECT_TRUE(info->imports[2].type.global_mutable);

  ASSERT_EQ(info->exports.size(), 7u);
  EXPECT_EQ(info->exports[0].name, "add");
  EXPECT_EQ(info->exports[0].type.func,
            (FuncType{{ValType::kI32, ValType::kI32}, {ValType::kI32}}));
  EXPECT_EQ(info->exports[1].type.func, info->imports[0].type.func);
  EXPECT_EQ(info->exports[2].type.element, ValType::kExternRef);
  EXPECT_EQ(info->exports[3].type.kind, ExternKind::kMemory);
  EXPECT_EQ(info->exports[3].type.limits, (Limits{2, 5}));
  EXPECT_EQ(info->exports[4].type.global, ValType::kF64);
  EXPECT_FALSE(info->exports[4].type.global_mutable);
  EXPECT_TRUE(info->exports[5].type.global_mutable);
  EXPECT_EQ(info->exports[6].type.global, ValType::kI64);

  ASSERT_EQ(info->memories.size(), 1u);
  EXPECT_EQ(info->memories[0].limits, (Limits{2, 5}));

  auto imported = ParseModuleInfo(Wat(R"((module (import "env" "memory" (memory 1))
    (export "m" (memory 0))))"));
  ASSERT_TRUE(imported) << imported.error().message();
  EXPECT_EQ(imported->imports[0].type.kind, ExternKind::kMemory);
  EXPECT_EQ(imported->imports[0].type.limits, (Limits{1, std::nullopt}));
  EXPECT_EQ(imported->exports[0].type.limits, (Limits{1, std::nullopt}));
  EXPECT_TRUE(imported->memories.empty());
}

TEST(ModuleInfoTest, RejectsWhatIsNotACoreModule) {
  EXPECT_FALSE(ParseModuleInfo({}));
  const uint8_t component[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  auto result = ParseModuleInfo(component);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("component"), std::string::npos);
  const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
  EXPECT_FALSE(ParseModuleInfo(bad_magic));
  const uint8_t empty_module[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  EXPECT_TRUE(ParseModuleInfo(empty_module));
}

TEST(ModuleInfoTest, NamesTheOffsetOfMalformedBytes) {
  // A type section claiming 2^32-1 types in 5 bytes.
  const uint8_t huge_count[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f};
  auto result = ParseModuleInfo(huge_count);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message().find("byte offset 15 (type section)"), std::string::npos)
      << result.error().message();
  // A LEB128 with too many bytes.
  const uint8_t long_leb[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                              0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  result = ParseModuleInfo(long_leb);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("too long"), std::string::npos);
  // A section running past the end.
  const uint8_t past_end[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x07, 0x10, 0x00};
  EXPECT_FALSE(ParseModuleInfo(past_end));
}

TEST(ModuleInfoTest, NeverCrashesOnTruncatedOrCorruptedBytes) {
  const std::vector<uint8_t> bytes = Wat(kEverything);
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto result = ParseModuleInfo({bytes.data(), n});
    // A prefix is valid only if it ends at a section boundary.
    if (result) {
      EXPECT_LE(result->exports.size(), 7u);
    }
  }
  std::mt19937 random(12345);
  for (int round = 0; round < 20000; ++round) {
    std::vector<uint8_t> corrupted = bytes;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) {
      corrupted[8 + random() % (corrupted.size() - 8)] = static_cast<uint8_t>(random());
    }
    (void)ParseModuleInfo(corrupted);
  }
}

TEST(ModuleInfoTest, LimitMemoriesLowersMaximaAndRefusesLargeMinima) {
  const std::vector<uint8_t> bytes = Wat(R"((module
    (memory 1)
    (func (export "f") (result i32) (memory.size))
    (data (i32.const 0) "x")))");
  auto info = ParseModuleInfo(bytes);
  ASSERT_TRUE(info);
  auto lowered = LimitMemories(bytes, *info, 4);
  ASSERT_TRUE(lowered) << lowered.error().message();
  ASSERT_FALSE(lowered->empty());
  auto again = ParseModuleInfo(*lowered);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->memories[0].limits, (Limits{1, 4}));
  EXPECT_EQ(again->exports.size(), 1u);
  // Within the limit already: nothing to rewrite.
  auto unchanged = LimitMemories(*lowered, *again, 8);
  ASSERT_TRUE(unchanged);
  EXPECT_TRUE(unchanged->empty());
  auto too_small = LimitMemories(bytes, *info, 0);
  ASSERT_FALSE(too_small);
  EXPECT_NE(too_small.error().message().find("memory 0 needs at least 1 pages"), std::string::npos)
      << too_small.error().message();
}

}  // namespace
}  // namespace wcloud::wasm
