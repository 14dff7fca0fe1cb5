#include "wasm/module_info.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "util/leb128.h"
#include "util/utf8.h"
#include "wasm/binary_format.h"

namespace wcloud::wasm {
namespace {

constexpr uint8_t kCodeI32 = 0x7f;
constexpr uint8_t kCodeI64 = 0x7e;
constexpr uint8_t kCodeF32 = 0x7d;
constexpr uint8_t kCodeF64 = 0x7c;
constexpr uint8_t kCodeV128 = 0x7b;
constexpr uint8_t kCodeFuncRef = 0x70;
constexpr uint8_t kCodeExternRef = 0x6f;

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%02x", v);
  return buf;
}

// A bounded cursor over [pos, end) of the module bytes; every read checks the bound.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, size_t pos, size_t end, const char* section)
      : bytes_(bytes), pos_(pos), end_(end), section_(section) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= end_; }

  Error Fail(std::string_view what) const {
    return Error("malformed module at byte offset " + std::to_string(pos_) + " (" + section_ +
                     " section): " + std::string(what),
                 ErrorCode::kInvalidArgument);
  }

  Result<uint8_t> Byte() {
    if (pos_ >= end_) return Fail("unexpected end");
    return bytes_[pos_++];
  }

  Result<uint64_t> Unsigned(int bits) {
    return Leb(ReadLeb128(bytes_.data() + pos_, bytes_.data() + end_, bits));
  }
  Result<uint32_t> U32() {
    WCLOUD_ASSIGN_OR_RETURN(uint64_t v, Unsigned(32));
    return static_cast<uint32_t>(v);
  }

  // Skips a signed LEB128 of at most `bits` bits (constant-expression immediates).
  Status SkipSigned(int bits) {
    WCLOUD_TRY_STATUS(Leb(SkipLeb128(bytes_.data() + pos_, bytes_.data() + end_, bits)));
    return Ok();
  }

  void SkipRest() { pos_ = end_; }

  Status Skip(size_t n) {
    if (end_ - pos_ < n) return Fail("unexpected end");
    pos_ += n;
    return Ok();
  }

  // A vector count, bounded by the bytes left so a bogus count cannot reserve gigabytes.
  Result<uint32_t> Count() {
    WCLOUD_ASSIGN_OR_RETURN(uint32_t n, U32());
    if (n > end_ - pos_) return Fail("count " + std::to_string(n) + " exceeds the section");
    return n;
  }

  Result<std::string> Name() {
    WCLOUD_ASSIGN_OR_RETURN(uint32_t n, U32());
    if (n > end_ - pos_) return Fail("name longer than the section");
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    if (!IsValidUtf8(s)) return Fail("name is not valid UTF-8");
    pos_ += n;
    return s;
  }

 private:
  // Moves past what `read` took; failures are named at the byte where they were found.
  Result<uint64_t> Leb(const LebRead& read) {
    pos_ += read.length;
    if (read.ok()) return read.value;
    if (read.status == LebStatus::kTruncated) return Fail("unexpected end");
    if (read.status == LebStatus::kTooLong) return Fail("integer representation too long");
    return Fail("integer too large");
  }

  std::span<const uint8_t> bytes_;
  size_t pos_;
  size_t end_;
  const char* section_;
};

// Types as encoded; v128 is kept so a module may use it internally.
struct RawFuncType {
  std::vector<uint8_t> params;
  std::vector<uint8_t> results;
};

Status CheckValueType(Reader& r, uint8_t code) {
  switch (code) {
    case kCodeI32:
    case kCodeI64:
    case kCodeF32:
    case kCodeF64:
    case kCodeV128:
    case kCodeFuncRef:
    case kCodeExternRef:
      return Ok();
    default:
      return r.Fail("unsupported value type " + Hex(code));
  }
}

Result<uint8_t> ReadValueType(Reader& r) {
  WCLOUD_ASSIGN_OR_RETURN(uint8_t code, r.Byte());
  WCLOUD_TRY_STATUS(CheckValueType(r, code));
  return code;
}

Result<ValType> ToValType(uint8_t code, const std::string& where) {
  switch (code) {
    case kCodeI32:
      return ValType::kI32;
    case kCodeI64:
      return ValType::kI64;
    case kCodeF32:
      return ValType::kF32;
    case kCodeF64:
      return ValType::kF64;
    case kCodeFuncRef:
      return ValType::kFuncRef;
    case kCodeExternRef:
      return ValType::kExternRef;
    default:
      return Error(where + ": v128 values cannot cross the engine interface",
                   ErrorCode::kInvalidArgument);
  }
}

Result<FuncType> ToFuncType(const RawFuncType& raw, const std::string& where) {
  FuncType type;
  for (uint8_t code : raw.params) {
    WCLOUD_ASSIGN_OR_RETURN(ValType t, ToValType(code, where));
    type.params.push_back(t);
  }
  for (uint8_t code : raw.results) {
    WCLOUD_ASSIGN_OR_RETURN(ValType t, ToValType(code, where));
    type.results.push_back(t);
  }
  return type;
}

Status ReadLimits(Reader& r, bool memory, ExternType& out) {
  WCLOUD_ASSIGN_OR_RETURN(uint8_t flags, r.Byte());
  const uint8_t allowed = memory ? 0x07 : 0x01;
  if ((flags & ~allowed) != 0) {
    return r.Fail(std::string("invalid ") + (memory ? "memory" : "table") + " limits flags " +
                  Hex(flags));
  }
  out.shared = (flags & 0x02) != 0;
  out.memory64 = (flags & 0x04) != 0;
  const int bits = out.memory64 ? 64 : 32;
  WCLOUD_ASSIGN_OR_RETURN(out.limits.min, r.Unsigned(bits));
  if (flags & 0x01) {
    WCLOUD_ASSIGN_OR_RETURN(uint64_t max, r.Unsigned(bits));
    if (max < out.limits.min) return r.Fail("maximum is below minimum");
    out.limits.max = max;
  }
  return Ok();
}

Result<ExternType> ReadTableType(Reader& r) {
  ExternType t;
  t.kind = ExternKind::kTable;
  WCLOUD_ASSIGN_OR_RETURN(uint8_t elem, r.Byte());
  if (elem != kCodeFuncRef && elem != kCodeExternRef) {
    return r.Fail("table element type " + Hex(elem) + " is not funcref or externref");
  }
  t.element = elem == kCodeFuncRef ? ValType::kFuncRef : ValType::kExternRef;
  WCLOUD_TRY_STATUS(ReadLimits(r, /*memory=*/false, t));
  return t;
}

Result<ExternType> ReadMemoryType(Reader& r) {
  ExternType t;
  t.kind = ExternKind::kMemory;
  WCLOUD_TRY_STATUS(ReadLimits(r, /*memory=*/true, t));
  return t;
}

Result<ExternType> ReadGlobalType(Reader& r) {
  ExternType t;
  t.kind = ExternKind::kGlobal;
  WCLOUD_ASSIGN_OR_RETURN(uint8_t code, ReadValueType(r));
  WCLOUD_ASSIGN_OR_RETURN(t.global,
                          ToValType(code, "global at byte offset " + std::to_string(r.pos() - 1)));
  WCLOUD_ASSIGN_OR_RETURN(uint8_t mut, r.Byte());
  if (mut > 1) return r.Fail("global mutability " + Hex(mut) + " is not 0 or 1");
  t.global_mutable = mut == 1;
  return t;
}

// Skips a constant expression up to its `end`, reading each immediate so that bytes inside an
// immediate are never taken for an opcode.
Status SkipConstExpr(Reader& r) {
  for (;;) {
    WCLOUD_ASSIGN_OR_RETURN(uint8_t op, r.Byte());
    switch (op) {
      case 0x0b:  // end
        return Ok();
      case 0x41:  // i32.const
        WCLOUD_TRY_STATUS(r.SkipSigned(32));
        break;
      case 0x42:  // i64.const
        WCLOUD_TRY_STATUS(r.SkipSigned(64));
        break;
      case 0x43:  // f32.const
        WCLOUD_TRY_STATUS(r.Skip(4));
        break;
      case 0x44:  // f64.const
        WCLOUD_TRY_STATUS(r.Skip(8));
        break;
      case 0x23:  // global.get
      case 0xd2:  // ref.func
        WCLOUD_TRY_STATUS(r.U32());
        break;
      case 0xd0:  // ref.null heaptype (s33)
        WCLOUD_TRY_STATUS(r.SkipSigned(32));
        break;
      case 0x6a:  // i32.add, i32.sub, i32.mul, i64.add, i64.sub, i64.mul (extended-const)
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break;
      case 0xfd: {  // v128.const
        WCLOUD_ASSIGN_OR_RETURN(uint32_t sub, r.U32());
        if (sub != 12) return r.Fail("opcode 0xfd " + std::to_string(sub) + " in a constant");
        WCLOUD_TRY_STATUS(r.Skip(16));
        break;
      }
      default:
        return r.Fail("opcode " + Hex(op) + " is not allowed in a constant expression");
    }
  }
}

// Everything declared so far, by index space.
struct Spaces {
  std::vector<RawFuncType> types;
  std::vector<uint32_t> funcs;  // type index of each function, imports first
  std::vector<ExternType> tables;
  std::vector<ExternType> memories;
  std::vector<ExternType> globals;
  std::vector<uint32_t> tags;  // type index
};

Result<uint32_t> ReadTypeIndex(Reader& r, const Spaces& s) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.U32());
  if (index >= s.types.size()) {
    return r.Fail("type index " + std::to_string(index) + " out of range (" +
                  std::to_string(s.types.size()) + " types)");
  }
  return index;
}

Status ReadTypeSection(Reader& r, Spaces& s) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
  s.types.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    WCLOUD_ASSIGN_OR_RETURN(uint8_t form, r.Byte());
    if (form != 0x60)
      return r.Fail("type " + std::to_string(i) + ": form " + Hex(form) +
                    " is not a function type");
    RawFuncType type;
    for (auto* list : {&type.params, &type.results}) {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t n, r.Count());
      list->reserve(n);
      for (uint32_t k = 0; k < n; ++k) {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t code, ReadValueType(r));
        list->push_back(code);
      }
    }
    s.types.push_back(std::move(type));
  }
  return Ok();
}

Status ReadImportSection(Reader& r, Spaces& s, ModuleInfo& info) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
  info.imports.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    ImportType import;
    WCLOUD_ASSIGN_OR_RETURN(import.module, r.Name());
    WCLOUD_ASSIGN_OR_RETURN(import.name, r.Name());
    const std::string where =
        "import " + std::to_string(i) + " (" + import.module + "." + import.name + ")";
    WCLOUD_ASSIGN_OR_RETURN(uint8_t kind, r.Byte());
    switch (kind) {
      case 0x00: {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t type_index, ReadTypeIndex(r, s));
        import.type.kind = ExternKind::kFunc;
        WCLOUD_ASSIGN_OR_RETURN(import.type.func, ToFuncType(s.types[type_index], where));
        s.funcs.push_back(type_index);
        break;
      }
      case 0x01: {
        WCLOUD_ASSIGN_OR_RETURN(import.type, ReadTableType(r));
        s.tables.push_back(import.type);
        break;
      }
      case 0x02: {
        WCLOUD_ASSIGN_OR_RETURN(import.type, ReadMemoryType(r));
        s.memories.push_back(import.type);
        break;
      }
      case 0x03: {
        WCLOUD_ASSIGN_OR_RETURN(import.type, ReadGlobalType(r));
        s.globals.push_back(import.type);
        break;
      }
      case 0x04: {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t attribute, r.Byte());
        if (attribute != 0) return r.Fail("tag attribute " + Hex(attribute));
        WCLOUD_ASSIGN_OR_RETURN(uint32_t type_index, ReadTypeIndex(r, s));
        import.type.kind = ExternKind::kTag;
        WCLOUD_ASSIGN_OR_RETURN(import.type.func, ToFuncType(s.types[type_index], where));
        s.tags.push_back(type_index);
        break;
      }
      default:
        return r.Fail(where + ": import kind " + Hex(kind));
    }
    info.imports.push_back(std::move(import));
  }
  return Ok();
}

Status ReadExportSection(Reader& r, const Spaces& s, ModuleInfo& info) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
  info.exports.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    ExportType exp;
    WCLOUD_ASSIGN_OR_RETURN(exp.name, r.Name());
    WCLOUD_ASSIGN_OR_RETURN(uint8_t kind, r.Byte());
    WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.U32());
    const std::string where = "export '" + exp.name + "'";
    auto check = [&](size_t size, const char* space) -> Status {
      if (index < size) return Ok();
      return r.Fail(where + ": " + space + " index " + std::to_string(index) + " out of range");
    };
    switch (kind) {
      case 0x00: {
        WCLOUD_TRY_STATUS(check(s.funcs.size(), "function"));
        exp.type.kind = ExternKind::kFunc;
        WCLOUD_ASSIGN_OR_RETURN(exp.type.func, ToFuncType(s.types[s.funcs[index]], where));
        break;
      }
      case 0x01:
        WCLOUD_TRY_STATUS(check(s.tables.size(), "table"));
        exp.type = s.tables[index];
        break;
      case 0x02:
        WCLOUD_TRY_STATUS(check(s.memories.size(), "memory"));
        exp.type = s.memories[index];
        break;
      case 0x03:
        WCLOUD_TRY_STATUS(check(s.globals.size(), "global"));
        exp.type = s.globals[index];
        break;
      case 0x04: {
        WCLOUD_TRY_STATUS(check(s.tags.size(), "tag"));
        exp.type.kind = ExternKind::kTag;
        WCLOUD_ASSIGN_OR_RETURN(exp.type.func, ToFuncType(s.types[s.tags[index]], where));
        break;
      }
      default:
        return r.Fail(where + ": export kind " + Hex(kind));
    }
    info.exports.push_back(std::move(exp));
  }
  return Ok();
}

Status ReadSection(uint8_t id, Reader& r, Spaces& s, ModuleInfo& info) {
  switch (id) {
    case kTypeSection:
      return ReadTypeSection(r, s);
    case kImportSection:
      return ReadImportSection(r, s, info);
    case kFunctionSection: {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
      for (uint32_t i = 0; i < count; ++i) {
        WCLOUD_ASSIGN_OR_RETURN(uint32_t type_index, ReadTypeIndex(r, s));
        s.funcs.push_back(type_index);
      }
      return Ok();
    }
    case kTableSection: {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
      for (uint32_t i = 0; i < count; ++i) {
        WCLOUD_ASSIGN_OR_RETURN(ExternType t, ReadTableType(r));
        s.tables.push_back(t);
      }
      return Ok();
    }
    case kMemorySection: {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
      for (uint32_t i = 0; i < count; ++i) {
        WCLOUD_ASSIGN_OR_RETURN(ExternType t, ReadMemoryType(r));
        s.memories.push_back(t);
        info.memories.push_back({t.limits, t.shared, t.memory64});
      }
      return Ok();
    }
    case kTagSection: {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
      for (uint32_t i = 0; i < count; ++i) {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t attribute, r.Byte());
        if (attribute != 0) return r.Fail("tag attribute " + Hex(attribute));
        WCLOUD_ASSIGN_OR_RETURN(uint32_t type_index, ReadTypeIndex(r, s));
        s.tags.push_back(type_index);
      }
      return Ok();
    }
    case kGlobalSection: {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.Count());
      for (uint32_t i = 0; i < count; ++i) {
        WCLOUD_ASSIGN_OR_RETURN(ExternType t, ReadGlobalType(r));
        WCLOUD_TRY_STATUS(SkipConstExpr(r));
        s.globals.push_back(t);
      }
      return Ok();
    }
    case kExportSection:
      return ReadExportSection(r, s, info);
    default:  // bodies, data and custom sections carry nothing the seam reports
      r.SkipRest();
      return Ok();
  }
}

}  // namespace

Result<ModuleInfo> ParseModuleInfo(std::span<const uint8_t> bytes) {
  WCLOUD_TRY_STATUS(CheckMagic(bytes));
  if (std::equal(kComponentVersion.begin(), kComponentVersion.end(), bytes.begin() + 4)) {
    return Error("a WebAssembly component, not a core module", ErrorCode::kInvalidArgument);
  }
  if (!std::equal(kCoreVersion.begin(), kCoreVersion.end(), bytes.begin() + 4)) {
    return Error("unsupported WebAssembly version at byte offset 4", ErrorCode::kInvalidArgument);
  }

  ModuleInfo info;
  Spaces spaces;
  uint32_t seen = 0;  // bit per known section id
  size_t pos = 8;
  while (pos < bytes.size()) {
    Reader header(bytes, pos, bytes.size(), "section header");
    WCLOUD_ASSIGN_OR_RETURN(uint8_t id, header.Byte());
    if (id > kMaxSectionId) return header.Fail("unknown section id " + std::to_string(id));
    WCLOUD_ASSIGN_OR_RETURN(uint32_t size, header.U32());
    if (size > bytes.size() - header.pos()) {
      return header.Fail(std::string(SectionName(id)) + " section of " + std::to_string(size) +
                         " bytes runs past the end of the module");
    }
    if (id != kCustomSection) {
      if (seen & (1u << id))
        return header.Fail(std::string("duplicate ") + SectionName(id) + " section");
      seen |= 1u << id;
    }
    const size_t end = header.pos() + size;
    Reader r(bytes, header.pos(), end, SectionName(id));
    WCLOUD_TRY_STATUS(ReadSection(id, r, spaces, info));
    if (!r.AtEnd()) return r.Fail("section ends before its declared size");
    if (id == kMemorySection) {
      info.memory_section_begin = pos;
      info.memory_section_end = end;
    }
    pos = end;
  }
  return info;
}

Result<std::vector<uint8_t>> LimitMemories(std::span<const uint8_t> bytes, const ModuleInfo& info,
                                           uint64_t max_pages) {
  const size_t imported = [&] {
    size_t n = 0;
    for (const ImportType& i : info.imports) n += i.type.kind == ExternKind::kMemory;
    return n;
  }();
  if (info.memory_section_end > bytes.size() ||
      info.memory_section_begin > info.memory_section_end) {
    return Error("module bytes do not match their parsed memory section",
                 ErrorCode::kInvalidArgument);
  }
  bool changed = false;
  std::vector<uint8_t> section;
  AppendUnsigned(section, info.memories.size());
  for (size_t i = 0; i < info.memories.size(); ++i) {
    const DefinedMemory& m = info.memories[i];
    if (m.limits.min > max_pages) {
      return Error("memory " + std::to_string(imported + i) + " needs at least " +
                       std::to_string(m.limits.min) + " pages (" +
                       std::to_string(m.limits.min * 65536) + " bytes), over the limit of " +
                       std::to_string(max_pages) + " pages (" + std::to_string(max_pages * 65536) +
                       " bytes)",
                   ErrorCode::kFailedPrecondition);
    }
    uint64_t max = max_pages;
    if (m.limits.max && *m.limits.max <= max_pages) {
      max = *m.limits.max;
    } else {
      changed = true;
    }
    section.push_back(0x01 | (m.shared ? 0x02 : 0) | (m.memory64 ? 0x04 : 0));
    AppendUnsigned(section, m.limits.min);
    AppendUnsigned(section, max);
  }
  if (!changed) return std::vector<uint8_t>{};
  std::vector<uint8_t> out(bytes.begin(), bytes.begin() + info.memory_section_begin);
  out.push_back(kMemorySection);
  AppendUnsigned(out, section.size());
  out.insert(out.end(), section.begin(), section.end());
  out.insert(out.end(), bytes.begin() + info.memory_section_end, bytes.end());
  return out;
}

}  // namespace wcloud::wasm
