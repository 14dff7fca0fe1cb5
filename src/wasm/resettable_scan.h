// The section scan behind PrepareResettable: one pass over a core module that finds its
// sections, the memories and globals it defines, where its global and export entries start,
// and the first reason it cannot be reset (a table write, a passive segment, an unknown opcode,
// a mutable global whose value cannot be saved). The rewrite in instance_reset.cc uses what it
// learns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"
#include "wasm/byte_cursor.h"

namespace wcloud::wasm {

struct Section {
  uint8_t id = 0;
  size_t begin = 0;          // the id byte
  size_t content_begin = 0;  // after the size
  size_t end = 0;
};

struct DefinedGlobal {
  uint8_t type = 0;  // first byte of the value type
  bool is_mutable = false;
  // Mutable but of a type Val cannot carry (v128, references): resettable only while nothing
  // can change it, so a global.set or an export of it is a reason.
  bool unsaveable() const {
    return is_mutable && type != 0x7f && type != 0x7e && type != 0x7d && type != 0x7c;
  }
};

class ResettableScan {
 public:
  explicit ResettableScan(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  // An Error for malformed bytes, naming the section and byte offset. Stops at the first
  // reason, so the accessors below are complete only when reason() is empty.
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
  Status Check(const ByteCursor& c, const Section& s, const std::string& where = "") const;
  const DefinedGlobal* Defined(uint32_t global_index) const;

  Status ReadSections();
  Status ReadImports(const Section& s);
  Status ReadGlobals(const Section& s);
  Status ReadExports(const Section& s);
  Status ReadElements(const Section& s);
  Status ReadCode(const Section& s);
  Status ReadData(const Section& s);
  // Skips a constant expression through its final `end`; an opcode we do not know sets the
  // reason, naming `what` holds the expression.
  void SkipConstExpr(ByteCursor& c, const char* what, uint32_t index);

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

}  // namespace wcloud::wasm
