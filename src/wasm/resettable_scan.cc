#include "wasm/resettable_scan.h"

#include <algorithm>

#include "wasm/binary_format.h"
#include "wasm/code_scan.h"
#include "wasm/engine.h"
#include "wasm/instance_reset.h"

namespace wcloud::wasm {
namespace {

const char* ValueTypeName(uint8_t type) {
  switch (type) {
    case 0x7b:
      return "v128";
    case 0x70:
      return "funcref";
    case 0x6f:
      return "externref";
    default:
      return "reference";
  }
}

void SkipLimits(ByteCursor& c) {
  const uint8_t flags = c.Byte();
  c.SkipLeb(64);
  if (flags & 0x01) c.SkipLeb(64);
}

}  // namespace

Status ResettableScan::Check(const ByteCursor& c, const Section& s,
                             const std::string& where) const {
  if (!c.failed()) return Ok();
  return Error("malformed module at byte offset " + std::to_string(c.failure_pos()) + " (" +
                   SectionName(s.id) + " section" + (where.empty() ? "" : ", " + where) +
                   "): " + c.failure(),
               ErrorCode::kInvalidArgument);
}

const DefinedGlobal* ResettableScan::Defined(uint32_t global_index) const {
  if (global_index < imported_globals_) return nullptr;
  const size_t i = global_index - imported_globals_;
  return i < globals_.size() ? &globals_[i] : nullptr;
}

Status ResettableScan::ReadSections() {
  WCLOUD_TRY_STATUS(CheckMagic(bytes_));
  if (!std::equal(kCoreVersion.begin(), kCoreVersion.end(), bytes_.begin() + 4)) {
    return Error("not a core module version 1 at byte offset 4", ErrorCode::kInvalidArgument);
  }
  uint8_t last_rank = 0;
  size_t pos = 8;
  while (pos < bytes_.size()) {
    ByteCursor c(bytes_, pos, bytes_.size());
    Section s;
    s.begin = pos;
    s.id = c.Byte();
    const uint32_t size = c.U32();
    auto fail = [&](const std::string& what) {
      return Error("malformed module at byte offset " + std::to_string(pos) + ": " + what,
                   ErrorCode::kInvalidArgument);
    };
    if (c.failed()) return fail(std::string("section header: ") + c.failure());
    if (s.id >= kSectionRank.size()) return fail("unknown section id " + std::to_string(s.id));
    if (size > c.remaining()) {
      return fail(std::string(SectionName(s.id)) + " section of " + std::to_string(size) +
                  " bytes runs past the end of the module");
    }
    if (s.id != kCustomSection) {
      if (kSectionRank[s.id] <= last_rank) {
        return fail(std::string(SectionName(s.id)) + " section is duplicate or out of order");
      }
      last_rank = kSectionRank[s.id];
    }
    s.content_begin = c.pos();
    s.end = s.content_begin + size;
    sections_.push_back(s);
    pos = s.end;
  }
  return Ok();
}

Status ResettableScan::Run() {
  WCLOUD_TRY_STATUS(ReadSections());
  for (const Section& s : sections_) {
    switch (s.id) {
      case kImportSection:
        WCLOUD_TRY_STATUS(ReadImports(s));
        break;
      case kMemorySection: {
        ByteCursor c(bytes_, s.content_begin, s.end);
        defined_memories_ = c.Count();
        WCLOUD_TRY_STATUS(Check(c, s));
        break;
      }
      case kGlobalSection:
        WCLOUD_TRY_STATUS(ReadGlobals(s));
        break;
      case kExportSection:
        WCLOUD_TRY_STATUS(ReadExports(s));
        break;
      case kElementSection:
        WCLOUD_TRY_STATUS(ReadElements(s));
        break;
      case kCodeSection:
        WCLOUD_TRY_STATUS(ReadCode(s));
        break;
      case kDataSection:
        WCLOUD_TRY_STATUS(ReadData(s));
        break;
      default:  // types, functions, tables, start, tags, data count, custom: nothing to reset
        break;
    }
    if (!reason_.empty()) return Ok();
  }
  return Ok();
}

Status ResettableScan::ReadImports(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    c.Name();
    c.Name();
    switch (c.Byte()) {
      case 0x00:  // function: type index
        c.SkipLeb(32);
        ++imported_funcs_;
        break;
      case 0x01:  // table: reference type, limits
        SkipValueType(c);
        SkipLimits(c);
        break;
      case 0x02:
        SkipLimits(c);
        ++imported_memories_;
        break;
      case 0x03:
        SkipValueType(c);
        c.Skip(1);
        ++imported_globals_;
        break;
      case 0x04:  // tag: attribute, type index
        c.Skip(1);
        c.SkipLeb(32);
        break;
      default:
        c.Fail("unknown import kind");
    }
    WCLOUD_TRY_STATUS(Check(c, s, "import " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status ResettableScan::ReadGlobals(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  global_entries_ = c.pos();
  globals_.reserve(count);
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    DefinedGlobal g;
    g.type = c.Peek();
    SkipValueType(c);
    const uint8_t mut = c.Byte();
    if (mut > 1) c.Fail("global mutability is not 0 or 1");
    g.is_mutable = mut == 1;
    SkipConstExpr(c, "global", imported_globals_ + i);
    if (!reason_.empty()) return Ok();
    WCLOUD_TRY_STATUS(Check(c, s, "global " + std::to_string(imported_globals_ + i)));
    globals_.push_back(g);
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status ResettableScan::ReadExports(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  export_count_ = c.Count();
  export_entries_ = c.pos();
  for (uint32_t i = 0; i < export_count_ && !c.failed(); ++i) {
    const std::string_view name = c.Name();
    const uint8_t kind = c.Byte();
    const uint32_t index = c.U32();
    WCLOUD_TRY_STATUS(Check(c, s, "export " + std::to_string(i)));
    if (!reason_.empty()) continue;
    if (name.starts_with(kStateExportPrefix)) {
      reason_ = "export '" + std::string(name) + "' uses the reserved prefix '" +
                std::string(kStateExportPrefix) + "'";
    } else if (const DefinedGlobal* g = Defined(index); kind == 0x03 && g && g->unsaveable()) {
      reason_ = "global " + std::to_string(index) + " is a mutable " + ValueTypeName(g->type) +
                " exported as '" + std::string(name) + "': its value cannot be saved";
    }
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status ResettableScan::ReadElements(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    const uint32_t flags = c.U32();
    if (flags > 7) c.Fail("element segment flags are not 0 to 7");
    if (flags == 1 || flags == 5) {
      // Dropping it (elem.drop) would outlive a reset.
      reason_ = "element segment " + std::to_string(i) + " is passive";
      return Check(c, s);
    }
    if (flags == 2 || flags == 6) c.SkipLeb(32);                      // table index
    if ((flags & 0x01) == 0) SkipConstExpr(c, "element segment", i);  // active: offset
    // Element kind byte (0x00) or reference type, except in the table-0 shorthand forms.
    if (flags & 0x04) {
      if (flags != 4) SkipValueType(c);
      const uint32_t n = c.Count();
      for (uint32_t k = 0; k < n && !c.failed(); ++k) SkipConstExpr(c, "element segment", i);
    } else {
      if (flags != 0) c.Skip(1);
      const uint32_t n = c.Count();
      for (uint32_t k = 0; k < n && !c.failed(); ++k) c.SkipLeb(32);
    }
    if (!reason_.empty()) return Ok();
    WCLOUD_TRY_STATUS(Check(c, s, "element segment " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status ResettableScan::ReadData(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    const uint32_t flags = c.U32();
    if (flags > 2) c.Fail("data segment flags are not 0 to 2");
    if (flags == 1) {
      reason_ = "data segment " + std::to_string(i) + " is passive";
      return Check(c, s);
    }
    if (flags == 2) c.SkipLeb(32);  // memory index
    SkipConstExpr(c, "data segment", i);
    const uint32_t size = c.U32();
    c.Skip(size);
    if (!reason_.empty()) return Ok();
    WCLOUD_TRY_STATUS(Check(c, s, "data segment " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

void ResettableScan::SkipConstExpr(ByteCursor& c, const char* what, uint32_t index) {
  Instruction in;
  if (wasm::SkipConstExpr(c, in) == Finding::kUnknownOpcode) {
    reason_ = std::string(what) + " " + std::to_string(index) + " at offset " + HexText(in.offset) +
              ": unknown opcode " + OpcodeText(in) + " in a constant expression";
  }
}

Status ResettableScan::ReadCode(const Section& s) {
  ByteCursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  WCLOUD_TRY_STATUS(Check(c, s));
  Instruction in;
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t func = imported_funcs_ + i;
    auto where = [&] { return "function " + std::to_string(func); };
    const uint32_t size = c.U32();
    if (!c.failed() && size > c.remaining()) c.Fail("function body runs past its section");
    WCLOUD_TRY_STATUS(Check(c, s, where()));
    const size_t body_end = c.pos() + size;
    ByteCursor b(bytes_, c.pos(), body_end);
    c.Skip(size);
    SkipLocals(b);
    for (Finding found; (found = FindNext(b, in)) != Finding::kNothing;) {
      if (found == Finding::kGlobalWrite) {
        const DefinedGlobal* g = Defined(in.global);
        if (g == nullptr || !g->unsaveable()) continue;
        reason_ = where() + " at offset " + HexText(in.offset) + ": global.set of global " +
                  std::to_string(in.global) + ", a mutable " + ValueTypeName(g->type) +
                  " whose value cannot be saved";
      } else if (found == Finding::kTableWrite) {
        reason_ = where() + " at offset " + HexText(in.offset) + ": " + in.name;
      } else {
        reason_ =
            where() + " at offset " + HexText(in.offset) + ": unknown opcode " + OpcodeText(in);
      }
      return Ok();
    }
    WCLOUD_TRY_STATUS(Check(b, s, where()));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

}  // namespace wcloud::wasm
