// The instruction decoder behind PrepareResettable: it walks function bodies and constant
// expressions, skipping every immediate so that no immediate byte is taken for an opcode, and
// stops where a reset cares: an instruction that changes a table or a global, or an opcode it
// does not know (a newer proposal might change state it cannot see).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "wasm/byte_cursor.h"

namespace wcloud::wasm {

// What the decoder stops at.
enum class Finding : uint8_t {
  kNothing,  // the end of the code, or malformed bytes (the cursor failed)
  kTableWrite,
  kGlobalWrite,
  kUnknownOpcode,
};

// The instruction a Finding is about.
struct Instruction {
  size_t offset = 0;  // of its opcode, from the start of the module
  uint8_t opcode = 0;
  uint32_t sub = 0;       // after a 0xfc, 0xfd or 0xfe prefix
  uint32_t global = 0;    // kGlobalWrite: the global.set target
  const char* name = "";  // kTableWrite: "table.set", "table.grow", ...
};

// Skips a value type, with the heap type of (ref null ht) and (ref ht).
void SkipValueType(ByteCursor& c);

// Skips the local declarations that open a function body.
void SkipLocals(ByteCursor& body);

// Decodes instructions up to the end of `code` and stops at the first one that is not
// Finding::kNothing, describing it in `in`. After a kGlobalWrite the cursor is past it, so a
// caller that does not mind the write calls again to go on; after the others, immediates may be
// left unread. kNothing at the end and on malformed bytes, which fail the cursor (its failure()
// and failure_pos() say what and where).
Finding FindNext(ByteCursor& code, Instruction& in);

// Skips a constant expression through the `end` that closes it. An instruction a constant
// expression does not allow fails the cursor; so does an opcode it does not know, which returns
// kUnknownOpcode (described in `in`) to tell it from malformed bytes.
Finding SkipConstExpr(ByteCursor& c, Instruction& in);

// How reasons name an opcode: "0x27", or "0xfc 18" after a prefix.
std::string OpcodeText(const Instruction& in);

}  // namespace wcloud::wasm
