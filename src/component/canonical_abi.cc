#include "component/canonical_abi.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "component/string_transcode.h"

namespace wcloud::component {
namespace {

static_assert(std::endian::native == std::endian::little,
              "linear memory is little-endian and is read and written with memcpy");

constexpr uint32_t kUtf16Tag = uint32_t{1} << 31;
constexpr uint64_t kMaxStringByteLength = (uint64_t{1} << 31) - 1;
constexpr uint64_t kMaxListByteLength = std::numeric_limits<uint32_t>::max();
// The `at` of a value that is not in memory (flat), for messages.
constexpr int64_t kFlat = -1;

// ---- Messages

std::string TypeName(const ValType& t);

std::string NameList(const std::vector<std::string>& names) {
  constexpr size_t kShown = 4;
  std::string out = "{";
  for (size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > kShown) out += fmt::format(", ... ({} in all)", names.size());
  return out + "}";
}

std::string TypeName(const ValType& t) {
  if (const char* name = PrimitiveName(t.kind)) return name;
  switch (t.kind) {
    case TypeKind::kList:
      return "list<" + TypeName(*t.element) + ">";
    case TypeKind::kRecord: {
      std::vector<std::string> names;
      for (const Field& f : t.fields) names.push_back(f.name);
      return "record " + NameList(names);
    }
    case TypeKind::kTuple: {
      std::string out = "tuple<";
      for (size_t i = 0; i < t.elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += TypeName(*t.elements[i]);
      }
      return out + ">";
    }
    case TypeKind::kVariant: {
      std::vector<std::string> names;
      for (const Case& c : t.cases) names.push_back(c.name);
      return "variant " + NameList(names);
    }
    case TypeKind::kEnum:
      return "enum " + NameList(t.labels);
    case TypeKind::kFlags:
      return "flags " + NameList(t.labels);
    case TypeKind::kOption:
      return "option<" + TypeName(*t.element) + ">";
    case TypeKind::kResult:
      if (!t.ok && !t.err) return "result";
      if (!t.err) return "result<" + TypeName(*t.ok) + ">";
      return "result<" + (t.ok ? TypeName(*t.ok) : std::string("_")) + ", " + TypeName(*t.err) +
             ">";
    case TypeKind::kOwn:
      return "own<" + (t.resource ? t.resource->name : std::string()) + ">";
    case TypeKind::kBorrow:
      return "borrow<" + (t.resource ? t.resource->name : std::string()) + ">";
    default:
      break;  // primitives, named above
  }
  return "?";
}

std::string Where(const ValType& t, int64_t at) {
  if (at == kFlat) return TypeName(t);
  return fmt::format("{} at {:#x}", TypeName(t), at);
}

std::string_view ValueKindName(const Value& v) {
  static constexpr std::array<std::string_view, std::variant_size_v<Value::Storage>> kNames = {
      "bool",   "signed integer",   "unsigned integer", "f32",  "f64",
      "string", "bytes (list<u8>)", "aggregate",        "case", "resource"};
  return kNames[v.storage().index()];
}

// Faults of the guest's data: the caller traps.
Error Trap(std::string message) { return wasm::TrapError(std::move(message)); }
// Faults of a value the host passed (a bug in a host implementation).
Error HostValueError(std::string message) { return wasm::HostFunctionError(std::move(message)); }

Error Mismatch(const ValType& t, const Value& v) {
  return HostValueError(
      fmt::format("expected a value of type {}, got a {} value", TypeName(t), ValueKindName(v)));
}

Error Unsupported(const ValType& t) {
  return HostValueError(fmt::format("{} values are not supported", TypeName(t)));
}

std::string FieldLabel(const ValType& t, size_t i) {
  if (t.kind == TypeKind::kRecord) return fmt::format("field {}", t.fields[i].name);
  return fmt::format("field {}", i);
}

std::string CaseLabel(const ValType& t, size_t i) {
  switch (t.kind) {
    case TypeKind::kVariant:
      return fmt::format("case {}", t.cases[i].name);
    case TypeKind::kOption:
      return "some";
    case TypeKind::kResult:
      return i == 0 ? "ok" : "error";
    default:
      return fmt::format("case {}", i);
  }
}

std::string ParamLabel(std::string_view what, const std::vector<Field>& fields, size_t i) {
  if (fields[i].name.empty()) return fmt::format("{} {}", what, i);
  return fmt::format("{} {}", what, fields[i].name);
}

// ---- Despecialization (CanonicalABI.md): tuples are records; enum, option and result are
// variants.

size_t FieldCount(const ValType& t) {
  return t.kind == TypeKind::kRecord ? t.fields.size() : t.elements.size();
}
const ValType& FieldType(const ValType& t, size_t i) {
  return t.kind == TypeKind::kRecord ? *t.fields[i].type : *t.elements[i];
}

size_t CaseCount(const ValType& t) {
  switch (t.kind) {
    case TypeKind::kVariant:
      return t.cases.size();
    case TypeKind::kEnum:
      return t.labels.size();
    default:
      return 2;  // option, result
  }
}
const ValType* CasePayload(const ValType& t, size_t i) {
  switch (t.kind) {
    case TypeKind::kVariant:
      return t.cases[i].type.get();
    case TypeKind::kOption:
      return i == 1 ? t.element.get() : nullptr;
    case TypeKind::kResult:
      return i == 0 ? t.ok.get() : t.err.get();
    default:
      return nullptr;  // enum
  }
}

// ---- Layout

uint64_t AlignUp(uint64_t offset, uint32_t align) { return (offset + align - 1) / align * align; }

uint32_t DiscriminantSize(size_t cases) { return cases <= 0x100 ? 1 : cases <= 0x10000 ? 2 : 4; }

size_t FlagWords(size_t labels) { return (labels + 31) / 32; }

uint32_t FlagsSize(size_t labels) {
  if (labels == 0) return 0;
  if (labels <= 8) return 1;
  if (labels <= 16) return 2;
  return static_cast<uint32_t>(4 * FlagWords(labels));
}

uint64_t FlagsMask(size_t labels) {
  return labels >= 64 ? ~uint64_t{0} : (uint64_t{1} << labels) - 1;
}

uint32_t MaxCaseAlignment(const ValType& t) {
  uint32_t a = 1;
  for (size_t i = 0, n = CaseCount(t); i < n; ++i) {
    if (const ValType* p = CasePayload(t, i)) a = std::max(a, AlignmentOf(*p));
  }
  return a;
}

uint32_t MaxCaseSize(const ValType& t) {
  uint32_t s = 0;
  for (size_t i = 0, n = CaseCount(t); i < n; ++i) {
    if (const ValType* p = CasePayload(t, i)) s = std::max(s, SizeOf(*p));
  }
  return s;
}

// The offset of a variant's payload from its start: the discriminant's size rounded up to the
// largest case alignment. The variant's own (kept) alignment gives the same offset, since it is
// the larger of that and the discriminant size, and both are powers of two; so no walk over
// the cases (wasi:http's error-code has 39) per value.
uint32_t PayloadOffset(const ValType& t) {
  return static_cast<uint32_t>(AlignUp(DiscriminantSize(CaseCount(t)), AlignmentOf(t)));
}

// Parameter and result lists are laid out as tuples.
uint32_t TupleAlignment(const std::vector<Field>& fields) {
  uint32_t a = 1;
  for (const Field& f : fields) a = std::max(a, AlignmentOf(*f.type));
  return a;
}
uint32_t TupleSize(const std::vector<Field>& fields) {
  uint64_t s = 0;
  for (const Field& f : fields) s = AlignUp(s, AlignmentOf(*f.type)) + SizeOf(*f.type);
  return static_cast<uint32_t>(AlignUp(s, TupleAlignment(fields)));
}

// ---- Flattening

// Lowering a variant needs its joined flat types: inline, so that allocates nothing.
using FlatTypes = InlineVector<wasm::ValType, kMaxFlatParams>;

wasm::ValType Join(wasm::ValType a, wasm::ValType b) {
  using wasm::ValType;
  if (a == b) return a;
  if ((a == ValType::kI32 && b == ValType::kF32) || (a == ValType::kF32 && b == ValType::kI32)) {
    return ValType::kI32;
  }
  return ValType::kI64;
}

template <typename Out>
void FlattenInto(const ValType& t, Out& out) {
  using CoreType = wasm::ValType;
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
    case TypeKind::kS16:
    case TypeKind::kU16:
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kChar:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kErrorContext:
      out.push_back(CoreType::kI32);
      return;
    case TypeKind::kS64:
    case TypeKind::kU64:
      out.push_back(CoreType::kI64);
      return;
    case TypeKind::kF32:
      out.push_back(CoreType::kF32);
      return;
    case TypeKind::kF64:
      out.push_back(CoreType::kF64);
      return;
    case TypeKind::kString:
    case TypeKind::kList:
      out.push_back(CoreType::kI32);
      out.push_back(CoreType::kI32);
      return;
    case TypeKind::kRecord:
    case TypeKind::kTuple:
      for (size_t i = 0, n = FieldCount(t); i < n; ++i) FlattenInto(FieldType(t, i), out);
      return;
    case TypeKind::kFlags:
      for (size_t i = 0, n = FlagWords(t.labels.size()); i < n; ++i) out.push_back(CoreType::kI32);
      return;
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      out.push_back(CoreType::kI32);  // the discriminant
      const size_t base = out.size();
      size_t joined = 0;
      for (size_t c = 0, n = CaseCount(t); c < n; ++c) {
        const ValType* payload = CasePayload(t, c);
        if (!payload) continue;
        // Flatten the case past the joined slots, then fold it into them.
        const size_t start = out.size();
        FlattenInto(*payload, out);
        const size_t count = out.size() - start;
        for (size_t k = 0; k < count; ++k) {
          const CoreType have = out[start + k];
          out[base + k] = k < joined ? Join(out[base + k], have) : have;
        }
        joined = std::max(joined, count);
        out.resize(base + joined);
      }
      return;
    }
  }
}

size_t FlatCount(const ValType& t);

size_t ComputeFlatCount(const ValType& t) {
  switch (t.kind) {
    case TypeKind::kString:
    case TypeKind::kList:
      return 2;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      size_t n = 0;
      for (size_t i = 0, count = FieldCount(t); i < count; ++i) n += FlatCount(FieldType(t, i));
      return n;
    }
    case TypeKind::kFlags:
      return FlagWords(t.labels.size());
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult: {
      size_t n = 0;
      for (size_t c = 0, count = CaseCount(t); c < count; ++c) {
        if (const ValType* p = CasePayload(t, c)) n = std::max(n, FlatCount(*p));
      }
      return 1 + n;
    }
    default:
      return 1;
  }
}

size_t FlatCount(const ValType& t) {
  if (uint32_t cached = t.layout.flat_plus_one()) return cached - 1;
  const size_t n = ComputeFlatCount(t);
  t.layout.set_flat(static_cast<uint32_t>(n));
  return n;
}

size_t FlatCount(const std::vector<Field>& fields) {
  size_t n = 0;
  for (const Field& f : fields) n += FlatCount(*f.type);
  return n;
}

std::string_view CoreTypeName(wasm::ValType t) {
  switch (t) {
    case wasm::ValType::kI32:
      return "i32";
    case wasm::ValType::kI64:
      return "i64";
    case wasm::ValType::kF32:
      return "f32";
    case wasm::ValType::kF64:
      return "f64";
    case wasm::ValType::kFuncRef:
      return "funcref";
    case wasm::ValType::kExternRef:
      return "externref";
  }
  return "?";
}

// A variant's payload slot holds the join of its cases' types (CanonicalABI.md
// `lower_flat_variant`): the case's value is reinterpreted or zero-extended into it.
wasm::Val CoerceToJoined(wasm::Val v, wasm::ValType want) {
  using wasm::ValType;
  if (v.type == want) return v;
  if (v.type == ValType::kF32 && want == ValType::kI32) {
    return wasm::Val::I32(std::bit_cast<uint32_t>(v.f32));
  }
  assert(want == ValType::kI64);
  switch (v.type) {
    case ValType::kI32:
      return wasm::Val::I64(v.i32);
    case ValType::kF32:
      return wasm::Val::I64(std::bit_cast<uint32_t>(v.f32));
    case ValType::kF64:
      return wasm::Val::I64(std::bit_cast<uint64_t>(v.f64));
    default:
      assert(false);
      return v;
  }
}

wasm::Val ZeroOf(wasm::ValType t) {
  switch (t) {
    case wasm::ValType::kI64:
      return wasm::Val::I64(0);
    case wasm::ValType::kF32:
      return wasm::Val::F32(0);
    case wasm::ValType::kF64:
      return wasm::Val::F64(0);
    default:
      return wasm::Val::I32(0);
  }
}

// Reads core values in order. A slot of a variant payload may hold a wider joined type than the
// value read from it (CanonicalABI.md `lift_flat_variant`): i64 wraps to i32, and floats are
// reinterpreted from the integer bits, so the reader converts from the slot's actual type. A
// read that fails returns false and leaves the position on the value; Failure() describes it.
class FlatReader {
 public:
  FlatReader(std::span<const wasm::Val> values, size_t* pos) : values_(values), pos_(pos) {}

  size_t position() const { return *pos_; }

  bool I32(uint32_t* out) {
    if (*pos_ >= values_.size()) return Fail(wasm::ValType::kI32);
    const wasm::Val& v = values_[*pos_];
    if (v.type == wasm::ValType::kI32) {
      *out = v.i32;
    } else if (v.type == wasm::ValType::kI64) {
      *out = static_cast<uint32_t>(v.i64);
    } else {
      return Fail(wasm::ValType::kI32);
    }
    ++*pos_;
    return true;
  }
  bool I64(uint64_t* out) {
    if (*pos_ >= values_.size() || values_[*pos_].type != wasm::ValType::kI64) {
      return Fail(wasm::ValType::kI64);
    }
    *out = values_[(*pos_)++].i64;
    return true;
  }
  bool F32(float* out) {
    if (*pos_ >= values_.size()) return Fail(wasm::ValType::kF32);
    const wasm::Val& v = values_[*pos_];
    switch (v.type) {
      case wasm::ValType::kF32:
        *out = v.f32;
        break;
      case wasm::ValType::kI32:
        *out = std::bit_cast<float>(v.i32);
        break;
      case wasm::ValType::kI64:
        *out = std::bit_cast<float>(static_cast<uint32_t>(v.i64));
        break;
      default:
        return Fail(wasm::ValType::kF32);
    }
    ++*pos_;
    return true;
  }
  bool F64(double* out) {
    if (*pos_ >= values_.size()) return Fail(wasm::ValType::kF64);
    const wasm::Val& v = values_[*pos_];
    if (v.type == wasm::ValType::kF64) {
      *out = v.f64;
    } else if (v.type == wasm::ValType::kI64) {
      *out = std::bit_cast<double>(v.i64);
    } else {
      return Fail(wasm::ValType::kF64);
    }
    ++*pos_;
    return true;
  }
  Status Skip(size_t n) {
    if (values_.size() - *pos_ < n) {
      return Trap(fmt::format("expected {} more core values at position {}, have {}", n, *pos_,
                              values_.size() - *pos_));
    }
    *pos_ += n;
    return Ok();
  }

  // Why the last read returned false.
  Error Failure() const {
    if (*pos_ >= values_.size()) {
      return Trap(fmt::format("expected a core {} at position {}, have only {} core values",
                              CoreTypeName(want_), *pos_, values_.size()));
    }
    return Trap(fmt::format("core value {} is {}, expected {}", *pos_,
                            CoreTypeName(values_[*pos_].type), CoreTypeName(want_)));
  }

 private:
  bool Fail(wasm::ValType want) {
    want_ = want;
    return false;
  }

  std::span<const wasm::Val> values_;
  size_t* pos_;
  wasm::ValType want_ = wasm::ValType::kI32;
};

// ---- Values the host passes in

template <typename T>
const T* As(const Value& v) {
  return std::get_if<T>(&v.storage());
}

Result<uint64_t> UnsignedOf(const ValType& t, const Value& v, uint64_t max) {
  const uint64_t* u = As<uint64_t>(v);
  if (!u) return Mismatch(t, v);
  if (*u > max) return HostValueError(fmt::format("{} value {} out of range", TypeName(t), *u));
  return *u;
}

Result<int64_t> SignedOf(const ValType& t, const Value& v, int64_t min, int64_t max) {
  const int64_t* s = As<int64_t>(v);
  if (!s) return Mismatch(t, v);
  if (*s < min || *s > max) {
    return HostValueError(fmt::format("{} value {} out of range", TypeName(t), *s));
  }
  return *s;
}

bool IsScalarValue(uint64_t c) { return c < 0xD800 || (c > 0xDFFF && c < 0x110000); }

Result<uint32_t> CharOf(const ValType& t, const Value& v) {
  const uint64_t* u = As<uint64_t>(v);
  if (!u) return Mismatch(t, v);
  if (!IsScalarValue(*u)) {
    return HostValueError(fmt::format("char value {:#x} is not a Unicode scalar value", *u));
  }
  return static_cast<uint32_t>(*u);
}

// The payload type of the case `c` selects (nullptr: none), checking `c` fits the variant.
Result<const ValType*> CheckCase(const ValType& t, const Value& v) {
  const CaseValue* c = As<CaseValue>(v);
  if (!c) return Mismatch(t, v);
  const size_t n = CaseCount(t);
  if (c->index >= n) {
    return HostValueError(
        fmt::format("{}: case {} out of range for {} cases", TypeName(t), c->index, n));
  }
  const ValType* payload = CasePayload(t, c->index);
  if (payload && c->payload.empty()) {
    return HostValueError(
        fmt::format("{}: {} needs a payload", TypeName(t), CaseLabel(t, c->index)));
  }
  if (!payload && !c->payload.empty()) {
    return HostValueError(
        fmt::format("{}: {} has no payload", TypeName(t), CaseLabel(t, c->index)));
  }
  return payload;
}

// ---- Lifting and lowering against one context

// One lift or lower: caches the memory span and re-reads it only after Realloc, the one call
// that can grow memory. The span is fetched on the first access, so values that live in core
// values alone (the common scalar call) never ask the context for it.
class Codec {
 public:
  explicit Codec(LiftLowerContext& cx) : cx_(cx) {}

  // [ptr, ptr + bytes) lies in memory and ptr is a multiple of align; `what` names the value
  // (called only on failure). Every read and write of memory is behind this or Realloc.
  template <typename Describe>
  Status CheckRange(uint32_t ptr, uint64_t bytes, uint32_t align, Describe&& what) {
    FetchMemory();
    if ((ptr & (align - 1)) != 0) {
      return Trap(fmt::format("{}: pointer {:#x} is not {}-byte aligned", what(), ptr, align));
    }
    if (uint64_t{ptr} + bytes > memory_.size()) {
      if (memory_.empty()) {
        return Trap(what() + ": needs linear memory, but the canonical options name none");
      }
      return Trap(fmt::format("{}: pointer {:#x} + {} out of bounds of {}-byte memory", what(), ptr,
                              bytes, memory_.size()));
    }
    return Ok();
  }

  template <typename Describe>
  Result<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                           Describe&& what) {
    FetchMemory();
    Result<uint32_t> ptr = cx_.Realloc(old_ptr, old_size, align, new_size);
    if (!ptr) return ptr.error().Wrap(what());
    const size_t old_memory = memory_.size();
    memory_ = cx_.memory();
    if (memory_.size() < old_memory) {
      return Trap(fmt::format("{}: memory shrank from {} to {} bytes during realloc", what(),
                              old_memory, memory_.size()));
    }
    if ((*ptr & (align - 1)) != 0 || uint64_t{*ptr} + new_size > memory_.size()) {
      return Trap(fmt::format(
          "{}: realloc({:#x}, {}, {}, {}) returned {:#x}, not {}-byte aligned within {}-byte "
          "memory",
          what(), old_ptr, old_size, align, new_size, *ptr, align, memory_.size()));
    }
    return *ptr;
  }

  // `load`: ptr is aligned and [ptr, ptr + SizeOf(t)) in memory. Appends the value to `out`.
  Status Load(const ValType& t, uint32_t ptr, std::vector<Value>& out) {
    switch (t.kind) {
      case TypeKind::kBool:
        out.emplace_back(std::in_place_index<0>, Read<uint8_t>(ptr) != 0);
        return Ok();
      case TypeKind::kS8:
        return Append<1>(out, Read<int8_t>(ptr));
      case TypeKind::kU8:
        return Append<2>(out, Read<uint8_t>(ptr));
      case TypeKind::kS16:
        return Append<1>(out, Read<int16_t>(ptr));
      case TypeKind::kU16:
        return Append<2>(out, Read<uint16_t>(ptr));
      case TypeKind::kS32:
        return Append<1>(out, Read<int32_t>(ptr));
      case TypeKind::kU32:
        return Append<2>(out, Read<uint32_t>(ptr));
      case TypeKind::kS64:
        return Append<1>(out, Read<int64_t>(ptr));
      case TypeKind::kU64:
        return Append<2>(out, Read<uint64_t>(ptr));
      // NaN payloads pass through unchanged: the current spec keeps any NaN.
      case TypeKind::kF32:
        return Append<3>(out, Read<float>(ptr));
      case TypeKind::kF64:
        return Append<4>(out, Read<double>(ptr));
      case TypeKind::kChar:
        return LiftChar(t, ptr, Read<uint32_t>(ptr), out);
      case TypeKind::kString:
        return LoadString(t, ptr, Read<uint32_t>(ptr), Read<uint32_t>(ptr + 4), out);
      case TypeKind::kList:
        return LoadList(t, ptr, Read<uint32_t>(ptr), Read<uint32_t>(ptr + 4), out);
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        return LoadRecord(t, ptr, out);
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return LoadVariant(t, ptr, out);
      case TypeKind::kFlags:
        return LoadFlags(t, ptr, out);
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        return LiftHandle(t, ptr, Read<uint32_t>(ptr), out);
      case TypeKind::kErrorContext:
        return Unsupported(t);
    }
    return Unsupported(t);
  }

  // `store`: ptr is aligned and [ptr, ptr + SizeOf(t)) in memory.
  Status Store(const ValType& t, const Value& v, uint32_t ptr) {
    switch (t.kind) {
      case TypeKind::kBool: {
        const bool* b = As<bool>(v);
        if (!b) return Mismatch(t, v);
        Write<uint8_t>(ptr, *b ? 1 : 0);
        return Ok();
      }
      case TypeKind::kU8:
        return StoreUnsigned<uint8_t>(t, v, ptr);
      case TypeKind::kU16:
        return StoreUnsigned<uint16_t>(t, v, ptr);
      case TypeKind::kU32:
        return StoreUnsigned<uint32_t>(t, v, ptr);
      case TypeKind::kU64:
        return StoreUnsigned<uint64_t>(t, v, ptr);
      case TypeKind::kS8:
        return StoreSigned<int8_t>(t, v, ptr);
      case TypeKind::kS16:
        return StoreSigned<int16_t>(t, v, ptr);
      case TypeKind::kS32:
        return StoreSigned<int32_t>(t, v, ptr);
      case TypeKind::kS64:
        return StoreSigned<int64_t>(t, v, ptr);
      case TypeKind::kF32: {
        const float* f = As<float>(v);
        if (!f) return Mismatch(t, v);
        Write<float>(ptr, *f);
        return Ok();
      }
      case TypeKind::kF64: {
        const double* f = As<double>(v);
        if (!f) return Mismatch(t, v);
        Write<double>(ptr, *f);
        return Ok();
      }
      case TypeKind::kChar: {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t c, CharOf(t, v));
        Write<uint32_t>(ptr, c);
        return Ok();
      }
      case TypeKind::kString: {
        WCLOUD_ASSIGN_OR_RETURN(auto range, StoreStringRange(t, v));
        Write<uint32_t>(ptr, range.first);
        Write<uint32_t>(ptr + 4, range.second);
        return Ok();
      }
      case TypeKind::kList: {
        WCLOUD_ASSIGN_OR_RETURN(auto range, StoreListRange(t, v));
        Write<uint32_t>(ptr, range.first);
        Write<uint32_t>(ptr + 4, range.second);
        return Ok();
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple:
        return StoreRecord(t, v, ptr);
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return StoreVariant(t, v, ptr);
      case TypeKind::kFlags:
        return StoreFlags(t, v, ptr);
      case TypeKind::kOwn:
      case TypeKind::kBorrow: {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t handle, LowerHandle(t, v));
        Write<uint32_t>(ptr, handle);
        return Ok();
      }
      case TypeKind::kErrorContext:
        return Unsupported(t);
    }
    return Unsupported(t);
  }

  // `lift_flat`: appends the value to `out`.
  Status LiftFlat(const ValType& t, FlatReader& in, std::vector<Value>& out) {
    uint32_t i;
    switch (t.kind) {
      case TypeKind::kBool:
        if (!in.I32(&i)) return in.Failure();
        out.emplace_back(std::in_place_index<0>, i != 0);
        return Ok();
      case TypeKind::kS8:
        if (!in.I32(&i)) return in.Failure();
        return Append<1>(out, static_cast<int8_t>(i));
      case TypeKind::kU8:
        if (!in.I32(&i)) return in.Failure();
        return Append<2>(out, static_cast<uint8_t>(i));
      case TypeKind::kS16:
        if (!in.I32(&i)) return in.Failure();
        return Append<1>(out, static_cast<int16_t>(i));
      case TypeKind::kU16:
        if (!in.I32(&i)) return in.Failure();
        return Append<2>(out, static_cast<uint16_t>(i));
      case TypeKind::kS32:
        if (!in.I32(&i)) return in.Failure();
        return Append<1>(out, static_cast<int32_t>(i));
      case TypeKind::kU32:
        if (!in.I32(&i)) return in.Failure();
        return Append<2>(out, i);
      case TypeKind::kS64:
      case TypeKind::kU64: {
        uint64_t v;
        if (!in.I64(&v)) return in.Failure();
        if (t.kind == TypeKind::kS64) return Append<1>(out, static_cast<int64_t>(v));
        return Append<2>(out, v);
      }
      case TypeKind::kF32: {
        float f;
        if (!in.F32(&f)) return in.Failure();
        return Append<3>(out, f);
      }
      case TypeKind::kF64: {
        double f;
        if (!in.F64(&f)) return in.Failure();
        return Append<4>(out, f);
      }
      case TypeKind::kChar:
        if (!in.I32(&i)) return in.Failure();
        return LiftChar(t, kFlat, i, out);
      case TypeKind::kString:
      case TypeKind::kList: {
        uint32_t length;
        if (!in.I32(&i) || !in.I32(&length)) return in.Failure();
        if (t.kind == TypeKind::kString) return LoadString(t, kFlat, i, length, out);
        return LoadList(t, kFlat, i, length, out);
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        const size_t n = FieldCount(t);
        std::vector<Value>& items = out.emplace_back(std::in_place_index<7>).items();
        items.reserve(n);
        for (size_t f = 0; f < n; ++f) {
          Status s = LiftFlat(FieldType(t, f), in, items);
          if (!s) return s.error().Wrap(FieldLabel(t, f));
        }
        return Ok();
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return LiftFlatVariant(t, in, out);
      case TypeKind::kFlags: {
        uint64_t bits = 0;
        for (size_t w = 0, n = FlagWords(t.labels.size()); w < n; ++w) {
          if (!in.I32(&i)) return in.Failure();
          if (w < 2) bits |= uint64_t{i} << (32 * w);
        }
        return Append<2>(out, bits & FlagsMask(t.labels.size()));
      }
      case TypeKind::kOwn:
      case TypeKind::kBorrow:
        if (!in.I32(&i)) return in.Failure();
        return LiftHandle(t, kFlat, i, out);
      case TypeKind::kErrorContext:
        return Unsupported(t);
    }
    return Unsupported(t);
  }

  // `lower_flat`.
  Status LowerFlat(const ValType& t, const Value& v, FlatValues& out) {
    switch (t.kind) {
      case TypeKind::kBool: {
        const bool* b = As<bool>(v);
        if (!b) return Mismatch(t, v);
        out.push_back(wasm::Val::I32(*b ? 1 : 0));
        return Ok();
      }
      case TypeKind::kU8:
        return LowerUnsigned(t, v, 0xFF, out);
      case TypeKind::kU16:
        return LowerUnsigned(t, v, 0xFFFF, out);
      case TypeKind::kU32:
        return LowerUnsigned(t, v, 0xFFFFFFFF, out);
      case TypeKind::kU64: {
        WCLOUD_ASSIGN_OR_RETURN(uint64_t u, UnsignedOf(t, v, ~uint64_t{0}));
        out.push_back(wasm::Val::I64(u));
        return Ok();
      }
      case TypeKind::kS8:
        return LowerSigned(t, v, INT8_MIN, INT8_MAX, out);
      case TypeKind::kS16:
        return LowerSigned(t, v, INT16_MIN, INT16_MAX, out);
      case TypeKind::kS32:
        return LowerSigned(t, v, INT32_MIN, INT32_MAX, out);
      case TypeKind::kS64: {
        WCLOUD_ASSIGN_OR_RETURN(int64_t s, SignedOf(t, v, INT64_MIN, INT64_MAX));
        out.push_back(wasm::Val::I64(static_cast<uint64_t>(s)));
        return Ok();
      }
      case TypeKind::kF32: {
        const float* f = As<float>(v);
        if (!f) return Mismatch(t, v);
        out.push_back(wasm::Val::F32(*f));
        return Ok();
      }
      case TypeKind::kF64: {
        const double* f = As<double>(v);
        if (!f) return Mismatch(t, v);
        out.push_back(wasm::Val::F64(*f));
        return Ok();
      }
      case TypeKind::kChar: {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t c, CharOf(t, v));
        out.push_back(wasm::Val::I32(c));
        return Ok();
      }
      case TypeKind::kString:
      case TypeKind::kList: {
        std::pair<uint32_t, uint32_t> range;
        if (t.kind == TypeKind::kString) {
          WCLOUD_ASSIGN_OR_RETURN(range, StoreStringRange(t, v));
        } else {
          WCLOUD_ASSIGN_OR_RETURN(range, StoreListRange(t, v));
        }
        out.push_back(wasm::Val::I32(range.first));
        out.push_back(wasm::Val::I32(range.second));
        return Ok();
      }
      case TypeKind::kRecord:
      case TypeKind::kTuple: {
        const auto* items = As<std::vector<Value>>(v);
        const size_t n = FieldCount(t);
        if (!items) return Mismatch(t, v);
        if (items->size() != n) return ArityMismatch(t, items->size());
        for (size_t i = 0; i < n; ++i) {
          Status s = LowerFlat(FieldType(t, i), (*items)[i], out);
          if (!s) return s.error().Wrap(FieldLabel(t, i));
        }
        return Ok();
      }
      case TypeKind::kVariant:
      case TypeKind::kEnum:
      case TypeKind::kOption:
      case TypeKind::kResult:
        return LowerFlatVariant(t, v, out);
      case TypeKind::kFlags: {
        WCLOUD_ASSIGN_OR_RETURN(uint64_t bits, UnsignedOf(t, v, ~uint64_t{0}));
        bits &= FlagsMask(t.labels.size());
        for (size_t w = 0, n = FlagWords(t.labels.size()); w < n; ++w) {
          out.push_back(wasm::Val::I32(w < 2 ? static_cast<uint32_t>(bits >> (32 * w)) : 0));
        }
        return Ok();
      }
      case TypeKind::kOwn:
      case TypeKind::kBorrow: {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t handle, LowerHandle(t, v));
        out.push_back(wasm::Val::I32(handle));
        return Ok();
      }
      case TypeKind::kErrorContext:
        return Unsupported(t);
    }
    return Unsupported(t);
  }

 private:
  void FetchMemory() {
    if (!memory_fetched_) {
      memory_ = cx_.memory();
      memory_fetched_ = true;
    }
  }

  // A lifted scalar, built in place at the end of `out`.
  template <size_t I, typename T>
  static Status Append(std::vector<Value>& out, T v) {
    out.emplace_back(std::in_place_index<I>, v);
    return Ok();
  }

  template <typename T>
  T Read(uint32_t ptr) const {
    T v;
    std::memcpy(&v, memory_.data() + ptr, sizeof v);
    return v;
  }
  template <typename T>
  void Write(uint32_t ptr, T v) {
    std::memcpy(memory_.data() + ptr, &v, sizeof v);
  }

  template <typename T>
  Status StoreUnsigned(const ValType& t, const Value& v, uint32_t ptr) {
    WCLOUD_ASSIGN_OR_RETURN(uint64_t u, UnsignedOf(t, v, std::numeric_limits<T>::max()));
    Write<T>(ptr, static_cast<T>(u));
    return Ok();
  }
  template <typename T>
  Status StoreSigned(const ValType& t, const Value& v, uint32_t ptr) {
    WCLOUD_ASSIGN_OR_RETURN(
        int64_t s, SignedOf(t, v, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
    Write<T>(ptr, static_cast<T>(s));
    return Ok();
  }
  Status LowerUnsigned(const ValType& t, const Value& v, uint64_t max, FlatValues& out) {
    WCLOUD_ASSIGN_OR_RETURN(uint64_t u, UnsignedOf(t, v, max));
    out.push_back(wasm::Val::I32(static_cast<uint32_t>(u)));
    return Ok();
  }
  Status LowerSigned(const ValType& t, const Value& v, int64_t min, int64_t max, FlatValues& out) {
    WCLOUD_ASSIGN_OR_RETURN(int64_t s, SignedOf(t, v, min, max));
    out.push_back(wasm::Val::I32(static_cast<uint32_t>(static_cast<int32_t>(s))));
    return Ok();
  }

  static Error ArityMismatch(const ValType& t, size_t have) {
    return HostValueError(
        fmt::format("{}: expected {} fields, got {}", TypeName(t), FieldCount(t), have));
  }

  Status LiftChar(const ValType& t, int64_t at, uint32_t c, std::vector<Value>& out) const {
    if (!IsScalarValue(c)) {
      return Trap(fmt::format("{}: {:#x} is not a Unicode scalar value", Where(t, at), c));
    }
    return Append<2>(out, c);
  }

  Status LiftHandle(const ValType& t, int64_t at, uint32_t handle, std::vector<Value>& out) {
    if (!t.resource) return Trap(Where(t, at) + ": handle type names no resource");
    Result<ResourceValue> r = t.kind == TypeKind::kOwn ? cx_.LiftOwn(*t.resource, handle)
                                                       : cx_.LiftBorrow(*t.resource, handle);
    if (!r) return r.error().Wrap(fmt::format("{} handle {}", Where(t, at), handle));
    return Append<9>(out, *r);
  }

  Result<uint32_t> LowerHandle(const ValType& t, const Value& v) {
    const ResourceValue* r = As<ResourceValue>(v);
    if (!r) return Mismatch(t, v);
    if (!t.resource) return HostValueError(TypeName(t) + ": handle type names no resource");
    Result<uint32_t> handle =
        t.kind == TypeKind::kOwn ? cx_.LowerOwn(*t.resource, *r) : cx_.LowerBorrow(*t.resource, *r);
    if (!handle) return handle.error().Wrap(TypeName(t));
    return *handle;
  }

  // `load_string_from_range`.
  Status LoadString(const ValType& t, int64_t at, uint32_t begin, uint32_t tagged,
                    std::vector<Value>& out) {
    enum class Source { kUtf8, kUtf16, kLatin1 } source = Source::kUtf8;
    uint64_t bytes = tagged;
    uint32_t align = 1;
    switch (cx_.string_encoding()) {
      case StringEncoding::kUtf8:
        break;
      case StringEncoding::kUtf16:
        source = Source::kUtf16;
        bytes = 2 * uint64_t{tagged};
        align = 2;
        break;
      case StringEncoding::kLatin1Utf16:
        align = 2;
        if ((tagged & kUtf16Tag) != 0) {
          source = Source::kUtf16;
          bytes = 2 * uint64_t{tagged ^ kUtf16Tag};
        } else {
          source = Source::kLatin1;
        }
        break;
    }
    WCLOUD_TRY_STATUS(CheckRange(begin, bytes, align, [&] { return Where(t, at); }));
    const std::span<const uint8_t> data(memory_.data() + begin, bytes);
    switch (source) {
      case Source::kUtf8:
        if (std::optional<size_t> bad = FindInvalidUtf8(data)) {
          return Trap(fmt::format("{}: invalid UTF-8 at byte {} of the {} bytes at {:#x}",
                                  Where(t, at), *bad, bytes, begin));
        }
        out.emplace_back(std::in_place_index<5>, reinterpret_cast<const char*>(data.data()), bytes);
        return Ok();
      case Source::kUtf16: {
        Result<std::string> s = Utf16LeToUtf8(data);
        if (!s) {
          return Trap(fmt::format("{}: invalid UTF-16 at {:#x}: {}", Where(t, at), begin,
                                  s.error().message()));
        }
        out.emplace_back(std::in_place_index<5>, std::move(*s));
        return Ok();
      }
      case Source::kLatin1:
        out.emplace_back(std::in_place_index<5>, Latin1ToUtf8(data));
        return Ok();
    }
    return Unsupported(t);
  }

  // `load_list_from_range`.
  Status LoadList(const ValType& t, int64_t at, uint32_t begin, uint32_t length,
                  std::vector<Value>& out) {
    const ValType& element = *t.element;
    const uint32_t size = SizeOf(element);
    const uint64_t bytes = uint64_t{length} * size;
    WCLOUD_TRY_STATUS(CheckRange(begin, bytes, AlignmentOf(element), [&] { return Where(t, at); }));
    if (element.kind == TypeKind::kU8) {
      out.emplace_back(std::in_place_index<6>, memory_.data() + begin,
                       memory_.data() + begin + bytes);
      return Ok();
    }
    // Zero-sized elements take no memory; bound their count by it anyway, so a guest cannot make
    // the host build billions of values.
    if (size == 0 && length > memory_.size()) {
      return Trap(fmt::format("{}: {} zero-sized elements exceed the {}-byte memory", Where(t, at),
                              length, memory_.size()));
    }
    std::vector<Value>& items = out.emplace_back(std::in_place_index<7>).items();
    items.reserve(length);
    for (uint32_t i = 0; i < length; ++i) {
      Status s = Load(element, begin + i * size, items);
      if (!s) return s.error().Wrap(fmt::format("element {}", i));
    }
    return Ok();
  }

  Status LoadRecord(const ValType& t, uint32_t ptr, std::vector<Value>& out) {
    const size_t n = FieldCount(t);
    std::vector<Value>& items = out.emplace_back(std::in_place_index<7>).items();
    items.reserve(n);
    uint64_t offset = ptr;
    for (size_t i = 0; i < n; ++i) {
      const ValType& field = FieldType(t, i);
      offset = AlignUp(offset, AlignmentOf(field));
      Status s = Load(field, static_cast<uint32_t>(offset), items);
      if (!s) return s.error().Wrap(FieldLabel(t, i));
      offset += SizeOf(field);
    }
    return Ok();
  }

  Status LoadVariant(const ValType& t, uint32_t ptr, std::vector<Value>& out) {
    const size_t n = CaseCount(t);
    uint32_t index;
    switch (DiscriminantSize(n)) {
      case 1:
        index = Read<uint8_t>(ptr);
        break;
      case 2:
        index = Read<uint16_t>(ptr);
        break;
      default:
        index = Read<uint32_t>(ptr);
        break;
    }
    if (index >= n) {
      return Trap(
          fmt::format("{}: case index {} out of range for {} cases", Where(t, ptr), index, n));
    }
    CaseValue& c = out.emplace_back(std::in_place_index<8>, CaseValue{index, {}}).as_case();
    const ValType* payload = CasePayload(t, index);
    if (!payload) return Ok();
    c.payload.reserve(1);
    Status s = Load(*payload, ptr + PayloadOffset(t), c.payload);
    if (!s) return s.error().Wrap(CaseLabel(t, index));
    return Ok();
  }

  Status LoadFlags(const ValType& t, uint32_t ptr, std::vector<Value>& out) {
    const size_t n = t.labels.size();
    uint64_t bits = 0;
    switch (FlagsSize(n)) {
      case 0:
        break;
      case 1:
        bits = Read<uint8_t>(ptr);
        break;
      case 2:
        bits = Read<uint16_t>(ptr);
        break;
      default:
        bits = Read<uint32_t>(ptr);
        if (FlagWords(n) > 1) bits |= uint64_t{Read<uint32_t>(ptr + 4)} << 32;
        break;
    }
    return Append<2>(out, bits & FlagsMask(n));
  }

  // `store_string_into_range`, from the host's UTF-8. Returns (pointer, tagged code units).
  Result<std::pair<uint32_t, uint32_t>> StoreStringRange(const ValType& t, const Value& v) {
    const std::string* s = As<std::string>(v);
    if (!s) return Mismatch(t, v);
    const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(s->data()), s->size());
    if (std::optional<size_t> bad = FindInvalidUtf8(bytes)) {
      return HostValueError(fmt::format("string value is not UTF-8 (byte {})", *bad));
    }
    if (s->size() > kMaxStringByteLength) {
      return Trap(fmt::format("string of {} bytes exceeds the {}-byte limit", s->size(),
                              kMaxStringByteLength));
    }
    switch (cx_.string_encoding()) {
      case StringEncoding::kUtf8:
        return StoreUtf8(*s);
      case StringEncoding::kUtf16:
        return StoreUtf16(*s);
      case StringEncoding::kLatin1Utf16:
        return StoreLatin1OrUtf16(*s);
    }
    return Unsupported(t);
  }

  static std::string StringWhat() { return "string"; }

  Result<std::pair<uint32_t, uint32_t>> StoreUtf8(const std::string& s) {
    const auto size = static_cast<uint32_t>(s.size());
    WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, Realloc(0, 0, 1, size, StringWhat));
    if (size > 0) std::memcpy(memory_.data() + ptr, s.data(), size);
    return std::pair{ptr, size};
  }

  // `store_utf8_to_utf16`: allocate for the worst case (one code unit per UTF-8 byte), then
  // shrink.
  Result<std::pair<uint32_t, uint32_t>> StoreUtf16(const std::string& s) {
    const uint64_t worst = 2 * uint64_t{s.size()};
    if (worst > kMaxStringByteLength) {
      return Trap(fmt::format("string of {} UTF-16 bytes exceeds the {}-byte limit", worst,
                              kMaxStringByteLength));
    }
    const auto worst32 = static_cast<uint32_t>(worst);
    WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, Realloc(0, 0, 2, worst32, StringWhat));
    const auto units = static_cast<uint32_t>(Utf8ToUtf16Le(s, memory_.data() + ptr));
    if (2 * units < worst32) {
      WCLOUD_ASSIGN_OR_RETURN(ptr, Realloc(ptr, worst32, 2, 2 * units, StringWhat));
    }
    return std::pair{ptr, units};
  }

  // `store_string_to_latin1_or_utf16`: Latin-1 while every code point fits a byte; at the first
  // that does not, widen what was written to UTF-16 in place and continue in UTF-16, tagging the
  // length.
  Result<std::pair<uint32_t, uint32_t>> StoreLatin1OrUtf16(const std::string& s) {
    const auto src_size = static_cast<uint32_t>(s.size());
    WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, Realloc(0, 0, 2, src_size, StringWhat));
    uint32_t latin1 = 0;
    size_t pos = 0;
    while (pos < s.size()) {
      const size_t at = pos;
      const char32_t c = NextCodePoint(s, &pos);
      if (c < 0x100) {
        memory_[ptr + latin1++] = static_cast<uint8_t>(c);
        continue;
      }
      const uint64_t worst = 2 * uint64_t{src_size};
      if (worst > kMaxStringByteLength) {
        return Trap(fmt::format("string of {} UTF-16 bytes exceeds the {}-byte limit", worst,
                                kMaxStringByteLength));
      }
      const auto worst32 = static_cast<uint32_t>(worst);
      WCLOUD_ASSIGN_OR_RETURN(ptr, Realloc(ptr, src_size, 2, worst32, StringWhat));
      uint8_t* m = memory_.data() + ptr;
      for (uint32_t j = latin1; j-- > 0;) {
        m[2 * j] = m[j];
        m[2 * j + 1] = 0;
      }
      const auto units = static_cast<uint32_t>(
          latin1 + Utf8ToUtf16Le(std::string_view(s).substr(at), m + 2 * latin1));
      if (2 * units < worst32) {
        WCLOUD_ASSIGN_OR_RETURN(ptr, Realloc(ptr, worst32, 2, 2 * units, StringWhat));
      }
      return std::pair{ptr, units | kUtf16Tag};
    }
    if (latin1 < src_size) {
      WCLOUD_ASSIGN_OR_RETURN(ptr, Realloc(ptr, src_size, 2, latin1, StringWhat));
    }
    return std::pair{ptr, latin1};
  }

  // `store_list_into_range`. Returns (pointer, length).
  Result<std::pair<uint32_t, uint32_t>> StoreListRange(const ValType& t, const Value& v) {
    const ValType& element = *t.element;
    auto what = [&] { return TypeName(t); };
    if (const auto* bytes = As<std::vector<uint8_t>>(v)) {
      if (element.kind != TypeKind::kU8) return Mismatch(t, v);
      if (bytes->size() > kMaxListByteLength) {
        return Trap(fmt::format("{}: {} bytes exceed 4 GiB", TypeName(t), bytes->size()));
      }
      const auto size = static_cast<uint32_t>(bytes->size());
      WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, Realloc(0, 0, 1, size, what));
      if (size > 0) std::memcpy(memory_.data() + ptr, bytes->data(), size);
      return std::pair{ptr, size};
    }
    const auto* items = As<std::vector<Value>>(v);
    if (!items) return Mismatch(t, v);
    const uint32_t size = SizeOf(element);
    const uint64_t length = items->size();
    // Both factors are below 2^32, so the product cannot overflow 64 bits.
    if (length > kMaxListByteLength || length * size > kMaxListByteLength) {
      return Trap(
          fmt::format("{}: {} elements of {} bytes exceed 4 GiB", TypeName(t), length, size));
    }
    const auto bytes = static_cast<uint32_t>(length * size);
    WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, Realloc(0, 0, AlignmentOf(element), bytes, what));
    for (uint32_t i = 0; i < length; ++i) {
      Status s = Store(element, (*items)[i], ptr + i * size);
      if (!s) return s.error().Wrap(fmt::format("element {}", i));
    }
    return std::pair{ptr, static_cast<uint32_t>(length)};
  }

  Status StoreRecord(const ValType& t, const Value& v, uint32_t ptr) {
    const auto* items = As<std::vector<Value>>(v);
    const size_t n = FieldCount(t);
    if (!items) return Mismatch(t, v);
    if (items->size() != n) return ArityMismatch(t, items->size());
    uint64_t offset = ptr;
    for (size_t i = 0; i < n; ++i) {
      const ValType& field = FieldType(t, i);
      offset = AlignUp(offset, AlignmentOf(field));
      Status s = Store(field, (*items)[i], static_cast<uint32_t>(offset));
      if (!s) return s.error().Wrap(FieldLabel(t, i));
      offset += SizeOf(field);
    }
    return Ok();
  }

  Status StoreVariant(const ValType& t, const Value& v, uint32_t ptr) {
    WCLOUD_ASSIGN_OR_RETURN(const ValType* payload, CheckCase(t, v));
    const CaseValue& c = v.as_case();
    switch (DiscriminantSize(CaseCount(t))) {
      case 1:
        Write<uint8_t>(ptr, static_cast<uint8_t>(c.index));
        break;
      case 2:
        Write<uint16_t>(ptr, static_cast<uint16_t>(c.index));
        break;
      default:
        Write<uint32_t>(ptr, c.index);
        break;
    }
    if (!payload) return Ok();
    Status s = Store(*payload, c.payload[0], ptr + PayloadOffset(t));
    if (!s) return s.error().Wrap(CaseLabel(t, c.index));
    return Ok();
  }

  Status StoreFlags(const ValType& t, const Value& v, uint32_t ptr) {
    WCLOUD_ASSIGN_OR_RETURN(uint64_t bits, UnsignedOf(t, v, ~uint64_t{0}));
    const size_t n = t.labels.size();
    bits &= FlagsMask(n);
    switch (FlagsSize(n)) {
      case 0:
        break;
      case 1:
        Write<uint8_t>(ptr, static_cast<uint8_t>(bits));
        break;
      case 2:
        Write<uint16_t>(ptr, static_cast<uint16_t>(bits));
        break;
      default:
        for (size_t w = 0, words = FlagWords(n); w < words; ++w) {
          Write<uint32_t>(ptr + 4 * w, w < 2 ? static_cast<uint32_t>(bits >> (32 * w)) : 0);
        }
        break;
    }
    return Ok();
  }

  Status LiftFlatVariant(const ValType& t, FlatReader& in, std::vector<Value>& out) {
    uint32_t index;
    if (!in.I32(&index)) return in.Failure();
    const size_t n = CaseCount(t);
    if (index >= n) {
      return Trap(
          fmt::format("{}: case index {} out of range for {} cases", TypeName(t), index, n));
    }
    const size_t slots = FlatCount(t) - 1;
    const size_t start = in.position();
    CaseValue& c = out.emplace_back(std::in_place_index<8>, CaseValue{index, {}}).as_case();
    if (const ValType* payload = CasePayload(t, index)) {
      c.payload.reserve(1);
      Status s = LiftFlat(*payload, in, c.payload);
      if (!s) return s.error().Wrap(CaseLabel(t, index));
    }
    return in.Skip(slots - (in.position() - start));
  }

  Status LowerFlatVariant(const ValType& t, const Value& v, FlatValues& out) {
    WCLOUD_ASSIGN_OR_RETURN(const ValType* payload, CheckCase(t, v));
    const CaseValue& c = v.as_case();
    FlatTypes flat;  // [discriminant, joined payload slots...]
    FlattenInto(t, flat);
    out.push_back(wasm::Val::I32(c.index));
    const size_t start = out.size();
    if (payload) {
      Status s = LowerFlat(*payload, c.payload[0], out);
      if (!s) return s.error().Wrap(CaseLabel(t, c.index));
    }
    const size_t used = out.size() - start;
    for (size_t i = 0; i < used; ++i) out[start + i] = CoerceToJoined(out[start + i], flat[1 + i]);
    for (size_t i = used + 1; i < flat.size(); ++i) out.push_back(ZeroOf(flat[i]));
    return Ok();
  }

  LiftLowerContext& cx_;
  std::span<uint8_t> memory_;
  bool memory_fetched_ = false;
};

// Params and results spilled to memory are a tuple of their types; loaded ones are appended to
// `values`.
Status LoadTuple(Codec& codec, const std::vector<Field>& fields,
                 const FlatSignature::TupleLayout& layout, uint32_t ptr, std::string_view what,
                 std::string_view label, std::vector<Value>& values) {
  WCLOUD_TRY_STATUS(codec.CheckRange(ptr, layout.size, layout.align,
                                     [&] { return fmt::format("{} at {:#x}", what, ptr); }));
  values.reserve(values.size() + fields.size());
  uint64_t offset = ptr;
  for (size_t i = 0; i < fields.size(); ++i) {
    const ValType& t = *fields[i].type;
    offset = AlignUp(offset, AlignmentOf(t));
    Status s = codec.Load(t, static_cast<uint32_t>(offset), values);
    if (!s) return s.error().Wrap(ParamLabel(label, fields, i));
    offset += SizeOf(t);
  }
  return Ok();
}

// [ptr, ptr + TupleSize(fields)) has been checked.
Status StoreTuple(Codec& codec, const std::vector<Field>& fields, std::span<const Value> values,
                  uint32_t ptr, std::string_view what) {
  uint64_t offset = ptr;
  for (size_t i = 0; i < fields.size(); ++i) {
    const ValType& t = *fields[i].type;
    offset = AlignUp(offset, AlignmentOf(t));
    Status s = codec.Store(t, values[i], static_cast<uint32_t>(offset));
    if (!s) return s.error().Wrap(ParamLabel(what, fields, i));
    offset += SizeOf(t);
  }
  return Ok();
}

// Appends to `values`.
Status LiftFlatAll(Codec& codec, const std::vector<Field>& fields, FlatReader& in,
                   std::string_view what, std::vector<Value>& values) {
  values.reserve(values.size() + fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    Status s = codec.LiftFlat(*fields[i].type, in, values);
    if (!s) return s.error().Wrap(ParamLabel(what, fields, i));
  }
  return Ok();
}

Status LowerFlatAll(Codec& codec, const std::vector<Field>& fields, std::span<const Value> values,
                    FlatValues& out, std::string_view what) {
  for (size_t i = 0; i < fields.size(); ++i) {
    Status s = codec.LowerFlat(*fields[i].type, values[i], out);
    if (!s) return s.error().Wrap(ParamLabel(what, fields, i));
  }
  return Ok();
}

// Callers compare the counts themselves: only a mismatch calls this.
Error CountMismatch(std::string_view what, size_t have, size_t want) {
  return HostValueError(fmt::format("expected {} {}, got {}", want, what, have));
}

}  // namespace

namespace {

uint32_t ComputeAlignment(const ValType& type) {
  switch (type.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
      return 1;
    case TypeKind::kS16:
    case TypeKind::kU16:
      return 2;
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kF32:
    case TypeKind::kChar:
    case TypeKind::kString:
    case TypeKind::kList:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kErrorContext:
      return 4;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64:
      return 8;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint32_t a = 1;
      for (size_t i = 0, n = FieldCount(type); i < n; ++i) {
        a = std::max(a, AlignmentOf(FieldType(type, i)));
      }
      return a;
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult:
      return std::max(DiscriminantSize(CaseCount(type)), MaxCaseAlignment(type));
    case TypeKind::kFlags: {
      const size_t n = type.labels.size();
      return n <= 8 ? 1 : n <= 16 ? 2 : 4;
    }
  }
  return 1;
}

uint32_t ComputeSize(const ValType& type) {
  switch (type.kind) {
    case TypeKind::kBool:
    case TypeKind::kS8:
    case TypeKind::kU8:
      return 1;
    case TypeKind::kS16:
    case TypeKind::kU16:
      return 2;
    case TypeKind::kS32:
    case TypeKind::kU32:
    case TypeKind::kF32:
    case TypeKind::kChar:
    case TypeKind::kOwn:
    case TypeKind::kBorrow:
    case TypeKind::kErrorContext:
      return 4;
    case TypeKind::kS64:
    case TypeKind::kU64:
    case TypeKind::kF64:
    case TypeKind::kString:
    case TypeKind::kList:
      return 8;
    case TypeKind::kRecord:
    case TypeKind::kTuple: {
      uint64_t s = 0;
      for (size_t i = 0, n = FieldCount(type); i < n; ++i) {
        const ValType& field = FieldType(type, i);
        s = AlignUp(s, AlignmentOf(field)) + SizeOf(field);
      }
      return static_cast<uint32_t>(AlignUp(s, AlignmentOf(type)));
    }
    case TypeKind::kVariant:
    case TypeKind::kEnum:
    case TypeKind::kOption:
    case TypeKind::kResult:
      return static_cast<uint32_t>(
          AlignUp(uint64_t{PayloadOffset(type)} + MaxCaseSize(type), AlignmentOf(type)));
    case TypeKind::kFlags:
      return FlagsSize(type.labels.size());
  }
  return 0;
}

}  // namespace

uint32_t AlignmentOf(const ValType& type) {
  if (uint32_t cached = type.layout.align_plus_one()) return cached - 1;
  const uint32_t a = ComputeAlignment(type);
  type.layout.set_align(a);
  return a;
}

uint32_t SizeOf(const ValType& type) {
  if (uint32_t cached = type.layout.size_plus_one()) return cached - 1;
  const uint32_t s = ComputeSize(type);
  type.layout.set_size(s);
  return s;
}

void Flatten(const ValType& type, std::vector<wasm::ValType>& out) { FlattenInto(type, out); }

wasm::FuncType FlattenFuncType(const FuncType& type, bool lower) {
  wasm::FuncType core;
  for (const Field& p : type.params) Flatten(*p.type, core.params);
  if (core.params.size() > kMaxFlatParams) core.params.assign(1, wasm::ValType::kI32);
  for (const Field& r : type.results) Flatten(*r.type, core.results);
  if (core.results.size() > kMaxFlatResults) {
    core.results.clear();
    if (lower) {
      core.params.push_back(wasm::ValType::kI32);
    } else {
      core.results.push_back(wasm::ValType::kI32);
    }
  }
  return core;
}

Result<Value> Load(LiftLowerContext& cx, const ValType& type, uint32_t ptr) {
  Codec codec(cx);
  WCLOUD_TRY_STATUS(
      codec.CheckRange(ptr, SizeOf(type), AlignmentOf(type), [&] { return TypeName(type); }));
  std::vector<Value> out;
  WCLOUD_TRY_STATUS(codec.Load(type, ptr, out));
  return std::move(out[0]);
}

Status Store(LiftLowerContext& cx, const ValType& type, const Value& value, uint32_t ptr) {
  Codec codec(cx);
  WCLOUD_TRY_STATUS(
      codec.CheckRange(ptr, SizeOf(type), AlignmentOf(type), [&] { return TypeName(type); }));
  return codec.Store(type, value, ptr);
}

Result<Value> LiftFlat(LiftLowerContext& cx, const ValType& type, std::span<const wasm::Val> values,
                       size_t* pos) {
  Codec codec(cx);
  FlatReader in(values, pos);
  std::vector<Value> out;
  WCLOUD_TRY_STATUS(codec.LiftFlat(type, in, out));
  return std::move(out[0]);
}

Status LowerFlat(LiftLowerContext& cx, const ValType& type, const Value& value,
                 std::vector<wasm::Val>& out) {
  Codec codec(cx);
  FlatValues flat;
  WCLOUD_TRY_STATUS(codec.LowerFlat(type, value, flat));
  out.insert(out.end(), flat.begin(), flat.end());
  return Ok();
}

FlatSignature::FlatSignature(const FuncType& type)
    : type_(&type), flat_params_(FlatCount(type.params)), flat_results_(FlatCount(type.results)) {
  if (params_in_memory()) params_tuple_ = {TupleSize(type.params), TupleAlignment(type.params)};
  if (results_in_memory()) {
    results_tuple_ = {TupleSize(type.results), TupleAlignment(type.results)};
  }
}

Status LiftImportArgs(LiftLowerContext& cx, const FlatSignature& signature,
                      std::span<const wasm::Val> core_args, std::vector<Value>& args,
                      std::optional<uint32_t>* return_pointer) {
  const FuncType& type = signature.type();
  const bool spilled = signature.params_in_memory();
  const bool has_return_pointer = signature.results_in_memory();
  args.clear();
  const size_t want = (spilled ? 1 : signature.flat_params()) + (has_return_pointer ? 1 : 0);
  if (core_args.size() != want) return CountMismatch("core arguments", core_args.size(), want);
  Codec codec(cx);
  size_t pos = 0;
  FlatReader in(core_args, &pos);
  if (spilled) {
    uint32_t ptr;
    if (!in.I32(&ptr)) return in.Failure();
    WCLOUD_TRY_STATUS(LoadTuple(codec, type.params, signature.params_tuple(), ptr, "parameters",
                                "parameter", args));
  } else {
    WCLOUD_TRY_STATUS(LiftFlatAll(codec, type.params, in, "parameter", args));
  }
  if (!has_return_pointer) {
    if (return_pointer) *return_pointer = std::nullopt;
    return Ok();
  }
  uint32_t retptr;
  if (!in.I32(&retptr)) return in.Failure();
  if (return_pointer) *return_pointer = retptr;
  return Ok();
}

Status LowerImportResults(LiftLowerContext& cx, const FlatSignature& signature,
                          std::span<const Value> results, std::optional<uint32_t> return_pointer,
                          FlatValues& out) {
  const FuncType& type = signature.type();
  out.clear();
  if (results.size() != type.results.size()) {
    return CountMismatch("results", results.size(), type.results.size());
  }
  Codec codec(cx);
  if (signature.results_in_memory()) {
    if (!return_pointer) {
      return HostValueError("results are returned through memory, but no return pointer is given");
    }
    const uint32_t ptr = *return_pointer;
    const FlatSignature::TupleLayout& layout = signature.results_tuple();
    WCLOUD_TRY_STATUS(codec.CheckRange(ptr, layout.size, layout.align,
                                       [&] { return fmt::format("return pointer {:#x}", ptr); }));
    return StoreTuple(codec, type.results, results, ptr, "result");
  }
  return LowerFlatAll(codec, type.results, results, out, "result");
}

Status LowerExportArgs(LiftLowerContext& cx, const FlatSignature& signature,
                       std::span<const Value> args, FlatValues& out) {
  const FuncType& type = signature.type();
  out.clear();
  if (args.size() != type.params.size()) {
    return CountMismatch("arguments", args.size(), type.params.size());
  }
  Codec codec(cx);
  if (signature.params_in_memory()) {
    const FlatSignature::TupleLayout& layout = signature.params_tuple();
    WCLOUD_ASSIGN_OR_RETURN(uint32_t ptr, codec.Realloc(0, 0, layout.align, layout.size,
                                                        [] { return std::string("parameters"); }));
    WCLOUD_TRY_STATUS(StoreTuple(codec, type.params, args, ptr, "parameter"));
    out.push_back(wasm::Val::I32(ptr));
    return Ok();
  }
  return LowerFlatAll(codec, type.params, args, out, "parameter");
}

Result<std::vector<Value>> LiftExportResults(LiftLowerContext& cx, const FlatSignature& signature,
                                             std::span<const wasm::Val> core_results) {
  const FuncType& type = signature.type();
  const bool spilled = signature.results_in_memory();
  const size_t want = spilled ? 1 : signature.flat_results();
  if (core_results.size() != want) return CountMismatch("core results", core_results.size(), want);
  Codec codec(cx);
  size_t pos = 0;
  FlatReader in(core_results, &pos);
  std::vector<Value> results;
  if (spilled) {
    uint32_t ptr;
    if (!in.I32(&ptr)) return in.Failure();
    WCLOUD_TRY_STATUS(LoadTuple(codec, type.results, signature.results_tuple(), ptr, "results",
                                "result", results));
  } else {
    WCLOUD_TRY_STATUS(LiftFlatAll(codec, type.results, in, "result", results));
  }
  return results;
}

}  // namespace wcloud::component
