// Our own reader of a core module's import, export and memory declarations: the engine seam
// reports them in module order (Module::imports()/exports()) and lowers memory maxima for
// StoreOptions::max_memory_bytes, without asking the engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::wasm {

// A memory defined (not imported) by the module.
struct DefinedMemory {
  Limits limits;  // pages
  bool shared = false;
  bool memory64 = false;
};

struct ModuleInfo {
  std::vector<ImportType> imports;
  std::vector<ExportType> exports;
  std::vector<DefinedMemory> memories;
  // The whole memory section (id byte to end of contents) when the module has one.
  size_t memory_section_begin = 0;
  size_t memory_section_end = 0;
};

// Reads the type, import, function, table, memory, tag, global and export sections. Never
// crashes on malformed bytes: the Error names the section and byte offset. Function bodies are
// not validated (the engine does that).
Result<ModuleInfo> ParseModuleInfo(std::span<const uint8_t> bytes);

// Copy of `bytes` whose defined memories declare a maximum of at most `max_pages` (a memory
// without a maximum gets `max_pages`), so memory.grow fails past it. A memory whose minimum is
// above `max_pages` is an Error. Returns an empty vector when no memory needs lowering.
Result<std::vector<uint8_t>> LimitMemories(std::span<const uint8_t> bytes, const ModuleInfo& info,
                                           uint64_t max_pages);

}  // namespace wcloud::wasm
