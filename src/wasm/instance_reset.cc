#include "wasm/instance_reset.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>
#include <variant>

namespace wcloud::wasm {
namespace {

constexpr std::array<uint8_t, 4> kMagic = {0x00, 0x61, 0x73, 0x6d};
constexpr std::array<uint8_t, 4> kCoreVersion = {0x01, 0x00, 0x00, 0x00};

constexpr std::string_view kMemoryExport = "memory:";
constexpr std::string_view kGlobalExport = "global:";
// Marks a prepared module even when it defines no state, so Capture can refuse an instance of
// a module that was not prepared instead of silently restoring nothing.
constexpr std::string_view kPreparedExport = "prepared";

// Restore works on chunks of this size: an all-zero chunk of the image is only read back
// (untouched pages stay mapped to the kernel's zero page), others are compared before writing.
// 4 KiB beat 64 KiB when measured with 4 dirty pages: 18 against 42 us for 17 pages, 2.3
// against 3.0 ms for 32 MiB; copying the whole image took 25 us and 3.0 ms.
constexpr size_t kChunk = 4096;

enum SectionId : uint8_t {
  kCustomSection = 0,
  kImportSection = 2,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kElementSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
};

// Position of each known section id in the required order (the tag section sits between
// memory and global); 0 for custom sections, which may appear anywhere.
constexpr std::array<uint8_t, 14> kSectionRank = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};

const char* SectionName(uint8_t id) {
  static constexpr const char* kNames[] = {"custom", "type",   "import",     "function", "table",
                                           "memory", "global", "export",     "start",    "element",
                                           "code",   "data",   "data count", "tag"};
  return id < std::size(kNames) ? kNames[id] : "unknown";
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// A bounded cursor over module bytes. Failures are sticky: after the first, reads return 0
// without moving, so decoding loops end quickly and the caller checks failed() once per
// instruction instead of unwrapping a Result per immediate (the scan must stay fast).
class Cursor {
 public:
  Cursor(std::span<const uint8_t> bytes, size_t pos, size_t end)
      : base_(bytes.data()), p_(base_ + pos), end_(base_ + end) {}

  size_t pos() const { return static_cast<size_t>(p_ - base_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool AtEnd() const { return p_ == end_; }
  bool failed() const { return failure_ != nullptr; }
  size_t failure_pos() const { return failure_pos_; }
  const char* failure() const { return failure_; }

  void Fail(const char* what) {
    if (failure_ == nullptr) {
      failure_ = what;
      failure_pos_ = pos();
    }
    p_ = end_;
  }

  uint8_t Byte() {
    if (p_ == end_) {
      Fail("unexpected end");
      return 0;
    }
    return *p_++;
  }
  uint8_t Peek() const { return p_ == end_ ? 0 : *p_; }

  // An unsigned LEB128 of at most `max_bytes` bytes.
  uint64_t Leb(int max_bytes) {
    uint64_t value = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (p_ == end_) {
        Fail("unexpected end");
        return 0;
      }
      const uint8_t b = *p_++;
      value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return value;
    }
    Fail("integer representation too long");
    return 0;
  }
  uint32_t U32() {
    const uint64_t v = Leb(5);
    if (v > std::numeric_limits<uint32_t>::max()) {
      Fail("integer too large");
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  // Skips a LEB128 (signed or unsigned) of at most `max_bytes` bytes; most are one byte.
  void SkipLeb(int max_bytes) {
    if (p_ != end_ && (*p_ & 0x80) == 0) {
      ++p_;
      return;
    }
    Leb(max_bytes);
  }
  void Skip(size_t n) {
    if (remaining() < n) {
      Fail("unexpected end");
      return;
    }
    p_ += n;
  }
  // A vector length, bounded by the bytes left (every element takes at least one byte).
  uint32_t Count() {
    const uint32_t n = U32();
    if (n > remaining()) Fail("count exceeds the bytes left");
    return failed() ? 0 : n;
  }
  // A name: its bytes are not checked for UTF-8 (the engine validates the module).
  std::string_view Name() {
    const uint32_t n = U32();
    if (n > remaining()) Fail("name runs past its section");
    if (failed()) return {};
    std::string_view name(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return name;
  }

 private:
  const uint8_t* base_;
  const uint8_t* p_;
  const uint8_t* end_;
  const char* failure_ = nullptr;
  size_t failure_pos_ = 0;
};

// How the immediates of a one-byte opcode are laid out.
enum class Imm : uint8_t {
  kUnknown,
  kNone,
  kIndex,       // one LEB128 (index, label, memory index)
  kTwoIndices,  // call_indirect, return_call_indirect
  kBlockType,
  kMemarg,
  kSigned32,
  kSigned64,
  kBytes4,
  kBytes8,
  kBrTable,
  kSelectTypes,
  kHeapType,
  kTryTable,
  kGlobalSet,
  kTableSet,
  kPrefixFC,
  kPrefixFD,
  kPrefixFE,
};

constexpr std::array<Imm, 256> MakeOpcodeTable() {
  std::array<Imm, 256> t{};
  for (auto& e : t) e = Imm::kUnknown;
  auto set = [&t](int from, int to, Imm imm) {
    for (int op = from; op <= to; ++op) t[op] = imm;
  };
  set(0x00, 0x01, Imm::kNone);       // unreachable, nop
  set(0x02, 0x04, Imm::kBlockType);  // block, loop, if
  t[0x05] = Imm::kNone;              // else
  t[0x06] = Imm::kBlockType;         // try (legacy exceptions)
  set(0x07, 0x09, Imm::kIndex);      // catch, throw, rethrow
  t[0x0a] = Imm::kNone;              // throw_ref
  t[0x0b] = Imm::kNone;              // end
  set(0x0c, 0x0d, Imm::kIndex);      // br, br_if
  t[0x0e] = Imm::kBrTable;
  t[0x0f] = Imm::kNone;           // return
  t[0x10] = Imm::kIndex;          // call
  t[0x11] = Imm::kTwoIndices;     // call_indirect
  t[0x12] = Imm::kIndex;          // return_call
  t[0x13] = Imm::kTwoIndices;     // return_call_indirect
  set(0x14, 0x15, Imm::kIndex);   // call_ref, return_call_ref
  t[0x18] = Imm::kIndex;          // delegate
  t[0x19] = Imm::kNone;           // catch_all
  set(0x1a, 0x1b, Imm::kNone);    // drop, select
  t[0x1c] = Imm::kSelectTypes;    // select t*
  t[0x1f] = Imm::kTryTable;       // try_table
  set(0x20, 0x23, Imm::kIndex);   // local.get/set/tee, global.get
  t[0x24] = Imm::kGlobalSet;      // global.set
  t[0x25] = Imm::kIndex;          // table.get
  t[0x26] = Imm::kTableSet;       // table.set
  set(0x28, 0x3e, Imm::kMemarg);  // loads and stores
  set(0x3f, 0x40, Imm::kIndex);   // memory.size, memory.grow (memory index)
  t[0x41] = Imm::kSigned32;
  t[0x42] = Imm::kSigned64;
  t[0x43] = Imm::kBytes4;
  t[0x44] = Imm::kBytes8;
  set(0x45, 0xc4, Imm::kNone);   // numeric, sign extension
  t[0xd0] = Imm::kHeapType;      // ref.null
  t[0xd1] = Imm::kNone;          // ref.is_null
  t[0xd2] = Imm::kIndex;         // ref.func
  t[0xd4] = Imm::kNone;          // ref.as_non_null
  set(0xd5, 0xd6, Imm::kIndex);  // br_on_null, br_on_non_null
  t[0xfc] = Imm::kPrefixFC;
  t[0xfd] = Imm::kPrefixFD;
  t[0xfe] = Imm::kPrefixFE;
  return t;
}
constexpr std::array<Imm, 256> kOpcodes = MakeOpcodeTable();

enum class SimdImm : uint8_t { kUnknown, kNone, kMemarg, kMemargLane, kBytes16, kLane };

constexpr std::array<SimdImm, 0x114> MakeSimdTable() {
  std::array<SimdImm, 0x114> t{};
  for (auto& e : t) e = SimdImm::kNone;
  // Opcodes the SIMD and relaxed SIMD proposals leave unassigned.
  for (int op : {0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb,
                 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee}) {
    t[op] = SimdImm::kUnknown;
  }
  for (int op = 0x00; op <= 0x0b; ++op) t[op] = SimdImm::kMemarg;      // v128 loads and store
  t[0x0c] = SimdImm::kBytes16;                                         // v128.const
  t[0x0d] = SimdImm::kBytes16;                                         // i8x16.shuffle
  for (int op = 0x15; op <= 0x22; ++op) t[op] = SimdImm::kLane;        // extract/replace_lane
  for (int op = 0x54; op <= 0x5b; ++op) t[op] = SimdImm::kMemargLane;  // load/store_lane
  t[0x5c] = SimdImm::kMemarg;                                          // v128.load32_zero
  t[0x5d] = SimdImm::kMemarg;                                          // v128.load64_zero
  return t;
}
constexpr std::array<SimdImm, 0x114> kSimdOpcodes = MakeSimdTable();

// What the scan of one instruction found.
enum class Found : uint8_t { kNothing, kTableWrite, kUnknownOpcode, kGlobalWrite };

struct Instruction {
  uint8_t opcode = 0;
  uint32_t sub = 0;       // after a prefix
  uint32_t index = 0;     // global.set target
  const char* name = "";  // for kTableWrite
};

void SkipValueType(Cursor& c) {
  const uint8_t t = c.Byte();
  if (t == 0x63 || t == 0x64) c.SkipLeb(5);  // (ref null ht), (ref ht)
}

void SkipMemarg(Cursor& c) {
  const uint32_t align = c.U32();
  if (align & 0x40) c.SkipLeb(5);  // multi-memory: a memory index follows
  c.SkipLeb(10);                   // offset (u64 for memory64)
}

// Decodes one instruction, skipping its immediates. Table writes, global.set and opcodes we do
// not know are reported; everything else is Found::kNothing.
inline Found ScanInstruction(Cursor& c, Instruction& in) {
  in.opcode = c.Byte();
  switch (kOpcodes[in.opcode]) {
    case Imm::kNone:
      return Found::kNothing;
    case Imm::kIndex:
      c.SkipLeb(5);
      return Found::kNothing;
    case Imm::kTwoIndices:
      c.SkipLeb(5);
      c.SkipLeb(5);
      return Found::kNothing;
    case Imm::kBlockType: {
      // 0x40, a value type, or a type index as a non-negative s33.
      const uint8_t b = c.Peek();
      if (b == 0x63 || b == 0x64) {
        SkipValueType(c);
      } else {
        c.SkipLeb(5);
      }
      return Found::kNothing;
    }
    case Imm::kMemarg:
      SkipMemarg(c);
      return Found::kNothing;
    case Imm::kSigned32:
      c.SkipLeb(5);
      return Found::kNothing;
    case Imm::kSigned64:
      c.SkipLeb(10);
      return Found::kNothing;
    case Imm::kBytes4:
      c.Skip(4);
      return Found::kNothing;
    case Imm::kBytes8:
      c.Skip(8);
      return Found::kNothing;
    case Imm::kBrTable: {
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) c.SkipLeb(5);
      c.SkipLeb(5);  // default label
      return Found::kNothing;
    }
    case Imm::kSelectTypes: {
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) SkipValueType(c);
      return Found::kNothing;
    }
    case Imm::kHeapType:
      c.SkipLeb(5);
      return Found::kNothing;
    case Imm::kTryTable: {
      if (c.Peek() == 0x63 || c.Peek() == 0x64) {
        SkipValueType(c);
      } else {
        c.SkipLeb(5);
      }
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) {
        const uint8_t kind = c.Byte();
        if (kind > 3) {
          c.Fail("try_table catch kind is not 0 to 3");
          break;
        }
        if (kind < 2) c.SkipLeb(5);  // catch, catch_ref: a tag index
        c.SkipLeb(5);                // label
      }
      return Found::kNothing;
    }
    case Imm::kGlobalSet:
      in.index = c.U32();
      return Found::kGlobalWrite;
    case Imm::kTableSet:
      c.SkipLeb(5);
      in.name = "table.set";
      return Found::kTableWrite;
    case Imm::kPrefixFC:
      in.sub = c.U32();
      switch (in.sub) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7:  // trunc_sat
          return Found::kNothing;
        case 8:   // memory.init data memory
        case 10:  // memory.copy memory memory
          c.SkipLeb(5);
          c.SkipLeb(5);
          return Found::kNothing;
        case 9:   // data.drop
        case 11:  // memory.fill
        case 13:  // elem.drop: harmless, every element segment being active or declarative
        case 16:  // table.size
          c.SkipLeb(5);
          return Found::kNothing;
        case 12:
          in.name = "table.init";
          return Found::kTableWrite;
        case 14:
          in.name = "table.copy";
          return Found::kTableWrite;
        case 15:
          in.name = "table.grow";
          return Found::kTableWrite;
        case 17:
          in.name = "table.fill";
          return Found::kTableWrite;
        default:
          return Found::kUnknownOpcode;
      }
    case Imm::kPrefixFD:
      in.sub = c.U32();
      switch (in.sub < kSimdOpcodes.size() ? kSimdOpcodes[in.sub] : SimdImm::kUnknown) {
        case SimdImm::kNone:
          return Found::kNothing;
        case SimdImm::kMemarg:
          SkipMemarg(c);
          return Found::kNothing;
        case SimdImm::kMemargLane:
          SkipMemarg(c);
          c.Skip(1);
          return Found::kNothing;
        case SimdImm::kBytes16:
          c.Skip(16);
          return Found::kNothing;
        case SimdImm::kLane:
          c.Skip(1);
          return Found::kNothing;
        case SimdImm::kUnknown:
          return Found::kUnknownOpcode;
      }
      return Found::kUnknownOpcode;
    case Imm::kPrefixFE:
      in.sub = c.U32();
      if (in.sub == 0x03) {  // atomic.fence: a reserved byte
        c.Skip(1);
        return Found::kNothing;
      }
      if (in.sub <= 0x02 || (in.sub >= 0x10 && in.sub <= 0x4e)) {
        SkipMemarg(c);
        return Found::kNothing;
      }
      return Found::kUnknownOpcode;
    case Imm::kUnknown:
      return Found::kUnknownOpcode;
  }
  return Found::kUnknownOpcode;
}

std::string OpcodeText(const Instruction& in) {
  if (in.opcode >= 0xfc && kOpcodes[in.opcode] != Imm::kUnknown) {
    return Hex(in.opcode) + " " + std::to_string(in.sub);
  }
  return Hex(in.opcode);
}

struct DefinedGlobal {
  uint8_t type = 0;  // first byte of the value type
  bool is_mutable = false;
  // Mutable but of a type Val cannot carry (v128, references): resettable only while nothing
  // can change it, so a global.set or an export of it is a reason.
  bool unsaveable() const {
    return is_mutable && type != 0x7f && type != 0x7e && type != 0x7d && type != 0x7c;
  }
};

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

struct Section {
  uint8_t id = 0;
  size_t begin = 0;          // the id byte
  size_t content_begin = 0;  // after the size
  size_t end = 0;
};

// Everything the scan learns about the module, and the first reason it is not resettable.
class Scan {
 public:
  explicit Scan(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  Status Run();

  const std::string& reason() const { return reason_; }
  const std::vector<Section>& sections() const { return sections_; }
  uint32_t imported_memories() const { return imported_memories_; }
  uint32_t imported_globals() const { return imported_globals_; }
  uint32_t defined_memories() const { return defined_memories_; }
  const std::vector<DefinedGlobal>& globals() const { return globals_; }
  // Where the entries of the global / export section start (after their count).
  size_t global_entries() const { return global_entries_; }
  size_t export_entries() const { return export_entries_; }
  uint32_t export_count() const { return export_count_; }

 private:
  Error Malformed(const Cursor& c, const Section& s, const std::string& where) const {
    return Error("malformed module at byte offset " + std::to_string(c.failure_pos()) + " (" +
                     SectionName(s.id) + " section" + (where.empty() ? "" : ", " + where) +
                     "): " + c.failure(),
                 kCompileError);
  }
  Status Check(const Cursor& c, const Section& s, const std::string& where = "") const {
    if (c.failed()) return Malformed(c, s, where);
    return Ok();
  }
  const DefinedGlobal* Defined(uint32_t global_index) const {
    if (global_index < imported_globals_) return nullptr;
    const size_t i = global_index - imported_globals_;
    return i < globals_.size() ? &globals_[i] : nullptr;
  }

  Status ReadSections();
  Status ReadImports(const Section& s);
  Status ReadGlobals(const Section& s);
  Status ReadExports(const Section& s);
  Status ReadElements(const Section& s);
  Status ReadCode(const Section& s);
  Status ReadData(const Section& s);
  // Skips a constant expression through its final `end`; an opcode we do not know sets the
  // reason, naming `what` holds the expression.
  void SkipConstExpr(Cursor& c, const char* what, uint32_t index);

  std::span<const uint8_t> bytes_;
  std::string reason_;
  std::vector<Section> sections_;
  uint32_t imported_funcs_ = 0;
  uint32_t imported_memories_ = 0;
  uint32_t imported_globals_ = 0;
  uint32_t defined_memories_ = 0;
  std::vector<DefinedGlobal> globals_;
  size_t global_entries_ = 0;
  size_t export_entries_ = 0;
  uint32_t export_count_ = 0;
};

Status Scan::ReadSections() {
  if (bytes_.size() < 8) {
    return Error("not a WebAssembly module: " + std::to_string(bytes_.size()) +
                     " bytes, the header alone is 8",
                 kCompileError);
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes_.begin())) {
    return Error("not a WebAssembly module: bad magic number at byte offset 0", kCompileError);
  }
  if (!std::equal(kCoreVersion.begin(), kCoreVersion.end(), bytes_.begin() + 4)) {
    return Error("not a core module version 1 at byte offset 4", kCompileError);
  }
  uint8_t last_rank = 0;
  size_t pos = 8;
  while (pos < bytes_.size()) {
    Cursor c(bytes_, pos, bytes_.size());
    Section s;
    s.begin = pos;
    s.id = c.Byte();
    const uint32_t size = c.U32();
    auto fail = [&](const std::string& what) {
      return Error("malformed module at byte offset " + std::to_string(pos) + ": " + what,
                   kCompileError);
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

Status Scan::Run() {
  WCLOUD_TRY_STATUS(ReadSections());
  for (const Section& s : sections_) {
    switch (s.id) {
      case kImportSection:
        WCLOUD_TRY_STATUS(ReadImports(s));
        break;
      case kMemorySection: {
        Cursor c(bytes_, s.content_begin, s.end);
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

void SkipLimits(Cursor& c) {
  const uint8_t flags = c.Byte();
  c.SkipLeb(10);
  if (flags & 0x01) c.SkipLeb(10);
}

Status Scan::ReadImports(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    c.Name();
    c.Name();
    switch (c.Byte()) {
      case 0x00:  // function: type index
        c.SkipLeb(5);
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
        c.SkipLeb(5);
        break;
      default:
        c.Fail("unknown import kind");
    }
    WCLOUD_TRY_STATUS(Check(c, s, "import " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status Scan::ReadGlobals(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
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

Status Scan::ReadExports(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
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

Status Scan::ReadElements(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    const uint32_t flags = c.U32();
    if (flags > 7) c.Fail("element segment flags are not 0 to 7");
    if (flags == 1 || flags == 5) {
      // Dropping it (elem.drop) would outlive a reset.
      reason_ = "element segment " + std::to_string(i) + " is passive";
      return Check(c, s);
    }
    if (flags == 2 || flags == 6) c.SkipLeb(5);                       // table index
    if ((flags & 0x01) == 0) SkipConstExpr(c, "element segment", i);  // active: offset
    // Element kind byte (0x00) or reference type, except in the table-0 shorthand forms.
    if (flags & 0x04) {
      if (flags != 4) SkipValueType(c);
      const uint32_t n = c.Count();
      for (uint32_t k = 0; k < n && !c.failed(); ++k) SkipConstExpr(c, "element segment", i);
    } else {
      if (flags != 0) c.Skip(1);
      const uint32_t n = c.Count();
      for (uint32_t k = 0; k < n && !c.failed(); ++k) c.SkipLeb(5);
    }
    if (!reason_.empty()) return Ok();
    WCLOUD_TRY_STATUS(Check(c, s, "element segment " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

Status Scan::ReadData(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
  const uint32_t count = c.Count();
  for (uint32_t i = 0; i < count && !c.failed(); ++i) {
    const uint32_t flags = c.U32();
    if (flags > 2) c.Fail("data segment flags are not 0 to 2");
    if (flags == 1) {
      reason_ = "data segment " + std::to_string(i) + " is passive";
      return Check(c, s);
    }
    if (flags == 2) c.SkipLeb(5);  // memory index
    SkipConstExpr(c, "data segment", i);
    const uint32_t size = c.U32();
    c.Skip(size);
    if (!reason_.empty()) return Ok();
    WCLOUD_TRY_STATUS(Check(c, s, "data segment " + std::to_string(i)));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

void Scan::SkipConstExpr(Cursor& c, const char* what, uint32_t index) {
  // Constant expressions hold no blocks, but nesting is tracked anyway so that an `end` is
  // only taken as the last one when it closes the expression.
  uint32_t depth = 0;
  Instruction in;
  while (!c.failed()) {
    const size_t at = c.pos();
    const Found found = ScanInstruction(c, in);
    if (c.failed()) return;
    if (found == Found::kUnknownOpcode) {
      reason_ = std::string(what) + " " + std::to_string(index) + " at offset " + Hex(at) +
                ": unknown opcode " + OpcodeText(in) + " in a constant expression";
      c.Fail("unknown opcode");
      return;
    }
    if (found != Found::kNothing) {
      c.Fail("instruction not allowed in a constant expression");
      return;
    }
    const Imm imm = kOpcodes[in.opcode];
    if (imm == Imm::kBlockType || imm == Imm::kTryTable) {
      ++depth;
    } else if (in.opcode == 0x0b) {
      if (depth == 0) return;
      --depth;
    }
  }
}

Status Scan::ReadCode(const Section& s) {
  Cursor c(bytes_, s.content_begin, s.end);
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
    Cursor b(bytes_, c.pos(), body_end);
    c.Skip(size);
    const uint32_t groups = b.Count();
    for (uint32_t k = 0; k < groups && !b.failed(); ++k) {
      b.SkipLeb(5);
      SkipValueType(b);
    }
    while (!b.AtEnd()) {
      const size_t at = b.pos();
      const Found found = ScanInstruction(b, in);
      if (b.failed()) break;
      if (found == Found::kNothing) continue;
      if (found == Found::kGlobalWrite) {
        const DefinedGlobal* g = Defined(in.index);
        if (g == nullptr || !g->unsaveable()) continue;
        reason_ = where() + " at offset " + Hex(at) + ": global.set of global " +
                  std::to_string(in.index) + ", a mutable " + ValueTypeName(g->type) +
                  " whose value cannot be saved";
      } else if (found == Found::kTableWrite) {
        reason_ = where() + " at offset " + Hex(at) + ": " + in.name;
      } else {
        reason_ = where() + " at offset " + Hex(at) + ": unknown opcode " + OpcodeText(in);
      }
      return Ok();
    }
    WCLOUD_TRY_STATUS(Check(b, s, where()));
  }
  if (!c.AtEnd()) c.Fail("section ends before its declared size");
  return Check(c, s);
}

void AppendU32(std::vector<uint8_t>& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
}

// resize + memcpy: GCC 12 warns (-Wstringop-overflow) on vector::insert of span iterators here.
void AppendBytes(std::vector<uint8_t>& out, std::span<const uint8_t> piece) {
  const size_t at = out.size();
  out.resize(at + piece.size());
  if (!piece.empty()) std::memcpy(out.data() + at, piece.data(), piece.size());
}

void AppendSection(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& content) {
  out.push_back(id);
  AppendU32(out, static_cast<uint32_t>(content.size()));
  AppendBytes(out, content);
}

void AppendExport(std::vector<uint8_t>& out, const std::string& name, uint8_t kind,
                  uint32_t index) {
  AppendU32(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(kind);
  AppendU32(out, index);
}

// Rebuilds the module with a global section that ends in the marker global and an export
// section that ends in the state exports; other sections are copied unchanged.
std::vector<uint8_t> Rewrite(std::span<const uint8_t> bytes, const Scan& scan) {
  const uint32_t defined_globals = static_cast<uint32_t>(scan.globals().size());
  const uint32_t marker_index = scan.imported_globals() + defined_globals;
  const std::string prefix(kStateExportPrefix);

  std::vector<uint8_t> globals;
  AppendU32(globals, defined_globals + 1);
  const Section* global_section = nullptr;
  const Section* export_section = nullptr;
  for (const Section& s : scan.sections()) {
    if (s.id == kGlobalSection) global_section = &s;
    if (s.id == kExportSection) export_section = &s;
  }
  if (global_section != nullptr) {
    AppendBytes(globals,
                bytes.subspan(scan.global_entries(), global_section->end - scan.global_entries()));
  }
  for (uint8_t b : {0x7f, 0x00, 0x41, 0x01, 0x0b}) globals.push_back(b);  // i32, const, 1

  std::vector<uint8_t> added;
  uint32_t added_count = 1;
  AppendExport(added, prefix + std::string(kPreparedExport), 0x03, marker_index);
  for (uint32_t i = 0; i < scan.defined_memories(); ++i, ++added_count) {
    const uint32_t index = scan.imported_memories() + i;
    AppendExport(added, prefix + std::string(kMemoryExport) + std::to_string(index), 0x02, index);
  }
  for (uint32_t i = 0; i < defined_globals; ++i) {
    if (!scan.globals()[i].is_mutable || scan.globals()[i].unsaveable()) continue;
    const uint32_t index = scan.imported_globals() + i;
    AppendExport(added, prefix + std::string(kGlobalExport) + std::to_string(index), 0x03, index);
    ++added_count;
  }
  std::vector<uint8_t> exports;
  AppendU32(exports, scan.export_count() + added_count);
  if (export_section != nullptr) {
    AppendBytes(exports,
                bytes.subspan(scan.export_entries(), export_section->end - scan.export_entries()));
  }
  AppendBytes(exports, added);

  std::vector<uint8_t> out;
  out.reserve(bytes.size() + globals.size() + exports.size() + 16);
  AppendBytes(out, bytes.first(8));
  bool globals_written = false;
  bool exports_written = false;
  auto flush = [&](uint8_t before_rank) {
    if (!globals_written && before_rank > kSectionRank[kGlobalSection]) {
      AppendSection(out, kGlobalSection, globals);
      globals_written = true;
    }
    if (!exports_written && before_rank > kSectionRank[kExportSection]) {
      AppendSection(out, kExportSection, exports);
      exports_written = true;
    }
  };
  for (const Section& s : scan.sections()) {
    if (s.id == kGlobalSection) {
      AppendSection(out, kGlobalSection, globals);
      globals_written = true;
      continue;
    }
    if (s.id == kExportSection) {
      flush(kSectionRank[kExportSection]);
      AppendSection(out, kExportSection, exports);
      exports_written = true;
      continue;
    }
    if (s.id != kCustomSection) flush(kSectionRank[s.id]);
    AppendBytes(out, bytes.subspan(s.begin, s.end - s.begin));
  }
  flush(std::numeric_limits<uint8_t>::max());
  return out;
}

bool AllZero(const uint8_t* p, size_t n) {
  static constexpr uint8_t kZeros[kChunk] = {};
  return std::memcmp(p, kZeros, n) == 0;
}

}  // namespace

Result<ResettableModule> PrepareResettable(std::span<const uint8_t> bytes) {
  Scan scan(bytes);
  WCLOUD_TRY_STATUS(scan.Run());
  ResettableModule result;
  if (!scan.reason().empty()) {
    result.bytes.assign(bytes.begin(), bytes.end());
    result.reason = scan.reason();
    return result;
  }
  result.bytes = Rewrite(bytes, scan);
  result.resettable = true;
  return result;
}

struct InstanceSnapshot::SavedMemory {
  std::shared_ptr<Memory> memory;
  size_t size = 0;
  // Chunks that were not all zero at the capture, ascending, and their bytes back to back.
  std::vector<uint32_t> chunks;
  std::vector<uint8_t> image;
};

Result<InstanceSnapshot> InstanceSnapshot::Capture(const Instance& instance) {
  InstanceSnapshot snapshot;
  bool prepared = false;
  for (const auto& [name, item] : instance.exports()) {
    if (!name.starts_with(kStateExportPrefix)) continue;
    const std::string_view rest = std::string_view(name).substr(kStateExportPrefix.size());
    auto fail = [&](const char* what) {
      return Error("state export '" + name + "' " + what, kLinkError);
    };
    if (rest == kPreparedExport) {
      prepared = true;
    } else if (rest.starts_with(kMemoryExport)) {
      const auto* memory = std::get_if<std::shared_ptr<Memory>>(&item);
      if (memory == nullptr || *memory == nullptr) return fail("is not a memory");
      auto saved = std::make_shared<SavedMemory>();
      saved->memory = *memory;
      saved->size = saved->memory->size();
      if (saved->size / kChunk > std::numeric_limits<uint32_t>::max()) {
        return fail("is too large to snapshot");
      }
      const uint8_t* data = saved->memory->data();
      for (size_t offset = 0; offset < saved->size; offset += kChunk) {
        const size_t n = std::min(kChunk, saved->size - offset);
        if (AllZero(data + offset, n)) continue;
        saved->chunks.push_back(static_cast<uint32_t>(offset / kChunk));
        saved->image.insert(saved->image.end(), data + offset, data + offset + n);
      }
      snapshot.memories_.push_back(std::move(saved));
    } else if (rest.starts_with(kGlobalExport)) {
      const auto* global = std::get_if<std::shared_ptr<Global>>(&item);
      if (global == nullptr || *global == nullptr) return fail("is not a global");
      if (!(*global)->is_mutable()) return fail("is not a mutable global");
      snapshot.globals_.push_back({*global, (*global)->Get()});
    } else {
      return fail("is not one PrepareResettable adds");
    }
  }
  if (!prepared) {
    return Error("the instance has no '" + std::string(kStateExportPrefix) +
                     std::string(kPreparedExport) +
                     "' export: its module was not prepared by PrepareResettable",
                 kLinkError);
  }
  return snapshot;
}

Status InstanceSnapshot::Restore() const {
  for (const auto& saved : memories_) {
    const size_t size = saved->memory->size();
    if (size != saved->size) {
      return Error("memory grew from " + std::to_string(saved->size) + " to " +
                   std::to_string(size) + " bytes since the snapshot: it cannot shrink back");
    }
  }
  for (const auto& saved : memories_) {
    // Fetched now: growth or a call into the guest may have moved it since the capture.
    uint8_t* data = saved->memory->data();
    size_t next = 0;  // into saved->chunks
    const uint8_t* image = saved->image.data();
    for (size_t offset = 0, chunk = 0; offset < saved->size; offset += kChunk, ++chunk) {
      const size_t n = std::min(kChunk, saved->size - offset);
      uint8_t* live = data + offset;
      if (next < saved->chunks.size() && saved->chunks[next] == chunk) {
        if (std::memcmp(live, image, n) != 0) std::memcpy(live, image, n);
        image += n;
        ++next;
      } else if (!AllZero(live, n)) {
        std::memset(live, 0, n);
      }
    }
  }
  for (const SavedGlobal& saved : globals_) {
    WCLOUD_TRY_STATUS(saved.global->Set(saved.value));
  }
  return Ok();
}

size_t InstanceSnapshot::memory_bytes() const {
  size_t total = 0;
  for (const auto& saved : memories_) total += saved->size;
  return total;
}

}  // namespace wcloud::wasm
