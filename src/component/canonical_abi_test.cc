#include "component/canonical_abi.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "util/utf8.h"

namespace wcloud::component {
namespace {

using ::testing::HasSubstr;
using wasm::Val;
using CoreType = wasm::ValType;
constexpr CoreType I32 = CoreType::kI32;
constexpr CoreType I64 = CoreType::kI64;
constexpr CoreType F32 = CoreType::kF32;
constexpr CoreType F64 = CoreType::kF64;

// ---- Types

TypeRef Prim(TypeKind kind) {
  auto t = std::make_shared<ValType>();
  t->kind = kind;
  return t;
}
TypeRef ListOf(TypeRef element) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kList;
  t->element = std::move(element);
  return t;
}
TypeRef RecordOf(std::vector<std::pair<std::string, TypeRef>> fields) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kRecord;
  for (auto& [name, type] : fields) t->fields.push_back({name, type});
  return t;
}
TypeRef TupleOf(std::vector<TypeRef> elements) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kTuple;
  t->elements = std::move(elements);
  return t;
}
TypeRef VariantOf(std::vector<std::pair<std::string, TypeRef>> cases) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kVariant;
  for (auto& [name, type] : cases) t->cases.push_back({name, type});
  return t;
}
std::vector<std::string> Labels(size_t n) {
  std::vector<std::string> labels;
  for (size_t i = 0; i < n; ++i) labels.push_back("l" + std::to_string(i));
  return labels;
}
TypeRef EnumOf(size_t n) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kEnum;
  t->labels = Labels(n);
  return t;
}
TypeRef FlagsOf(size_t n) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kFlags;
  t->labels = Labels(n);
  return t;
}
TypeRef OptionOf(TypeRef element) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kOption;
  t->element = std::move(element);
  return t;
}
TypeRef ResultOf(TypeRef ok, TypeRef err) {
  auto t = std::make_shared<ValType>();
  t->kind = TypeKind::kResult;
  t->ok = std::move(ok);
  t->err = std::move(err);
  return t;
}
TypeRef HandleOf(TypeKind kind, std::shared_ptr<const ResourceType> resource) {
  auto t = std::make_shared<ValType>();
  t->kind = kind;
  t->resource = std::move(resource);
  return t;
}

const TypeRef kBool = Prim(TypeKind::kBool);
const TypeRef kS8 = Prim(TypeKind::kS8);
const TypeRef kU8 = Prim(TypeKind::kU8);
const TypeRef kS16 = Prim(TypeKind::kS16);
const TypeRef kU16 = Prim(TypeKind::kU16);
const TypeRef kS32 = Prim(TypeKind::kS32);
const TypeRef kU32 = Prim(TypeKind::kU32);
const TypeRef kS64 = Prim(TypeKind::kS64);
const TypeRef kU64 = Prim(TypeKind::kU64);
const TypeRef kF32 = Prim(TypeKind::kF32);
const TypeRef kF64 = Prim(TypeKind::kF64);
const TypeRef kChar = Prim(TypeKind::kChar);
const TypeRef kString = Prim(TypeKind::kString);

FuncType Func(std::vector<TypeRef> params, std::vector<TypeRef> results) {
  FuncType f;
  for (size_t i = 0; i < params.size(); ++i)
    f.params.push_back({"p" + std::to_string(i), params[i]});
  for (auto& r : results) f.results.push_back({"", r});
  return f;
}

// ---- A context over a plain buffer

struct ReallocCall {
  uint32_t old_ptr, old_size, align, new_size, result;
  bool operator==(const ReallocCall&) const = default;
};

class TestContext : public LiftLowerContext {
 public:
  explicit TestContext(size_t memory_size = 65536, StringEncoding encoding = StringEncoding::kUtf8)
      : memory_(memory_size), encoding_(encoding) {}

  StringEncoding string_encoding() const override { return encoding_; }
  std::span<uint8_t> memory() override {
    ++memory_fetches;
    return memory_;
  }

  // A bump allocator: shrinking keeps the block, growing moves it. With `grow`, memory grows
  // when full, and the old buffer is kept but scribbled over, so a stale span shows.
  Result<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                           uint32_t new_size) override {
    if (fail_realloc) return Error("realloc failed");
    uint32_t ptr = old_ptr;
    if (old_ptr == 0 || new_size > old_size) {
      ptr = static_cast<uint32_t>((next_ + align - 1) / align * align);
      if (uint64_t{ptr} + new_size > memory_.size()) {
        if (!grow) return Error("out of memory");
        std::vector<uint8_t> bigger(std::max<size_t>(2 * memory_.size(), ptr + new_size));
        std::memcpy(bigger.data(), memory_.data(), memory_.size());
        std::fill(memory_.begin(), memory_.end(), 0xEE);
        old_memories_.push_back(std::move(memory_));
        memory_ = std::move(bigger);
      }
      if (old_ptr != 0)
        std::memmove(&memory_[ptr], &memory_[old_ptr], std::min(old_size, new_size));
      next_ = uint64_t{ptr} + new_size;
    }
    calls.push_back({old_ptr, old_size, align, new_size, ptr});
    return ptr;
  }

  uint32_t Allocate(uint32_t size, uint32_t align) {
    Result<uint32_t> ptr = Realloc(0, 0, align, size);
    EXPECT_TRUE(ptr);
    return ptr ? *ptr : 0;
  }

  void Reset() {
    next_ = 16;
    calls.clear();
  }

  Result<ResourceValue> LiftOwn(const ResourceType& resource, uint32_t handle) override {
    WCLOUD_ASSIGN_OR_RETURN(Entry * e, Get(resource, handle));
    if (!e->own) return Error("handle " + std::to_string(handle) + " is a borrow");
    ResourceValue v = e->value;
    handles_[handle].reset();
    return v;
  }
  Result<ResourceValue> LiftBorrow(const ResourceType& resource, uint32_t handle) override {
    WCLOUD_ASSIGN_OR_RETURN(Entry * e, Get(resource, handle));
    return e->value;
  }
  Result<uint32_t> LowerOwn(const ResourceType& resource, const ResourceValue& value) override {
    handles_.push_back(Entry{&resource, value, true});
    return static_cast<uint32_t>(handles_.size() - 1);
  }
  Result<uint32_t> LowerBorrow(const ResourceType& resource, const ResourceValue& value) override {
    handles_.push_back(Entry{&resource, value, false});
    return static_cast<uint32_t>(handles_.size() - 1);
  }

  bool HasHandle(uint32_t handle) const {
    return handle < handles_.size() && handles_[handle].has_value();
  }

  std::vector<uint8_t>& bytes() { return memory_; }
  template <typename T>
  void Put(uint32_t ptr, T v) {
    std::memcpy(&memory_[ptr], &v, sizeof v);
  }
  template <typename T>
  T Get(uint32_t ptr) const {
    T v;
    std::memcpy(&v, &memory_[ptr], sizeof v);
    return v;
  }

  bool grow = false;
  bool fail_realloc = false;
  int memory_fetches = 0;
  std::vector<ReallocCall> calls;

 private:
  struct Entry {
    const ResourceType* type;
    ResourceValue value;
    bool own;
  };
  Result<Entry*> Get(const ResourceType& resource, uint32_t handle) {
    if (!HasHandle(handle)) return Error("no handle " + std::to_string(handle));
    Entry& e = *handles_[handle];
    if (e.type != &resource) return Error("handle " + std::to_string(handle) + " is another type");
    return &e;
  }

  std::vector<uint8_t> memory_;
  std::vector<std::vector<uint8_t>> old_memories_;
  StringEncoding encoding_;
  uint64_t next_ = 16;
  std::vector<std::optional<Entry>> handles_{std::nullopt};  // handle 0 is never valid
};

#define ASSERT_OK(expr)                                \
  do {                                                 \
    auto status_ = (expr);                             \
    ASSERT_TRUE(status_) << status_.error().message(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(decl, expr)                      \
  auto WCLOUD_CONCAT_(result_, __LINE__) = (expr);            \
  ASSERT_TRUE(WCLOUD_CONCAT_(result_, __LINE__))              \
      << WCLOUD_CONCAT_(result_, __LINE__).error().message(); \
  decl = std::move(WCLOUD_CONCAT_(result_, __LINE__)).value()

template <typename R>
std::string ErrorOf(const R& r) {
  if (r) return "<no error>";
  return r.error().message();
}

// The whole-call functions with their outputs returned, so each test reads as one expression.
Result<std::vector<Val>> ExportArgs(LiftLowerContext& cx, const FuncType& f,
                                    std::span<const Value> args) {
  FlatValues core;
  WCLOUD_TRY_STATUS(LowerExportArgs(cx, FlatSignature(f), args, core));
  return std::vector<Val>(core.begin(), core.end());
}
Result<std::vector<Value>> ImportArgs(LiftLowerContext& cx, const FuncType& f,
                                      std::span<const Val> core,
                                      std::optional<uint32_t>* return_pointer) {
  std::vector<Value> args;
  WCLOUD_TRY_STATUS(LiftImportArgs(cx, FlatSignature(f), core, args, return_pointer));
  return args;
}
Result<std::vector<Val>> ImportResults(LiftLowerContext& cx, const FuncType& f,
                                       std::span<const Value> results,
                                       std::optional<uint32_t> return_pointer) {
  FlatValues core;
  WCLOUD_TRY_STATUS(LowerImportResults(cx, FlatSignature(f), results, return_pointer, core));
  return std::vector<Val>(core.begin(), core.end());
}
Result<std::vector<Value>> ExportResults(LiftLowerContext& cx, const FuncType& f,
                                         std::span<const Val> core) {
  return LiftExportResults(cx, FlatSignature(f), core);
}

std::vector<CoreType> FlatOf(const TypeRef& t) {
  std::vector<CoreType> out;
  Flatten(*t, out);
  return out;
}

// Store at a fresh aligned block, then load back.
Result<Value> StoreLoad(TestContext& cx, const TypeRef& t, const Value& v) {
  const uint32_t ptr = cx.Allocate(SizeOf(*t), AlignmentOf(*t));
  WCLOUD_TRY_STATUS(Store(cx, *t, v, ptr));
  return Load(cx, *t, ptr);
}

Result<Value> LowerLift(TestContext& cx, const TypeRef& t, const Value& v) {
  std::vector<Val> flat;
  WCLOUD_TRY_STATUS(LowerFlat(cx, *t, v, flat));
  size_t pos = 0;
  WCLOUD_ASSIGN_OR_RETURN(Value back, LiftFlat(cx, *t, flat, &pos));
  if (pos != flat.size()) return Error("LiftFlat left core values unread");
  return back;
}

// ---- Layout

TEST(Layout, Primitives) {
  struct Case {
    TypeRef t;
    uint32_t align, size;
  };
  for (const Case& c :
       {Case{kBool, 1, 1}, Case{kS8, 1, 1}, Case{kU8, 1, 1}, Case{kS16, 2, 2}, Case{kU16, 2, 2},
        Case{kS32, 4, 4}, Case{kU32, 4, 4}, Case{kS64, 8, 8}, Case{kU64, 8, 8}, Case{kF32, 4, 4},
        Case{kF64, 8, 8}, Case{kChar, 4, 4}, Case{kString, 4, 8}, Case{ListOf(kU64), 4, 8}}) {
    EXPECT_EQ(AlignmentOf(*c.t), c.align) << static_cast<int>(c.t->kind);
    EXPECT_EQ(SizeOf(*c.t), c.size) << static_cast<int>(c.t->kind);
  }
}

TEST(Layout, RecordsPadFieldsAndTheEnd) {
  // u8 @0, u32 @4, u16 @8, u64 @16, bool @24; size rounds up to 32.
  const TypeRef r = RecordOf({{"a", kU8}, {"b", kU32}, {"c", kU16}, {"d", kU64}, {"e", kBool}});
  EXPECT_EQ(AlignmentOf(*r), 8u);
  EXPECT_EQ(SizeOf(*r), 32u);
  const TypeRef t = TupleOf({kU8, kU16, kU8});  // 0, 2, 4 -> 6
  EXPECT_EQ(AlignmentOf(*t), 2u);
  EXPECT_EQ(SizeOf(*t), 6u);
  const TypeRef nested = RecordOf({{"x", kU8}, {"inner", t}, {"y", kU8}});  // 0, 2, 8 -> 10
  EXPECT_EQ(AlignmentOf(*nested), 2u);
  EXPECT_EQ(SizeOf(*nested), 10u);
}

TEST(Layout, IsKeptPerTypeAndACopyWorksItOutAgain) {
  const TypeRef r = RecordOf({{"a", kU8}, {"b", kU16}});
  EXPECT_EQ(SizeOf(*r), 4u);
  EXPECT_EQ(SizeOf(*r), 4u);  // from the cache
  // The decoder copies a type to substitute its children: the copy must not keep the numbers.
  auto copy = std::make_shared<ValType>(*r);
  copy->fields[1].type = kU64;
  EXPECT_EQ(SizeOf(*copy), 16u);
  EXPECT_EQ(AlignmentOf(*copy), 8u);
  EXPECT_EQ(SizeOf(*r), 4u);
  EXPECT_EQ(AlignmentOf(*r), 2u);
}

TEST(Layout, VariantsAlignPayloadAfterDiscriminant) {
  EXPECT_EQ(SizeOf(*OptionOf(kU8)), 2u);
  EXPECT_EQ(SizeOf(*OptionOf(kU64)), 16u);
  EXPECT_EQ(AlignmentOf(*OptionOf(kU64)), 8u);
  EXPECT_EQ(SizeOf(*ResultOf(kU8, kU32)), 8u);
  EXPECT_EQ(SizeOf(*ResultOf(nullptr, nullptr)), 1u);
  EXPECT_EQ(SizeOf(*OptionOf(kString)), 12u);
  EXPECT_EQ(SizeOf(*EnumOf(1)), 1u);
  EXPECT_EQ(SizeOf(*EnumOf(256)), 1u);
  EXPECT_EQ(SizeOf(*EnumOf(257)), 2u);
  EXPECT_EQ(AlignmentOf(*EnumOf(257)), 2u);
  EXPECT_EQ(SizeOf(*EnumOf(65536)), 2u);
  EXPECT_EQ(SizeOf(*EnumOf(65537)), 4u);
  EXPECT_EQ(AlignmentOf(*EnumOf(65537)), 4u);
  // A 257-case variant with a u8 payload: u16 discriminant, payload at 2, size 4.
  std::vector<std::pair<std::string, TypeRef>> cases;
  for (int i = 0; i < 257; ++i) cases.push_back({"c" + std::to_string(i), i == 0 ? kU8 : nullptr});
  EXPECT_EQ(SizeOf(*VariantOf(cases)), 4u);
}

TEST(Layout, FlagsBySize) {
  EXPECT_EQ(SizeOf(*FlagsOf(0)), 0u);
  EXPECT_EQ(SizeOf(*FlagsOf(1)), 1u);
  EXPECT_EQ(SizeOf(*FlagsOf(8)), 1u);
  EXPECT_EQ(SizeOf(*FlagsOf(9)), 2u);
  EXPECT_EQ(SizeOf(*FlagsOf(16)), 2u);
  EXPECT_EQ(SizeOf(*FlagsOf(17)), 4u);
  EXPECT_EQ(SizeOf(*FlagsOf(32)), 4u);
  EXPECT_EQ(AlignmentOf(*FlagsOf(8)), 1u);
  EXPECT_EQ(AlignmentOf(*FlagsOf(9)), 2u);
  EXPECT_EQ(AlignmentOf(*FlagsOf(17)), 4u);
  EXPECT_EQ(FlatOf(FlagsOf(0)), std::vector<CoreType>{});
  EXPECT_EQ(FlatOf(FlagsOf(32)), std::vector<CoreType>{I32});
}

// ---- Flattening

TEST(Flatten, Primitives) {
  EXPECT_EQ(FlatOf(kBool), std::vector<CoreType>{I32});
  EXPECT_EQ(FlatOf(kS64), std::vector<CoreType>{I64});
  EXPECT_EQ(FlatOf(kF32), std::vector<CoreType>{F32});
  EXPECT_EQ(FlatOf(kF64), std::vector<CoreType>{F64});
  EXPECT_EQ(FlatOf(kString), (std::vector<CoreType>{I32, I32}));
  EXPECT_EQ(FlatOf(RecordOf({{"a", kU8}, {"b", kF64}, {"c", ListOf(kU8)}})),
            (std::vector<CoreType>{I32, F64, I32, I32}));
}

TEST(Flatten, VariantsJoinTheirCases) {
  EXPECT_EQ(FlatOf(VariantOf({{"a", kF32}, {"b", kU32}})), (std::vector<CoreType>{I32, I32}));
  EXPECT_EQ(FlatOf(VariantOf({{"a", kF32}})), (std::vector<CoreType>{I32, F32}));
  EXPECT_EQ(FlatOf(VariantOf({{"a", kF32}, {"b", kF64}})), (std::vector<CoreType>{I32, I64}));
  EXPECT_EQ(FlatOf(VariantOf({{"a", kU32}, {"b", kU64}})), (std::vector<CoreType>{I32, I64}));
  EXPECT_EQ(FlatOf(VariantOf({{"a", kF64}, {"b", kF64}})), (std::vector<CoreType>{I32, F64}));
  EXPECT_EQ(FlatOf(VariantOf(
                {{"a", TupleOf({kF32, kF64})}, {"b", TupleOf({kU32, kU32, kU8})}, {"c", nullptr}})),
            (std::vector<CoreType>{I32, I32, I64, I32}));
  EXPECT_EQ(FlatOf(EnumOf(300)), std::vector<CoreType>{I32});
  EXPECT_EQ(FlatOf(OptionOf(OptionOf(kF32))), (std::vector<CoreType>{I32, I32, F32}));
}

TEST(Flatten, FuncTypeSpillsParamsPastSixteenAndResultsPastOne) {
  std::vector<TypeRef> sixteen(16, kU32);
  EXPECT_EQ(FlattenFuncType(Func(sixteen, {}), true).params, std::vector<CoreType>(16, I32));
  std::vector<TypeRef> seventeen(17, kU32);
  wasm::FuncType f = FlattenFuncType(Func(seventeen, {kU64}), false);
  EXPECT_EQ(f.params, std::vector<CoreType>{I32});
  EXPECT_EQ(f.results, std::vector<CoreType>{I64});
  // Eight strings are sixteen i32s: not spilled.
  EXPECT_EQ(FlattenFuncType(Func(std::vector<TypeRef>(8, kString), {}), false).params.size(), 16u);
  EXPECT_EQ(
      FlattenFuncType(
          Func({kString, kString, kString, kString, kString, kString, kString, kString, kU8}, {}),
          false)
          .params,
      std::vector<CoreType>{I32});

  const FuncType multi = Func({kU32, kF32}, {kString});
  wasm::FuncType lowered = FlattenFuncType(multi, true);
  EXPECT_EQ(lowered.params, (std::vector<CoreType>{I32, F32, I32}));
  EXPECT_EQ(lowered.results, std::vector<CoreType>{});
  wasm::FuncType lifted = FlattenFuncType(multi, false);
  EXPECT_EQ(lifted.params, (std::vector<CoreType>{I32, F32}));
  EXPECT_EQ(lifted.results, std::vector<CoreType>{I32});

  wasm::FuncType both = FlattenFuncType(Func(seventeen, {kU32, kU32}), true);
  EXPECT_EQ(both.params, (std::vector<CoreType>{I32, I32}));
  EXPECT_EQ(both.results, std::vector<CoreType>{});
}

// ---- Primitives

TEST(Primitives, StoreWritesLittleEndianAndLoadsBack) {
  TestContext cx;
  struct Case {
    TypeRef t;
    Value v;
    std::vector<uint8_t> bytes;
  };
  const std::vector<Case> cases = {
      {kBool, Value::Bool(true), {1}},
      {kBool, Value::Bool(false), {0}},
      {kS8, Value::Signed(-128), {0x80}},
      {kS8, Value::Signed(127), {0x7F}},
      {kU8, Value::Unsigned(255), {0xFF}},
      {kS16, Value::Signed(-32768), {0x00, 0x80}},
      {kU16, Value::Unsigned(65535), {0xFF, 0xFF}},
      {kS32, Value::Signed(std::numeric_limits<int32_t>::min()), {0, 0, 0, 0x80}},
      {kS32, Value::Signed(-1), {0xFF, 0xFF, 0xFF, 0xFF}},
      {kU32, Value::Unsigned(0xDEADBEEF), {0xEF, 0xBE, 0xAD, 0xDE}},
      {kS64, Value::Signed(std::numeric_limits<int64_t>::min()), {0, 0, 0, 0, 0, 0, 0, 0x80}},
      {kU64, Value::Unsigned(~uint64_t{0}), std::vector<uint8_t>(8, 0xFF)},
      {kF32, Value::F32(1.0f), {0x00, 0x00, 0x80, 0x3F}},
      {kF32, Value::F32(-0.0f), {0, 0, 0, 0x80}},
      {kF64, Value::F64(-2.0), {0, 0, 0, 0, 0, 0, 0, 0xC0}},
      {kF64, Value::F64(std::numeric_limits<double>::infinity()), {0, 0, 0, 0, 0, 0, 0xF0, 0x7F}},
      {kChar, Value::Char(0x10FFFF), {0xFF, 0xFF, 0x10, 0x00}},
      {kChar, Value::Char(0xE000), {0x00, 0xE0, 0x00, 0x00}},
  };
  for (const Case& c : cases) {
    const uint32_t ptr = cx.Allocate(SizeOf(*c.t), AlignmentOf(*c.t));
    ASSERT_OK(Store(cx, *c.t, c.v, ptr));
    EXPECT_EQ(
        std::vector<uint8_t>(cx.bytes().begin() + ptr, cx.bytes().begin() + ptr + c.bytes.size()),
        c.bytes);
    ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *c.t, ptr));
    EXPECT_EQ(back, c.v);
    ASSERT_OK_AND_ASSIGN(Value flat, LowerLift(cx, c.t, c.v));
    EXPECT_EQ(flat, c.v);
  }
}

TEST(Primitives, NaNsKeepTheirBits) {
  TestContext cx;
  const uint32_t f32_bits = 0x7FA00001;  // a signaling NaN with payload
  const uint64_t f64_bits = 0xFFF4000000000123;
  const Value f32 = Value::F32(std::bit_cast<float>(f32_bits));
  const Value f64 = Value::F64(std::bit_cast<double>(f64_bits));
  const uint32_t p32 = cx.Allocate(4, 4);
  ASSERT_OK(Store(cx, *kF32, f32, p32));
  EXPECT_EQ(cx.Get<uint32_t>(p32), f32_bits);
  ASSERT_OK_AND_ASSIGN(Value l32, Load(cx, *kF32, p32));
  EXPECT_EQ(std::bit_cast<uint32_t>(l32.as_f32()), f32_bits);
  const uint32_t p64 = cx.Allocate(8, 8);
  ASSERT_OK(Store(cx, *kF64, f64, p64));
  ASSERT_OK_AND_ASSIGN(Value l64, Load(cx, *kF64, p64));
  EXPECT_EQ(std::bit_cast<uint64_t>(l64.as_f64()), f64_bits);

  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *kF32, f32, flat));
  ASSERT_OK(LowerFlat(cx, *kF64, f64, flat));
  EXPECT_EQ(std::bit_cast<uint32_t>(flat[0].f32), f32_bits);
  EXPECT_EQ(std::bit_cast<uint64_t>(flat[1].f64), f64_bits);
  size_t pos = 0;
  ASSERT_OK_AND_ASSIGN(Value a, LiftFlat(cx, *kF32, flat, &pos));
  ASSERT_OK_AND_ASSIGN(Value b, LiftFlat(cx, *kF64, flat, &pos));
  EXPECT_EQ(std::bit_cast<uint32_t>(a.as_f32()), f32_bits);
  EXPECT_EQ(std::bit_cast<uint64_t>(b.as_f64()), f64_bits);
}

TEST(Primitives, LiftFlatIgnoresUpperBitsAndSignExtends) {
  TestContext cx;
  auto lift = [&](const TypeRef& t, Val v) {
    size_t pos = 0;
    std::vector<Val> values{v};
    Result<Value> r = LiftFlat(cx, *t, values, &pos);
    EXPECT_TRUE(r) << ErrorOf(r);
    return r ? *r : Value();
  };
  EXPECT_EQ(lift(kU8, Val::I32(0x1FF)), Value::Unsigned(0xFF));
  EXPECT_EQ(lift(kS8, Val::I32(0x80)), Value::Signed(-128));
  EXPECT_EQ(lift(kS8, Val::I32(0xFFFFFF7F)), Value::Signed(127));
  EXPECT_EQ(lift(kU16, Val::I32(0xABCD1234)), Value::Unsigned(0x1234));
  EXPECT_EQ(lift(kS16, Val::I32(0xFFFF8000)), Value::Signed(-32768));
  EXPECT_EQ(lift(kS32, Val::I32(0xFFFFFFFF)), Value::Signed(-1));
  EXPECT_EQ(lift(kU32, Val::I32(0xFFFFFFFF)), Value::Unsigned(0xFFFFFFFF));
  EXPECT_EQ(lift(kS64, Val::I64(0x8000000000000000)),
            Value::Signed(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(lift(kBool, Val::I32(2)), Value::Bool(true));
  EXPECT_EQ(lift(kBool, Val::I32(0x80000000)), Value::Bool(true));
  EXPECT_EQ(lift(kBool, Val::I32(0)), Value::Bool(false));

  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *kS8, Value::Signed(-1), flat));
  EXPECT_EQ(flat[0].i32, 0xFFFFFFFFu);  // sign-extended to 32 bits
}

TEST(Primitives, LoadedBoolIsAnyNonzeroByte) {
  TestContext cx;
  cx.bytes()[100] = 0x40;
  ASSERT_OK_AND_ASSIGN(Value b, Load(cx, *kBool, 100));
  EXPECT_EQ(b, Value::Bool(true));
}

TEST(Primitives, CharsMustBeScalarValues) {
  TestContext cx;
  for (uint32_t bad : {0xD800u, 0xDBFFu, 0xDC00u, 0xDFFFu, 0x110000u, 0xFFFFFFFFu}) {
    std::vector<Val> values{Val::I32(bad)};
    size_t pos = 0;
    Result<Value> lifted = LiftFlat(cx, *kChar, values, &pos);
    EXPECT_THAT(ErrorOf(lifted), HasSubstr("is not a Unicode scalar value")) << bad;
    EXPECT_TRUE(!lifted && wasm::IsTrap(lifted.error()));
    cx.Put<uint32_t>(64, bad);
    EXPECT_THAT(ErrorOf(Load(cx, *kChar, 64)), HasSubstr("char at 0x40")) << bad;
    std::vector<Val> out;
    EXPECT_FALSE(LowerFlat(cx, *kChar, Value::Char(bad), out)) << bad;
  }
}

TEST(Primitives, HostValuesOfTheWrongKindOrRangeAreErrors) {
  TestContext cx;
  std::vector<Val> out;
  Status wrong = LowerFlat(cx, *kU32, Value::Signed(1), out);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message(), "expected a value of type u32, got a signed integer value");
  EXPECT_TRUE(wasm::IsHostFunctionError(wrong.error()));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *kU8, Value::Unsigned(256), out)), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *kS16, Value::Signed(-32769), out)), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf(Store(cx, *kString, Value::Bytes({1}), 16)), HasSubstr("expected"));
  EXPECT_THAT(ErrorOf(Store(cx, *TupleOf({kU8, kU8}), Value::Aggregate({Value::Unsigned(1)}), 16)),
              HasSubstr("expected 2 fields, got 1"));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *OptionOf(kU8), Value::Case(1), out)),
              HasSubstr("needs a payload"));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *OptionOf(kU8), Value::Case(0, Value::Unsigned(1)), out)),
              HasSubstr("has no payload"));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *EnumOf(3), Value::Enum(3), out)),
              HasSubstr("case 3 out of range for 3 cases"));
}

// ---- Strings

void PutString(TestContext& cx, uint32_t header, uint32_t ptr, std::string_view bytes,
               uint32_t length) {
  std::memcpy(&cx.bytes()[ptr], bytes.data(), bytes.size());
  cx.Put<uint32_t>(header, ptr);
  cx.Put<uint32_t>(header + 4, length);
}

TEST(Strings, LiftsUtf8) {
  TestContext cx;
  const std::string multi = "h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x8E\x89 \xE2\x82\xAC";
  PutString(cx, 8, 0x100, multi, static_cast<uint32_t>(multi.size()));
  ASSERT_OK_AND_ASSIGN(Value v, Load(cx, *kString, 8));
  EXPECT_EQ(v, Value::String(multi));
  PutString(cx, 8, 0, "", 0);
  ASSERT_OK_AND_ASSIGN(Value empty, Load(cx, *kString, 8));
  EXPECT_EQ(empty, Value::String(""));
  std::vector<Val> flat{Val::I32(0x100), Val::I32(static_cast<uint32_t>(multi.size()))};
  size_t pos = 0;
  ASSERT_OK_AND_ASSIGN(Value f, LiftFlat(cx, *kString, flat, &pos));
  EXPECT_EQ(f, Value::String(multi));
}

TEST(Strings, RejectsInvalidUtf8FromTheGuest) {
  TestContext cx;
  for (std::string_view bad : {std::string_view("ab\xC0\x80"), std::string_view("\xED\xA0\x80"),
                               std::string_view("\xF4\x90\x80\x80"), std::string_view("x\xE2\x82"),
                               std::string_view("\x80")}) {
    PutString(cx, 8, 0x200, bad, static_cast<uint32_t>(bad.size()));
    Result<Value> v = Load(cx, *kString, 8);
    ASSERT_FALSE(v);
    EXPECT_THAT(v.error().message(), HasSubstr("string at 0x8: invalid UTF-8 at byte"));
    EXPECT_TRUE(wasm::IsTrap(v.error()));
  }
  Result<Value> exact = Load(cx, *kString, 8);
  EXPECT_EQ(ErrorOf(exact), "string at 0x8: invalid UTF-8 at byte 0 of the 1 bytes at 0x200");
}

TEST(Strings, LiftsUtf16AndLatin1) {
  TestContext utf16(65536, StringEncoding::kUtf16);
  // "a€😀" in UTF-16LE: 4 code units.
  const std::string units("\x61\x00\xAC\x20\x3D\xD8\x00\xDE", 8);
  PutString(utf16, 8, 0x100, units, 4);
  ASSERT_OK_AND_ASSIGN(Value v, Load(utf16, *kString, 8));
  EXPECT_EQ(v, Value::String("a\xE2\x82\xAC\xF0\x9F\x98\x80"));
  // Unpaired surrogate.
  PutString(utf16, 8, 0x100, std::string("\x00\xD8\x61\x00", 4), 2);
  EXPECT_THAT(ErrorOf(Load(utf16, *kString, 8)), HasSubstr("unpaired surrogate 0xD800"));
  // Misaligned.
  PutString(utf16, 8, 0x101, units, 4);
  EXPECT_THAT(ErrorOf(Load(utf16, *kString, 8)), HasSubstr("pointer 0x101 is not 2-byte aligned"));

  TestContext mixed(65536, StringEncoding::kLatin1Utf16);
  PutString(mixed, 8, 0x100, "caf\xE9", 4);
  ASSERT_OK_AND_ASSIGN(Value latin1, Load(mixed, *kString, 8));
  EXPECT_EQ(latin1, Value::String("caf\xC3\xA9"));
  PutString(mixed, 8, 0x100, units, 4 | (1u << 31));
  ASSERT_OK_AND_ASSIGN(Value tagged, Load(mixed, *kString, 8));
  EXPECT_EQ(tagged, Value::String("a\xE2\x82\xAC\xF0\x9F\x98\x80"));
  PutString(mixed, 8, 0x101, "x", 1);
  EXPECT_THAT(ErrorOf(Load(mixed, *kString, 8)), HasSubstr("not 2-byte aligned"));
}

TEST(Strings, LowersUtf8WithOneRealloc) {
  TestContext cx;
  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *kString, Value::String("h\xC3\xA9llo"), flat));
  ASSERT_EQ(flat.size(), 2u);
  const uint32_t ptr = flat[0].i32;
  EXPECT_EQ(flat[1].i32, 6u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&cx.bytes()[ptr]), 6), "h\xC3\xA9llo");
  EXPECT_EQ(cx.calls, (std::vector<ReallocCall>{{0, 0, 1, 6, ptr}}));
}

TEST(Strings, LowersUtf16AllocatingTheWorstCaseThenShrinking) {
  TestContext cx(65536, StringEncoding::kUtf16);
  std::vector<Val> flat;
  const std::string s = "a\xE2\x82\xAC\xF0\x9F\x98\x80";  // 8 UTF-8 bytes, 4 code units
  ASSERT_OK(LowerFlat(cx, *kString, Value::String(s), flat));
  const uint32_t ptr = flat[0].i32;
  EXPECT_EQ(flat[1].i32, 4u);
  ASSERT_EQ(cx.calls.size(), 2u);
  EXPECT_EQ(cx.calls[0], (ReallocCall{0, 0, 2, 16, cx.calls[0].result}));
  EXPECT_EQ(cx.calls[1], (ReallocCall{cx.calls[0].result, 16, 2, 8, ptr}));
  EXPECT_EQ(std::vector<uint8_t>(&cx.bytes()[ptr], &cx.bytes()[ptr] + 8),
            (std::vector<uint8_t>{0x61, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE}));
}

TEST(Strings, LowersLatin1WhenEveryCodePointFitsAByte) {
  TestContext cx(65536, StringEncoding::kLatin1Utf16);
  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *kString, Value::String("caf\xC3\xA9"), flat));  // 5 bytes, 4 chars
  const uint32_t ptr = flat[0].i32;
  EXPECT_EQ(flat[1].i32, 4u);  // untagged: Latin-1
  ASSERT_EQ(cx.calls.size(), 2u);
  EXPECT_EQ(cx.calls[0], (ReallocCall{0, 0, 2, 5, cx.calls[0].result}));
  EXPECT_EQ(cx.calls[1], (ReallocCall{cx.calls[0].result, 5, 2, 4, ptr}));
  EXPECT_EQ(std::vector<uint8_t>(&cx.bytes()[ptr], &cx.bytes()[ptr] + 4),
            (std::vector<uint8_t>{'c', 'a', 'f', 0xE9}));

  cx.calls.clear();
  flat.clear();
  ASSERT_OK(LowerFlat(cx, *kString, Value::String("abc"), flat));
  EXPECT_EQ(flat[1].i32, 3u);
  EXPECT_EQ(cx.calls.size(), 1u);  // exact fit: no shrink
}

TEST(Strings, LowersLatin1ThenSwitchesToTaggedUtf16) {
  TestContext cx(65536, StringEncoding::kLatin1Utf16);
  std::vector<Val> flat;
  // "café€": 8 UTF-8 bytes, 5 code units; the € forces UTF-16.
  ASSERT_OK(LowerFlat(cx, *kString, Value::String("caf\xC3\xA9\xE2\x82\xAC"), flat));
  const uint32_t ptr = flat[0].i32;
  EXPECT_EQ(flat[1].i32, 5u | (1u << 31));
  ASSERT_EQ(cx.calls.size(), 3u);
  EXPECT_EQ(cx.calls[0], (ReallocCall{0, 0, 2, 8, cx.calls[0].result}));
  EXPECT_EQ(cx.calls[1], (ReallocCall{cx.calls[0].result, 8, 2, 16, cx.calls[1].result}));
  EXPECT_EQ(cx.calls[2], (ReallocCall{cx.calls[1].result, 16, 2, 10, ptr}));
  EXPECT_EQ(std::vector<uint8_t>(&cx.bytes()[ptr], &cx.bytes()[ptr] + 10),
            (std::vector<uint8_t>{'c', 0, 'a', 0, 'f', 0, 0xE9, 0, 0xAC, 0x20}));
  size_t pos = 0;
  ASSERT_OK_AND_ASSIGN(Value back, LiftFlat(cx, *kString, flat, &pos));
  EXPECT_EQ(back, Value::String("caf\xC3\xA9\xE2\x82\xAC"));
}

TEST(Strings, EmptyStringsStillCallRealloc) {
  for (StringEncoding e :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    TestContext cx(65536, e);
    ASSERT_OK_AND_ASSIGN(Value back, LowerLift(cx, kString, Value::String("")));
    EXPECT_EQ(back, Value::String(""));
    ASSERT_EQ(cx.calls.size(), 1u);
    EXPECT_EQ(cx.calls[0].new_size, 0u);
  }
}

TEST(Strings, RejectsInvalidUtf8FromTheHost) {
  TestContext cx;
  std::vector<Val> flat;
  Status s = LowerFlat(cx, *kString, Value::String("ok\xFF"), flat);
  ASSERT_FALSE(s);
  EXPECT_TRUE(wasm::IsHostFunctionError(s.error()));
  EXPECT_THAT(s.error().message(), HasSubstr("not UTF-8 (byte 2)"));
  EXPECT_TRUE(cx.calls.empty());
}

TEST(Strings, EachEncodingRoundTrips) {
  const std::vector<std::string> samples = {"",
                                            "a",
                                            "plain ascii text",
                                            "caf\xC3\xA9",
                                            "\xC3\xBF\xC3\xBF",
                                            "\xE2\x82\xAC",
                                            "x\xF0\x9F\x98\x80y",
                                            "\xC3\xA9\xE6\x97\xA5\xE6\x9C\xAC\xF0\x90\x80\x80"};
  for (StringEncoding e :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    TestContext cx(65536, e);
    for (const std::string& s : samples) {
      ASSERT_OK_AND_ASSIGN(Value a, StoreLoad(cx, kString, Value::String(s)));
      EXPECT_EQ(a, Value::String(s));
      ASSERT_OK_AND_ASSIGN(Value b, LowerLift(cx, kString, Value::String(s)));
      EXPECT_EQ(b, Value::String(s));
    }
  }
}

// ---- Lists

TEST(Lists, BytesAreOneBlock) {
  TestContext cx;
  const TypeRef bytes = ListOf(kU8);
  std::vector<uint8_t> data(1000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *bytes, Value::Bytes(data), flat));
  EXPECT_EQ(cx.calls, (std::vector<ReallocCall>{{0, 0, 1, 1000, flat[0].i32}}));
  EXPECT_EQ(flat[1].i32, 1000u);
  size_t pos = 0;
  ASSERT_OK_AND_ASSIGN(Value back, LiftFlat(cx, *bytes, flat, &pos));
  EXPECT_EQ(back, Value::Bytes(data));
  // A list<u8> given element by element lowers the same way.
  std::vector<Value> items = {Value::Unsigned(1), Value::Unsigned(2)};
  ASSERT_OK_AND_ASSIGN(Value from_items, LowerLift(cx, bytes, Value::Aggregate(items)));
  EXPECT_EQ(from_items, Value::Bytes({1, 2}));
}

TEST(Lists, NestedListsOfStringsHaveTheSpecLayout) {
  TestContext cx;
  const TypeRef t = ListOf(ListOf(kString));
  const Value v =
      Value::Aggregate({Value::Aggregate({Value::String("ab"), Value::String("")}),
                        Value::Aggregate({}), Value::Aggregate({Value::String("\xE2\x82\xAC")})});
  const uint32_t header = cx.Allocate(8, 4);
  ASSERT_OK(Store(cx, *t, v, header));
  const uint32_t outer = cx.Get<uint32_t>(header);
  EXPECT_EQ(cx.Get<uint32_t>(header + 4), 3u);
  EXPECT_EQ(outer % 4, 0u);
  // Element 0: a list of two strings.
  const uint32_t inner0 = cx.Get<uint32_t>(outer);
  EXPECT_EQ(cx.Get<uint32_t>(outer + 4), 2u);
  const uint32_t ab = cx.Get<uint32_t>(inner0);
  EXPECT_EQ(cx.Get<uint32_t>(inner0 + 4), 2u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(&cx.bytes()[ab]), 2), "ab");
  EXPECT_EQ(cx.Get<uint32_t>(inner0 + 12), 0u);
  EXPECT_EQ(cx.Get<uint32_t>(outer + 12), 0u);  // element 1: empty
  EXPECT_EQ(cx.Get<uint32_t>(outer + 20), 1u);  // element 2: one string
  ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *t, header));
  EXPECT_EQ(back, v);
  ASSERT_OK_AND_ASSIGN(Value flat, LowerLift(cx, t, v));
  EXPECT_EQ(flat, v);
}

TEST(Lists, StoringSurvivesMemoryGrowthDuringRealloc) {
  for (StringEncoding e :
       {StringEncoding::kUtf8, StringEncoding::kUtf16, StringEncoding::kLatin1Utf16}) {
    TestContext cx(256, e);
    cx.grow = true;
    std::vector<Value> strings;
    for (int i = 0; i < 100; ++i) {
      // Odd ones need UTF-16 under latin1+utf16, so the widening runs after growth too.
      strings.push_back(
          Value::String("string number " + std::to_string(i) + (i % 2 ? "\xE2\x82\xAC" : "")));
    }
    const TypeRef t = RecordOf({{"n", kU32}, {"names", ListOf(kString)}, {"m", kU32}});
    const Value v =
        Value::Aggregate({Value::Unsigned(7), Value::Aggregate(strings), Value::Unsigned(9)});
    const uint32_t ptr = cx.Allocate(SizeOf(*t), AlignmentOf(*t));
    ASSERT_OK(Store(cx, *t, v, ptr));
    EXPECT_GT(cx.bytes().size(), 256u);
    ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *t, ptr));
    EXPECT_EQ(back, v);
    std::vector<Val> flat;
    ASSERT_OK(LowerFlat(cx, *t, v, flat));
    size_t pos = 0;
    ASSERT_OK_AND_ASSIGN(Value lifted, LiftFlat(cx, *t, flat, &pos));
    EXPECT_EQ(lifted, v);
  }
}

TEST(Lists, LengthTimesElementSizeMustFitThirtyTwoBits) {
  TestContext cx;
  // Elements of 2^16 bytes: 2^16 of them make 2^32.
  const TypeRef big = TupleOf(std::vector<TypeRef>(8192, kU64));
  ASSERT_EQ(SizeOf(*big), 1u << 16);
  std::vector<Val> flat;
  Status s = LowerFlat(cx, *ListOf(big), Value::Aggregate(std::vector<Value>(1 << 16)), flat);
  EXPECT_THAT(ErrorOf(s), HasSubstr("65536 elements of 65536 bytes exceed 4 GiB"));
  EXPECT_TRUE(cx.calls.empty());
  // Lifting computes the byte length in 64 bits, so it cannot wrap around.
  std::vector<Val> huge{Val::I32(16), Val::I32(0x20000000)};
  size_t pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *ListOf(kU64), huge, &pos)),
              HasSubstr("pointer 0x10 + 4294967296 out of bounds of 65536-byte memory"));
  // Zero-sized elements are bounded by the memory size too.
  std::vector<Val> empties{Val::I32(16), Val::I32(0xFFFFFFFF)};
  pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *ListOf(TupleOf({})), empties, &pos)),
              HasSubstr("zero-sized elements"));
}

TEST(Lists, ReallocFailuresAndBadResultsAreErrors) {
  TestContext cx;
  cx.fail_realloc = true;
  std::vector<Val> flat;
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *ListOf(kU32), Value::Aggregate({Value::Unsigned(1)}), flat)),
              HasSubstr("realloc failed"));

  class BadRealloc : public TestContext {
   public:
    Result<uint32_t> Realloc(uint32_t, uint32_t, uint32_t, uint32_t) override { return result; }
    uint32_t result = 0;
  };
  BadRealloc bad;
  bad.result = 2;  // misaligned for u32
  EXPECT_THAT(ErrorOf(LowerFlat(bad, *ListOf(kU32), Value::Aggregate({Value::Unsigned(1)}), flat)),
              HasSubstr("returned 0x2, not 4-byte aligned"));
  bad.result = 65535;  // past the end
  EXPECT_THAT(ErrorOf(LowerFlat(bad, *kString, Value::String("abc"), flat)),
              HasSubstr("returned 0xffff"));
}

// ---- Records, tuples, variants, flags

TEST(Records, ExactByteLayout) {
  TestContext cx;
  const TypeRef r = RecordOf({{"a", kU8}, {"b", kU32}, {"c", kU16}, {"d", kU64}, {"e", kBool}});
  const Value v =
      Value::Aggregate({Value::Unsigned(0xAA), Value::Unsigned(0x11223344), Value::Unsigned(0x5566),
                        Value::Unsigned(0x0102030405060708), Value::Bool(true)});
  const uint32_t ptr = cx.Allocate(32, 8);
  ASSERT_OK(Store(cx, *r, v, ptr));
  EXPECT_EQ(cx.Get<uint8_t>(ptr), 0xAA);
  EXPECT_EQ(cx.Get<uint32_t>(ptr + 4), 0x11223344u);
  EXPECT_EQ(cx.Get<uint16_t>(ptr + 8), 0x5566u);
  EXPECT_EQ(cx.Get<uint64_t>(ptr + 16), 0x0102030405060708u);
  EXPECT_EQ(cx.Get<uint8_t>(ptr + 24), 1u);
  ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *r, ptr));
  EXPECT_EQ(back, v);
  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *r, v, flat));
  ASSERT_EQ(flat.size(), 5u);
  EXPECT_EQ(flat[3].type, CoreType::kI64);
  EXPECT_EQ(flat[3].i64, 0x0102030405060708u);
}

TEST(Records, TuplesNestInRecords) {
  TestContext cx;
  const TypeRef t = RecordOf({{"x", kU8}, {"pair", TupleOf({kU16, kChar})}, {"y", kS8}});
  EXPECT_EQ(SizeOf(*t), 16u);  // x@0, pair@4 (u16@4, char@8), y@12, size 16
  const Value v = Value::Aggregate({Value::Unsigned(1),
                                    Value::Aggregate({Value::Unsigned(2), Value::Char(U'\u20AC')}),
                                    Value::Signed(-3)});
  const uint32_t ptr = cx.Allocate(16, 4);
  ASSERT_OK(Store(cx, *t, v, ptr));
  EXPECT_EQ(cx.Get<uint16_t>(ptr + 4), 2u);
  EXPECT_EQ(cx.Get<uint32_t>(ptr + 8), 0x20ACu);
  EXPECT_EQ(cx.Get<int8_t>(ptr + 12), -3);
  ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *t, ptr));
  EXPECT_EQ(back, v);
}

TEST(Variants, MixedPayloadsShareJoinedSlots) {
  TestContext cx;
  const TypeRef t = VariantOf({{"a", kU32},
                               {"b", kF32},
                               {"c", kU64},
                               {"d", kF64},
                               {"e", kString},
                               {"f", nullptr},
                               {"g", TupleOf({kF32, kF32})}});
  ASSERT_EQ(FlatOf(t), (std::vector<CoreType>{I32, I64, I32}));
  auto lower = [&](const Value& v) {
    std::vector<Val> flat;
    Status s = LowerFlat(cx, *t, v, flat);
    EXPECT_TRUE(s) << ErrorOf(s);
    return flat;
  };
  std::vector<Val> b = lower(Value::Case(1, Value::F32(1.5f)));
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].i32, 1u);
  EXPECT_EQ(b[1].type, I64);
  EXPECT_EQ(b[1].i64, std::bit_cast<uint32_t>(1.5f));
  EXPECT_EQ(b[2].type, I32);
  EXPECT_EQ(b[2].i32, 0u);
  std::vector<Val> d = lower(Value::Case(3, Value::F64(-2.5)));
  EXPECT_EQ(d[1].i64, std::bit_cast<uint64_t>(-2.5));
  std::vector<Val> a = lower(Value::Case(0, Value::Unsigned(0xFFFFFFFF)));
  EXPECT_EQ(a[1].i64, 0xFFFFFFFFu);  // zero-extended
  std::vector<Val> g =
      lower(Value::Case(6, Value::Aggregate({Value::F32(1.0f), Value::F32(2.0f)})));
  EXPECT_EQ(g[1].i64, std::bit_cast<uint32_t>(1.0f));
  EXPECT_EQ(g[2].type, I32);
  EXPECT_EQ(g[2].i32, std::bit_cast<uint32_t>(2.0f));
  std::vector<Val> f = lower(Value::Case(5));
  EXPECT_EQ(f.size(), 3u);

  for (const Value& v :
       {Value::Case(0, Value::Unsigned(7)), Value::Case(1, Value::F32(-0.25f)),
        Value::Case(2, Value::Unsigned(~uint64_t{0})), Value::Case(3, Value::F64(1e300)),
        Value::Case(4, Value::String("hi")), Value::Case(5),
        Value::Case(6, Value::Aggregate({Value::F32(3.0f), Value::F32(4.0f)}))}) {
    ASSERT_OK_AND_ASSIGN(Value flat, LowerLift(cx, t, v));
    EXPECT_EQ(flat, v);
    ASSERT_OK_AND_ASSIGN(Value mem, StoreLoad(cx, t, v));
    EXPECT_EQ(mem, v);
  }
  // In memory: discriminant at 0, payload at 8 (u64/f64 alignment), size 16.
  EXPECT_EQ(SizeOf(*t), 16u);
  const uint32_t ptr = cx.Allocate(16, 8);
  ASSERT_OK(Store(cx, *t, Value::Case(3, Value::F64(-2.5)), ptr));
  EXPECT_EQ(cx.Get<uint8_t>(ptr), 3u);
  EXPECT_EQ(cx.Get<double>(ptr + 8), -2.5);
}

TEST(Variants, DiscriminantsOutOfRangeAreErrors) {
  TestContext cx;
  const TypeRef t = VariantOf({{"a", kU32}, {"b", nullptr}});
  std::vector<Val> flat{Val::I32(2), Val::I32(0)};
  size_t pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *t, flat, &pos)),
              HasSubstr("case index 2 out of range for 2 cases"));
  cx.Put<uint8_t>(32, 9);
  EXPECT_THAT(ErrorOf(Load(cx, *OptionOf(kU8), 32)), HasSubstr("case index 9 out of range"));
  cx.Put<uint8_t>(32, 2);
  EXPECT_THAT(ErrorOf(Load(cx, *ResultOf(nullptr, nullptr), 32)),
              HasSubstr("case index 2 out of range"));
}

TEST(Variants, EnumsPast256CasesUseU16Discriminants) {
  TestContext cx;
  const TypeRef e = EnumOf(300);
  const uint32_t ptr = cx.Allocate(2, 2);
  ASSERT_OK(Store(cx, *e, Value::Enum(299), ptr));
  EXPECT_EQ(cx.Get<uint16_t>(ptr), 299u);
  ASSERT_OK_AND_ASSIGN(Value back, Load(cx, *e, ptr));
  EXPECT_EQ(back, Value::Enum(299));
  cx.Put<uint16_t>(ptr, 300);
  EXPECT_THAT(ErrorOf(Load(cx, *e, ptr)), HasSubstr("case index 300 out of range for 300 cases"));
  ASSERT_OK_AND_ASSIGN(Value flat, LowerLift(cx, e, Value::Enum(256)));
  EXPECT_EQ(flat, Value::Enum(256));
}

TEST(Flags, SizesAndUnusedBits) {
  TestContext cx;
  struct Case {
    size_t labels;
    uint32_t size;
    uint64_t all;
  };
  for (const Case& c : {Case{0, 0, 0}, Case{8, 1, 0xFF}, Case{9, 2, 0x1FF}, Case{17, 4, 0x1FFFF},
                        Case{32, 4, 0xFFFFFFFF}}) {
    const TypeRef t = FlagsOf(c.labels);
    EXPECT_EQ(SizeOf(*t), c.size);
    // Unused bits set in memory are ignored on lift.
    const uint32_t ptr = cx.Allocate(4, 4);
    cx.Put<uint32_t>(ptr, 0xFFFFFFFF);
    ASSERT_OK_AND_ASSIGN(Value loaded, Load(cx, *t, ptr));
    EXPECT_EQ(loaded, Value::Flags(static_cast<uint32_t>(c.all))) << c.labels;
    std::vector<Val> flat(c.labels == 0 ? 0 : 1, Val::I32(0xFFFFFFFF));
    size_t pos = 0;
    ASSERT_OK_AND_ASSIGN(Value lifted, LiftFlat(cx, *t, flat, &pos));
    EXPECT_EQ(lifted, Value::Flags(static_cast<uint32_t>(c.all))) << c.labels;
    // A pattern of alternating bits survives both ways.
    const Value v = Value::Flags(static_cast<uint32_t>(0xAAAAAAAA & c.all));
    ASSERT_OK_AND_ASSIGN(Value a, StoreLoad(cx, t, v));
    EXPECT_EQ(a, v);
    ASSERT_OK_AND_ASSIGN(Value b, LowerLift(cx, t, v));
    EXPECT_EQ(b, v);
  }
  // 9 flags occupy two bytes: bit 8 lands in the second.
  const uint32_t ptr = cx.Allocate(4, 4);
  cx.Put<uint32_t>(ptr, 0);
  ASSERT_OK(Store(cx, *FlagsOf(9), Value::Flags(0x101), ptr));
  EXPECT_EQ(cx.Get<uint32_t>(ptr), 0x101u);
}

TEST(Variants, OptionsAndResultsNest) {
  TestContext cx;
  const TypeRef t = ResultOf(OptionOf(OptionOf(kString)), ResultOf(nullptr, kU8));
  for (const Value& v : {Value::Ok(Value::None()), Value::Ok(Value::Some(Value::None())),
                         Value::Ok(Value::Some(Value::Some(Value::String("deep")))),
                         Value::Err(Value::Ok()), Value::Err(Value::Err(Value::Unsigned(200)))}) {
    ASSERT_OK_AND_ASSIGN(Value a, StoreLoad(cx, t, v));
    EXPECT_EQ(a, v);
    ASSERT_OK_AND_ASSIGN(Value b, LowerLift(cx, t, v));
    EXPECT_EQ(b, v);
  }
  // result<option<option<string>>, result<_, u8>>: disc @0, option @4 (disc @4, option @8
  // (disc @8, string @12)), size 20.
  EXPECT_EQ(SizeOf(*t), 20u);
  const uint32_t ptr = cx.Allocate(20, 4);
  ASSERT_OK(Store(cx, *t, Value::Ok(Value::Some(Value::Some(Value::String("x")))), ptr));
  EXPECT_EQ(cx.Get<uint8_t>(ptr), 0u);
  EXPECT_EQ(cx.Get<uint8_t>(ptr + 4), 1u);
  EXPECT_EQ(cx.Get<uint8_t>(ptr + 8), 1u);
  EXPECT_EQ(cx.Get<uint32_t>(ptr + 16), 1u);
}

// ---- Handles

TEST(Handles, OwnMovesThroughTheTableAndBorrowStays) {
  TestContext cx;
  auto resource = std::make_shared<ResourceType>();
  resource->name = "output-stream";
  auto other = std::make_shared<ResourceType>();
  const TypeRef own = HandleOf(TypeKind::kOwn, resource);
  const TypeRef borrow = HandleOf(TypeKind::kBorrow, resource);
  const Value r = Value::Resource(ResourceValue{nullptr, 42});

  std::vector<Val> flat;
  ASSERT_OK(LowerFlat(cx, *own, r, flat));
  const uint32_t handle = flat[0].i32;
  EXPECT_TRUE(cx.HasHandle(handle));
  size_t pos = 0;
  ASSERT_OK_AND_ASSIGN(Value lifted, LiftFlat(cx, *own, flat, &pos));
  EXPECT_EQ(lifted, r);
  EXPECT_FALSE(cx.HasHandle(handle));
  pos = 0;
  Result<Value> again = LiftFlat(cx, *own, flat, &pos);
  EXPECT_THAT(ErrorOf(again), HasSubstr("own<output-stream> handle"));
  EXPECT_THAT(ErrorOf(again), HasSubstr("no handle"));

  flat.clear();
  ASSERT_OK(LowerFlat(cx, *borrow, r, flat));
  for (int i = 0; i < 2; ++i) {
    pos = 0;
    ASSERT_OK_AND_ASSIGN(Value b, LiftFlat(cx, *borrow, flat, &pos));
    EXPECT_EQ(b, r);
  }
  // A handle of one resource type is not one of another.
  pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *HandleOf(TypeKind::kBorrow, other), flat, &pos)),
              HasSubstr("another type"));

  // In memory, inside a record.
  const TypeRef rec = RecordOf({{"tag", kU8}, {"stream", own}});
  ASSERT_OK_AND_ASSIGN(Value mem, StoreLoad(cx, rec, Value::Aggregate({Value::Unsigned(1), r})));
  EXPECT_EQ(mem, Value::Aggregate({Value::Unsigned(1), r}));
  EXPECT_THAT(ErrorOf(LowerFlat(cx, *own, Value::Unsigned(3), flat)), HasSubstr("expected"));
}

TEST(Handles, ErrorContextHasALayoutButNoValues) {
  TestContext cx;
  const TypeRef t = Prim(TypeKind::kErrorContext);
  EXPECT_EQ(SizeOf(*t), 4u);
  EXPECT_EQ(AlignmentOf(*t), 4u);
  EXPECT_EQ(FlatOf(t), std::vector<CoreType>{I32});
  EXPECT_THAT(ErrorOf(Load(cx, *t, 16)), HasSubstr("error-context values are not supported"));
}

// ---- Bounds and alignment

TEST(Bounds, OutOfBoundsAndMisalignedPointersAreErrors) {
  TestContext cx;
  Result<Value> oob = Load(cx, *kU32, 65536);
  EXPECT_EQ(ErrorOf(oob), "u32: pointer 0x10000 + 4 out of bounds of 65536-byte memory");
  EXPECT_TRUE(!oob && wasm::IsTrap(oob.error()));
  EXPECT_EQ(ErrorOf(Load(cx, *kU32, 2)), "u32: pointer 0x2 is not 4-byte aligned");
  EXPECT_THAT(ErrorOf(Load(cx, *kU64, 0xFFFFFFF8)), HasSubstr("out of bounds"));
  EXPECT_THAT(ErrorOf(Store(cx, *kU16, Value::Unsigned(1), 65535)), HasSubstr("not 2-byte"));
  EXPECT_THAT(ErrorOf(Store(cx, *kU16, Value::Unsigned(1), 65536)), HasSubstr("out of bounds"));

  // A list header in bounds pointing out of bounds.
  cx.Put<uint32_t>(0x10, 0xFFFFFFF0);
  cx.Put<uint32_t>(0x14, 2);
  EXPECT_EQ(ErrorOf(Load(cx, *ListOf(kString), 0x10)),
            "list<string> at 0x10: pointer 0xfffffff0 + 16 out of bounds of 65536-byte memory");
  // Misaligned list elements.
  cx.Put<uint32_t>(0x10, 0x102);
  cx.Put<uint32_t>(0x14, 1);
  EXPECT_EQ(ErrorOf(Load(cx, *ListOf(kU32), 0x10)),
            "list<u32> at 0x10: pointer 0x102 is not 4-byte aligned");
  // Nested errors say where they are.
  cx.Put<uint32_t>(0x20, 0x100);
  cx.Put<uint32_t>(0x24, 1);
  cx.Put<uint32_t>(0x100, 0xFFFF0000);
  cx.Put<uint32_t>(0x104, 0x10000);
  EXPECT_EQ(ErrorOf(Load(cx, *ListOf(kString), 0x20)),
            "element 0: string at 0x100: pointer 0xffff0000 + 65536 out of bounds of 65536-byte "
            "memory");
  // A string ending exactly at the end of memory is fine.
  PutString(cx, 0x30, 65536 - 3, "abc", 3);
  ASSERT_OK_AND_ASSIGN(Value edge, Load(cx, *kString, 0x30));
  EXPECT_EQ(edge, Value::String("abc"));
  cx.Put<uint32_t>(0x34, 4);
  EXPECT_THAT(ErrorOf(Load(cx, *kString, 0x30)), HasSubstr("out of bounds"));
}

TEST(Bounds, ValuesThatNeedMemoryWithoutOneAreErrors) {
  TestContext cx(0);
  std::vector<Val> flat{Val::I32(0), Val::I32(1)};
  size_t pos = 0;
  EXPECT_EQ(ErrorOf(LiftFlat(cx, *kString, flat, &pos)),
            "string: needs linear memory, but the canonical options name none");
  // An empty string at 0 needs no bytes.
  std::vector<Val> empty{Val::I32(0), Val::I32(0)};
  pos = 0;
  ASSERT_OK_AND_ASSIGN(Value v, LiftFlat(cx, *kString, empty, &pos));
  EXPECT_EQ(v, Value::String(""));
  // Scalars need no memory.
  std::vector<Val> out;
  ASSERT_OK(LowerFlat(cx, *kU32, Value::Unsigned(5), out));
}

TEST(Bounds, TooFewCoreValuesAreErrors) {
  TestContext cx;
  std::vector<Val> one{Val::I32(0)};
  size_t pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *kString, one, &pos)),
              HasSubstr("expected a core i32 at position 1, have only 1 core values"));
  std::vector<Val> wrong{Val::F64(1.0)};
  pos = 0;
  EXPECT_THAT(ErrorOf(LiftFlat(cx, *kU32, wrong, &pos)), HasSubstr("core value 0 is f64"));
}

// ---- Whole calls

TEST(Calls, ExportParamsPastSixteenAreSpilledToMemory) {
  TestContext cx;
  std::vector<TypeRef> types(17, kU32);
  types[3] = kU8;
  types[4] = kU64;
  const FuncType f = Func(types, {});
  std::vector<Value> args;
  for (size_t i = 0; i < types.size(); ++i) args.push_back(Value::Unsigned(i + 100));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> core, ExportArgs(cx, f, args));
  ASSERT_EQ(core.size(), 1u);
  const uint32_t ptr = core[0].i32;
  // One realloc for the tuple: align 8, (u32 u32 u32 u8 _ u64 u32*12) = 24 + 48 = 72 bytes.
  EXPECT_EQ(cx.calls, (std::vector<ReallocCall>{{0, 0, 8, 72, ptr}}));
  EXPECT_EQ(cx.Get<uint32_t>(ptr), 100u);
  EXPECT_EQ(cx.Get<uint8_t>(ptr + 12), 103u);
  EXPECT_EQ(cx.Get<uint64_t>(ptr + 16), 104u);
  EXPECT_EQ(cx.Get<uint32_t>(ptr + 24), 105u);
  EXPECT_EQ(cx.Get<uint32_t>(ptr + 68), 116u);
  // The guest side of the same call: an import given the pointer.
  std::optional<uint32_t> retptr = 7;
  ASSERT_OK_AND_ASSIGN(std::vector<Value> lifted, ImportArgs(cx, f, core, &retptr));
  EXPECT_EQ(lifted, args);
  EXPECT_EQ(retptr, std::nullopt);
}

TEST(Calls, SixteenFlatParamsStayFlat) {
  TestContext cx;
  const FuncType f = Func(std::vector<TypeRef>(8, kString), {});
  std::vector<Value> args(8, Value::String("s"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> core, ExportArgs(cx, f, args));
  EXPECT_EQ(core.size(), 16u);
  ASSERT_OK_AND_ASSIGN(std::vector<Value> back, ImportArgs(cx, f, core, nullptr));
  EXPECT_EQ(back, args);
}

TEST(Calls, ResultsPastOneUseAReturnPointer) {
  TestContext cx;
  const FuncType f = Func({kU32}, {ResultOf(kString, kU32)});
  // Import: the guest passes (u32, retptr); the host's result is stored at retptr.
  const uint32_t retptr = cx.Allocate(12, 4);
  std::vector<Val> core_args{Val::I32(5), Val::I32(retptr)};
  std::optional<uint32_t> rp;
  ASSERT_OK_AND_ASSIGN(std::vector<Value> args, ImportArgs(cx, f, core_args, &rp));
  EXPECT_EQ(args, std::vector<Value>{Value::Unsigned(5)});
  ASSERT_EQ(rp, retptr);
  const Value result = Value::Ok(Value::String("done"));
  ASSERT_OK_AND_ASSIGN(std::vector<Val> core_results,
                       ImportResults(cx, f, std::span(&result, 1), rp));
  EXPECT_TRUE(core_results.empty());
  EXPECT_EQ(cx.Get<uint8_t>(retptr), 0u);
  EXPECT_EQ(cx.Get<uint32_t>(retptr + 8), 4u);
  // Export: the guest returns a pointer to the same layout.
  ASSERT_OK_AND_ASSIGN(std::vector<Value> results,
                       ExportResults(cx, f, std::vector<Val>{Val::I32(retptr)}));
  EXPECT_EQ(results, std::vector<Value>{result});
  // A misaligned or out-of-bounds return pointer is an error.
  EXPECT_THAT(ErrorOf(ExportResults(cx, f, std::vector<Val>{Val::I32(2)})),
              HasSubstr("results at 0x2: pointer 0x2 is not 4-byte aligned"));
  EXPECT_THAT(ErrorOf(ImportResults(cx, f, std::span(&result, 1), 65532)),
              HasSubstr("out of bounds"));
  EXPECT_THAT(ErrorOf(ImportResults(cx, f, std::span(&result, 1), std::nullopt)),
              HasSubstr("no return pointer"));
}

TEST(Calls, OneFlatResultIsReturnedDirectly) {
  TestContext cx;
  const FuncType f = Func({}, {kU64});
  const Value v = Value::Unsigned(1ull << 40);
  ASSERT_OK_AND_ASSIGN(std::vector<Val> core, ImportResults(cx, f, std::span(&v, 1), {}));
  ASSERT_EQ(core.size(), 1u);
  EXPECT_EQ(core[0].i64, 1ull << 40);
  ASSERT_OK_AND_ASSIGN(std::vector<Value> back, ExportResults(cx, f, core));
  EXPECT_EQ(back, std::vector<Value>{v});
  ASSERT_OK_AND_ASSIGN(std::vector<Value> none, ExportResults(cx, Func({}, {}), {}));
  EXPECT_TRUE(none.empty());
}

TEST(Calls, SpilledParamsAndReturnPointerTogether) {
  TestContext cx;
  const FuncType f = Func(std::vector<TypeRef>(20, kU8), {kString});
  const uint32_t params = cx.Allocate(20, 1);
  for (uint32_t i = 0; i < 20; ++i) cx.bytes()[params + i] = static_cast<uint8_t>(i);
  std::vector<Val> core{Val::I32(params), Val::I32(0x400)};
  std::optional<uint32_t> rp;
  ASSERT_OK_AND_ASSIGN(std::vector<Value> args, ImportArgs(cx, f, core, &rp));
  ASSERT_EQ(args.size(), 20u);
  EXPECT_EQ(args[19], Value::Unsigned(19));
  EXPECT_EQ(rp, 0x400u);
}

TEST(Calls, CountMismatchesAreErrors) {
  TestContext cx;
  const FuncType f = Func({kU32, kU32}, {});
  EXPECT_THAT(ErrorOf(ImportArgs(cx, f, std::vector<Val>{Val::I32(1)}, nullptr)),
              HasSubstr("expected 2 core arguments, got 1"));
  EXPECT_THAT(ErrorOf(ExportArgs(cx, f, std::vector<Value>{Value::Unsigned(1)})),
              HasSubstr("expected 2 arguments, got 1"));
  EXPECT_THAT(
      ErrorOf(ExportArgs(cx, f, std::vector<Value>{Value::Unsigned(1), Value::String("x")})),
      HasSubstr("parameter p1: expected a value of type u32"));
}

TEST(Calls, ScalarCallsNeverAskForMemory) {
  TestContext cx;
  const FuncType type = Func({kU32, kS64, kF32}, {kU32});
  const FlatSignature f(type);
  const std::vector<Value> args{Value::Unsigned(1), Value::Signed(-2), Value::F32(0.5f)};
  FlatValues core;
  ASSERT_OK(LowerExportArgs(cx, f, args, core));
  std::vector<Value> lifted;
  ASSERT_OK(LiftImportArgs(cx, f, core, lifted, nullptr));
  const Value result = Value::Unsigned(9);
  FlatValues core_result;
  ASSERT_OK(LowerImportResults(cx, f, std::span(&result, 1), std::nullopt, core_result));
  ASSERT_OK(LiftExportResults(cx, f, core_result));
  EXPECT_EQ(lifted, args);
  EXPECT_EQ(cx.memory_fetches, 0);
}

TEST(Calls, OutputsAreReplacedAndTheirCapacityReused) {
  TestContext cx;
  const FuncType type = Func({kU32, kString}, {});
  const FlatSignature f(type);
  FlatValues core;
  core.push_back(Val::I64(7));  // left over from an earlier call
  ASSERT_OK(
      LowerExportArgs(cx, f, std::vector<Value>{Value::Unsigned(1), Value::String("a")}, core));
  ASSERT_EQ(core.size(), 3u);
  EXPECT_EQ(core[0].i32, 1u);
  std::vector<Value> args;
  ASSERT_OK(LiftImportArgs(cx, f, core, args, nullptr));
  const Value* storage = args.data();
  ASSERT_OK(
      LowerExportArgs(cx, f, std::vector<Value>{Value::Unsigned(2), Value::String("b")}, core));
  ASSERT_OK(LiftImportArgs(cx, f, core, args, nullptr));
  EXPECT_EQ(args, (std::vector<Value>{Value::Unsigned(2), Value::String("b")}));
  EXPECT_EQ(args.data(), storage);
}

TEST(Calls, SignatureCountsFlatValuesOnce) {
  const FuncType type = Func({kString, ListOf(kU8), OptionOf(kU64)}, {ResultOf(kU32, nullptr)});
  const FlatSignature f(type);
  EXPECT_EQ(&f.type(), &type);
  EXPECT_EQ(f.flat_params(), 6u);
  EXPECT_EQ(f.flat_results(), 2u);
  EXPECT_FALSE(f.params_in_memory());
  EXPECT_TRUE(f.results_in_memory());
  const FuncType nine_strings = Func(std::vector<TypeRef>(9, kString), {});
  EXPECT_TRUE(FlatSignature(nine_strings).params_in_memory());
}

// ---- Randomized round trips

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {
    resource_ = std::make_shared<ResourceType>();
    resource_->name = "r";
  }

  TypeRef Type(int depth) {
    static const TypeKind kLeaves[] = {
        TypeKind::kBool, TypeKind::kS8,    TypeKind::kU8,     TypeKind::kS16,  TypeKind::kU16,
        TypeKind::kS32,  TypeKind::kU32,   TypeKind::kS64,    TypeKind::kU64,  TypeKind::kF32,
        TypeKind::kF64,  TypeKind::kChar,  TypeKind::kString, TypeKind::kEnum, TypeKind::kFlags,
        TypeKind::kOwn,  TypeKind::kBorrow};
    const size_t leaves = std::size(kLeaves);
    // Composite types more often than not while depth remains, so values nest.
    const size_t pick = depth > 0 && Below(3) != 0 ? leaves + Below(7) : Below(leaves);
    if (pick < leaves) {
      switch (kLeaves[pick]) {
        case TypeKind::kEnum:
          return EnumOf(Below(8) == 0 ? 300 : 1 + Below(5));
        case TypeKind::kFlags:
          return FlagsOf(1 + Below(32));
        case TypeKind::kOwn:
        case TypeKind::kBorrow:
          return HandleOf(kLeaves[pick], resource_);
        default:
          return Prim(kLeaves[pick]);
      }
    }
    switch (pick - leaves) {
      case 0:
        return ListOf(Type(depth - 1));
      case 1: {
        std::vector<std::pair<std::string, TypeRef>> fields;
        for (size_t i = 0, n = 1 + Below(4); i < n; ++i) {
          fields.push_back({"f" + std::to_string(i), Type(depth - 1)});
        }
        return RecordOf(fields);
      }
      case 2: {
        std::vector<TypeRef> elements;
        for (size_t i = 0, n = 1 + Below(3); i < n; ++i) elements.push_back(Type(depth - 1));
        return TupleOf(elements);
      }
      case 3: {
        std::vector<std::pair<std::string, TypeRef>> cases;
        for (size_t i = 0, n = 1 + Below(5); i < n; ++i) {
          cases.push_back({"c" + std::to_string(i), Below(4) == 0 ? nullptr : Type(depth - 1)});
        }
        return VariantOf(cases);
      }
      case 4:
        return OptionOf(Type(depth - 1));
      case 5:
        return ResultOf(Below(3) == 0 ? nullptr : Type(depth - 1),
                        Below(3) == 0 ? nullptr : Type(depth - 1));
      default:
        return ListOf(Prim(TypeKind::kU8));
    }
  }

  Value ValueOf(const ValType& t) {
    switch (t.kind) {
      case TypeKind::kBool:
        return Value::Bool(Below(2) == 1);
      case TypeKind::kS8:
        return Value::Signed(static_cast<int8_t>(Bits()));
      case TypeKind::kU8:
        return Value::Unsigned(static_cast<uint8_t>(Bits()));
      case TypeKind::kS16:
        return Value::Signed(static_cast<int16_t>(Bits()));
      case TypeKind::kU16:
        return Value::Unsigned(static_cast<uint16_t>(Bits()));
      case TypeKind::kS32:
        return Value::Signed(static_cast<int32_t>(Bits()));
      case TypeKind::kU32:
        return Value::Unsigned(static_cast<uint32_t>(Bits()));
      case TypeKind::kS64:
        return Value::Signed(static_cast<int64_t>(Bits()));
      case TypeKind::kU64:
        return Value::Unsigned(Bits());
      case TypeKind::kF32: {
        float f;
        do f = std::bit_cast<float>(static_cast<uint32_t>(Bits()));
        while (std::isnan(f));
        return Value::F32(f);
      }
      case TypeKind::kF64: {
        double f;
        do f = std::bit_cast<double>(Bits());
        while (std::isnan(f));
        return Value::F64(f);
      }
      case TypeKind::kChar:
        return Value::Char(Scalar());
      case TypeKind::kString:
        return Value::String(String());
      case TypeKind::kList: {
        const size_t n = Below(5);
        if (t.element->kind == TypeKind::kU8) {
          std::vector<uint8_t> bytes(n * 3);
          for (auto& b : bytes) b = static_cast<uint8_t>(Bits());
          return Value::Bytes(bytes);
        }
        std::vector<Value> items;
        for (size_t i = 0; i < n; ++i) items.push_back(ValueOf(*t.element));
        return Value::Aggregate(items);
      }
      case TypeKind::kRecord: {
        std::vector<Value> items;
        for (const Field& f : t.fields) items.push_back(ValueOf(*f.type));
        return Value::Aggregate(items);
      }
      case TypeKind::kTuple: {
        std::vector<Value> items;
        for (const TypeRef& e : t.elements) items.push_back(ValueOf(*e));
        return Value::Aggregate(items);
      }
      case TypeKind::kVariant: {
        const auto i = static_cast<uint32_t>(Below(t.cases.size()));
        if (!t.cases[i].type) return Value::Case(i);
        return Value::Case(i, ValueOf(*t.cases[i].type));
      }
      case TypeKind::kEnum:
        return Value::Enum(static_cast<uint32_t>(Below(t.labels.size())));
      case TypeKind::kFlags: {
        const size_t n = t.labels.size();
        const uint64_t mask = n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
        return Value::Unsigned(Bits() & mask);
      }
      case TypeKind::kOption:
        return Below(2) == 0 ? Value::None() : Value::Some(ValueOf(*t.element));
      case TypeKind::kResult: {
        const uint32_t i = Below(2) == 0 ? 0 : 1;
        const TypeRef& payload = i == 0 ? t.ok : t.err;
        return payload ? Value::Case(i, ValueOf(*payload)) : Value::Case(i);
      }
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        return Value::Resource(ResourceValue{nullptr, static_cast<uint32_t>(Bits())});
      case TypeKind::kErrorContext:
        break;
    }
    return Value();
  }

 private:
  uint64_t Bits() { return rng_(); }
  size_t Below(size_t n) { return static_cast<size_t>(rng_() % n); }
  char32_t Scalar() {
    switch (Below(4)) {
      case 0:
        return static_cast<char32_t>(Below(0x80));
      case 1:
        return static_cast<char32_t>(0x80 + Below(0x80));  // Latin-1
      case 2: {
        char32_t c;
        do c = static_cast<char32_t>(0x100 + Below(0x10000 - 0x100));
        while (c >= 0xD800 && c <= 0xDFFF);
        return c;
      }
      default:
        return static_cast<char32_t>(0x10000 + Below(0x100000));
    }
  }
  std::string String() {
    std::string s;
    // Mostly ASCII or Latin-1, sometimes wider, so every latin1+utf16 path runs.
    const size_t mode = Below(3);
    for (size_t i = 0, n = Below(12); i < n; ++i) {
      char32_t c = mode == 0   ? static_cast<char32_t>(0x20 + Below(0x5F))
                   : mode == 1 ? static_cast<char32_t>(Below(0x100))
                               : Scalar();
      AppendUtf8(s, c);
    }
    return s;
  }

  std::mt19937_64 rng_;
  std::shared_ptr<ResourceType> resource_;
};

class RoundTrip : public ::testing::TestWithParam<StringEncoding> {};

TEST_P(RoundTrip, RandomValuesOfRandomTypes) {
  Generator gen(20240611);
  TestContext cx(1 << 20, GetParam());
  for (int i = 0; i < 3000; ++i) {
    cx.Reset();
    const TypeRef t = gen.Type(1 + i % 4);
    const Value v = gen.ValueOf(*t);

    std::vector<Val> flat;
    ASSERT_OK(LowerFlat(cx, *t, v, flat));
    std::vector<CoreType> types = FlatOf(t);
    ASSERT_EQ(flat.size(), types.size()) << "iteration " << i;
    for (size_t k = 0; k < flat.size(); ++k) {
      ASSERT_EQ(flat[k].type, types[k]) << "iteration " << i << ", core value " << k;
    }
    size_t pos = 0;
    ASSERT_OK_AND_ASSIGN(Value lifted, LiftFlat(cx, *t, flat, &pos));
    EXPECT_EQ(pos, flat.size());
    EXPECT_TRUE(lifted == v) << "flat, iteration " << i;

    const uint32_t ptr = cx.Allocate(SizeOf(*t), AlignmentOf(*t));
    ASSERT_OK(Store(cx, *t, v, ptr));
    ASSERT_OK_AND_ASSIGN(Value loaded, Load(cx, *t, ptr));
    EXPECT_TRUE(loaded == v) << "memory, iteration " << i;
  }
}

TEST_P(RoundTrip, RandomFunctionCalls) {
  Generator gen(77);
  TestContext cx(1 << 20, GetParam());
  for (int i = 0; i < 300; ++i) {
    cx.Reset();
    FuncType f;
    for (size_t p = 0, n = i % 12; p < n; ++p)
      f.params.push_back({"p" + std::to_string(p), gen.Type(2)});
    if (i % 3 != 0) f.results.push_back({"", gen.Type(2)});
    std::vector<Value> args;
    for (const Field& p : f.params) args.push_back(gen.ValueOf(*p.type));
    std::vector<Value> results;
    for (const Field& r : f.results) results.push_back(gen.ValueOf(*r.type));

    const wasm::FuncType lifted_sig = FlattenFuncType(f, false);
    const wasm::FuncType lowered_sig = FlattenFuncType(f, true);

    // Host -> guest export: lowered args match the lifted export's signature.
    ASSERT_OK_AND_ASSIGN(std::vector<Val> core_args, ExportArgs(cx, f, args));
    ASSERT_EQ(core_args.size(), lifted_sig.params.size()) << i;
    // Guest -> host import: same values come out, plus a return pointer if needed.
    std::optional<uint32_t> retptr_value;
    if (lowered_sig.params.size() > lifted_sig.params.size()) {
      retptr_value = cx.Allocate(4096, 8);
      core_args.push_back(Val::I32(*retptr_value));
    }
    std::optional<uint32_t> retptr;
    ASSERT_OK_AND_ASSIGN(std::vector<Value> got_args, ImportArgs(cx, f, core_args, &retptr));
    EXPECT_TRUE(got_args == args) << i;
    EXPECT_EQ(retptr, retptr_value);
    ASSERT_OK_AND_ASSIGN(std::vector<Val> core_results, ImportResults(cx, f, results, retptr));
    ASSERT_EQ(core_results.size(), lowered_sig.results.size()) << i;
    if (retptr) core_results = {Val::I32(*retptr)};
    ASSERT_OK_AND_ASSIGN(std::vector<Value> got_results, ExportResults(cx, f, core_results));
    EXPECT_TRUE(got_results == results) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Encodings, RoundTrip,
                         ::testing::Values(StringEncoding::kUtf8, StringEncoding::kUtf16,
                                           StringEncoding::kLatin1Utf16));

}  // namespace
}  // namespace wcloud::component
