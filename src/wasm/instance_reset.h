// Bringing a core instance back to the state it had right after instantiation, so a fresh
// instance per request (WASI 0.2 semantics) costs a copy of its memory instead of a new
// instantiation. A module is prepared once: every memory and mutable global it defines is
// exported under a reserved name, which lets the host save and restore them through the engine
// seam; state that exports cannot reach (table contents, dropped segments) must not change
// after instantiation, so a module whose code can change it is not resettable.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::wasm {

// Exports added by PrepareResettable: kStateExportPrefix + "memory:N" / "global:N", N being the
// index in the module's memory / global index space, and kStateExportPrefix + "prepared", an
// immutable i32 global appended to the module so that even a module without state is known
// to be prepared. Mutable globals of types Val cannot carry (v128, references) are not
// exported: the module is resettable only when no code writes them and they are not exported.
inline constexpr std::string_view kStateExportPrefix = "wcloud-state:";

struct ResettableModule {
  // The module with its state exported; the input unchanged when it is not resettable.
  std::vector<uint8_t> bytes;
  bool resettable = false;
  // Why not, naming the function and offset or the segment: "function 12 at offset 0x3f1:
  // table.set".
  std::string reason;
};

// Resettable when no instruction can change table contents or sizes (table.set, table.grow,
// table.fill, table.copy, table.init), no data or element segment is passive (dropping one
// would outlive a reset), and every opcode is one we know. Malformed bytes are an Error; a
// module that already uses the reserved prefix (prepared twice) is not resettable. Imported
// memories and globals are left to the module that defines them.
Result<ResettableModule> PrepareResettable(std::span<const uint8_t> bytes);

// The memories and mutable globals of one instance of a prepared module, saved right after
// instantiation (before any call). In a component, capture every core instance only once all
// of them are instantiated: a later instance's active segments and start function write into
// the memories and tables it imports. Holds the instance's memory and global objects: destroy
// it before the store, like the instance. Use it on the store's thread.
class InstanceSnapshot {
 public:
  // An Error when `instance` lacks the state exports (its module was not prepared).
  static Result<InstanceSnapshot> Capture(const Instance& instance);

  // Writes the saved state back. An Error, leaving the instance to be discarded, when that
  // cannot make it fresh again: a memory grew since the capture.
  Status Restore() const;

  // Total size of the saved memories: what a Restore reads (it writes only chunks that differ,
  // and the snapshot keeps only the chunks that were not all zero).
  size_t memory_bytes() const;

  // Implementation-defined; public so the .cc may define it without friends.
  struct SavedMemory;
  struct SavedGlobal {
    std::shared_ptr<Global> global;
    Val value;
  };

 private:
  std::vector<std::shared_ptr<SavedMemory>> memories_;
  std::vector<SavedGlobal> globals_;
};

}  // namespace wcloud::wasm
