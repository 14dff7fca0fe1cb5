#include "wasm/code_scan.h"

#include <array>

#include "wasm/binary_format.h"

namespace wcloud::wasm {
namespace {

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

void SkipMemarg(ByteCursor& c) {
  const uint32_t align = c.U32();
  if (align & 0x40) c.SkipLeb(32);  // multi-memory: a memory index follows
  c.SkipLeb(64);                    // offset (u64 for memory64)
}

// Decodes one instruction, skipping its immediates. Table writes, global.set and opcodes we do
// not know are reported; everything else is Finding::kNothing.
inline Finding ScanInstruction(ByteCursor& c, Instruction& in) {
  in.opcode = c.Byte();
  switch (kOpcodes[in.opcode]) {
    case Imm::kNone:
      return Finding::kNothing;
    case Imm::kIndex:
      c.SkipLeb(32);
      return Finding::kNothing;
    case Imm::kTwoIndices:
      c.SkipLeb(32);
      c.SkipLeb(32);
      return Finding::kNothing;
    case Imm::kBlockType: {
      // 0x40, a value type, or a type index as a non-negative s33.
      const uint8_t b = c.Peek();
      if (b == 0x63 || b == 0x64) {
        SkipValueType(c);
      } else {
        c.SkipLeb(32);
      }
      return Finding::kNothing;
    }
    case Imm::kMemarg:
      SkipMemarg(c);
      return Finding::kNothing;
    case Imm::kSigned32:
      c.SkipLeb(32);
      return Finding::kNothing;
    case Imm::kSigned64:
      c.SkipLeb(64);
      return Finding::kNothing;
    case Imm::kBytes4:
      c.Skip(4);
      return Finding::kNothing;
    case Imm::kBytes8:
      c.Skip(8);
      return Finding::kNothing;
    case Imm::kBrTable: {
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) c.SkipLeb(32);
      c.SkipLeb(32);  // default label
      return Finding::kNothing;
    }
    case Imm::kSelectTypes: {
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) SkipValueType(c);
      return Finding::kNothing;
    }
    case Imm::kHeapType:
      c.SkipLeb(32);
      return Finding::kNothing;
    case Imm::kTryTable: {
      if (c.Peek() == 0x63 || c.Peek() == 0x64) {
        SkipValueType(c);
      } else {
        c.SkipLeb(32);
      }
      const uint32_t n = c.Count();
      for (uint32_t i = 0; i < n && !c.failed(); ++i) {
        const uint8_t kind = c.Byte();
        if (kind > 3) {
          c.Fail("try_table catch kind is not 0 to 3");
          break;
        }
        if (kind < 2) c.SkipLeb(32);  // catch, catch_ref: a tag index
        c.SkipLeb(32);                // label
      }
      return Finding::kNothing;
    }
    case Imm::kGlobalSet:
      in.global = c.U32();
      return Finding::kGlobalWrite;
    case Imm::kTableSet:
      c.SkipLeb(32);
      in.name = "table.set";
      return Finding::kTableWrite;
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
          return Finding::kNothing;
        case 8:   // memory.init data memory
        case 10:  // memory.copy memory memory
          c.SkipLeb(32);
          c.SkipLeb(32);
          return Finding::kNothing;
        case 9:   // data.drop
        case 11:  // memory.fill
        case 13:  // elem.drop: harmless, every element segment being active or declarative
        case 16:  // table.size
          c.SkipLeb(32);
          return Finding::kNothing;
        case 12:
          in.name = "table.init";
          return Finding::kTableWrite;
        case 14:
          in.name = "table.copy";
          return Finding::kTableWrite;
        case 15:
          in.name = "table.grow";
          return Finding::kTableWrite;
        case 17:
          in.name = "table.fill";
          return Finding::kTableWrite;
        default:
          return Finding::kUnknownOpcode;
      }
    case Imm::kPrefixFD:
      in.sub = c.U32();
      switch (in.sub < kSimdOpcodes.size() ? kSimdOpcodes[in.sub] : SimdImm::kUnknown) {
        case SimdImm::kNone:
          return Finding::kNothing;
        case SimdImm::kMemarg:
          SkipMemarg(c);
          return Finding::kNothing;
        case SimdImm::kMemargLane:
          SkipMemarg(c);
          c.Skip(1);
          return Finding::kNothing;
        case SimdImm::kBytes16:
          c.Skip(16);
          return Finding::kNothing;
        case SimdImm::kLane:
          c.Skip(1);
          return Finding::kNothing;
        case SimdImm::kUnknown:
          return Finding::kUnknownOpcode;
      }
      return Finding::kUnknownOpcode;
    case Imm::kPrefixFE:
      in.sub = c.U32();
      if (in.sub == 0x03) {  // atomic.fence: a reserved byte
        c.Skip(1);
        return Finding::kNothing;
      }
      if (in.sub <= 0x02 || (in.sub >= 0x10 && in.sub <= 0x4e)) {
        SkipMemarg(c);
        return Finding::kNothing;
      }
      return Finding::kUnknownOpcode;
    case Imm::kUnknown:
      return Finding::kUnknownOpcode;
  }
  return Finding::kUnknownOpcode;
}

}  // namespace

void SkipValueType(ByteCursor& c) {
  const uint8_t t = c.Byte();
  if (t == 0x63 || t == 0x64) c.SkipLeb(32);  // (ref null ht), (ref ht)
}

void SkipLocals(ByteCursor& body) {
  const uint32_t groups = body.Count();
  for (uint32_t k = 0; k < groups && !body.failed(); ++k) {
    body.SkipLeb(32);
    SkipValueType(body);
  }
}

Finding FindNext(ByteCursor& code, Instruction& in) {
  while (!code.AtEnd()) {
    const size_t at = code.pos();
    const Finding found = ScanInstruction(code, in);
    if (code.failed()) break;
    if (found == Finding::kNothing) continue;
    in.offset = at;
    return found;
  }
  return Finding::kNothing;
}

Finding SkipConstExpr(ByteCursor& c, Instruction& in) {
  // Constant expressions hold no blocks, but nesting is tracked anyway so that an `end` is
  // only taken as the last one when it closes the expression.
  uint32_t depth = 0;
  while (!c.failed()) {
    const size_t at = c.pos();
    const Finding found = ScanInstruction(c, in);
    if (c.failed()) break;
    if (found == Finding::kUnknownOpcode) {
      in.offset = at;
      c.Fail("unknown opcode");
      return found;
    }
    if (found != Finding::kNothing) {
      c.Fail("instruction not allowed in a constant expression");
      break;
    }
    const Imm imm = kOpcodes[in.opcode];
    if (imm == Imm::kBlockType || imm == Imm::kTryTable) {
      ++depth;
    } else if (in.opcode == 0x0b) {
      if (depth == 0) break;
      --depth;
    }
  }
  return Finding::kNothing;
}

std::string OpcodeText(const Instruction& in) {
  if (in.opcode >= 0xfc && kOpcodes[in.opcode] != Imm::kUnknown) {
    return HexText(in.opcode) + " " + std::to_string(in.sub);
  }
  return HexText(in.opcode);
}

}  // namespace wcloud::wasm
