// The WebAssembly engine seam: everything above src/wasm/ runs core modules through these types
// only, so no V8 type escapes this layer and a second backend (an AOT tier) can be added later.
//
// Threading: an Engine is shared by all threads. A Module is immutable and shared across threads
// (compiled once per digest). A Store (one V8 isolate) and everything created in it are used from
// one thread at a time; every object obtained from a Store must be destroyed before the Store.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "util/result.h"

namespace wcloud::wasm {

// How the engine's failures are coded, so callers can tell a guest bug from a deadline or a
// host failure without parsing messages: a module that does not compile is kInvalidArgument;
// imports that do not match, kFailedPrecondition; a deadline, kDeadlineExceeded; Interrupt(),
// kCancelled; a trap, kAborted with GuestStop::kTrap; a failed host function, kInternal with
// GuestStop::kHostFunction (unless the host coded its own error).
inline Error TrapError(std::string message) {
  return Error(std::move(message), ErrorCode::kAborted, ErrorDetails::Guest(GuestStop::kTrap));
}
inline Error HostFunctionError(std::string message) {
  return Error(std::move(message), ErrorCode::kInternal,
               ErrorDetails::Guest(GuestStop::kHostFunction));
}
inline bool IsTrap(const Error& e) { return e.details().guest == GuestStop::kTrap; }
inline bool IsHostFunctionError(const Error& e) {
  return e.details().guest == GuestStop::kHostFunction;
}

enum class ValType : uint8_t { kI32, kI64, kF32, kF64, kFuncRef, kExternRef };

// A core value: only numeric types cross this interface (references move through Table).
struct Val {
  ValType type = ValType::kI32;
  union {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
  };
  Val() : i64(0) {}
  static Val I32(uint32_t v) {
    Val x;
    x.type = ValType::kI32;
    x.i32 = v;
    return x;
  }
  static Val I64(uint64_t v) {
    Val x;
    x.type = ValType::kI64;
    x.i64 = v;
    return x;
  }
  static Val F32(float v) {
    Val x;
    x.type = ValType::kF32;
    x.f32 = v;
    return x;
  }
  static Val F64(double v) {
    Val x;
    x.type = ValType::kF64;
    x.f64 = v;
    return x;
  }
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

struct Limits {
  uint64_t min = 0;
  std::optional<uint64_t> max;
  bool operator==(const Limits&) const = default;
};

enum class ExternKind : uint8_t { kFunc, kTable, kMemory, kGlobal, kTag };

struct ExternType {
  ExternKind kind = ExternKind::kFunc;
  FuncType func;                        // kFunc, kTag
  Limits limits;                        // kTable, kMemory (pages for memories)
  ValType element = ValType::kFuncRef;  // kTable
  ValType global = ValType::kI32;       // kGlobal
  bool global_mutable = false;          // kGlobal
  bool memory64 = false;                // kMemory
  bool shared = false;                  // kMemory
};

struct ImportType {
  std::string module;
  std::string name;
  ExternType type;
};

struct ExportType {
  std::string name;
  ExternType type;
};

// A compiled core module. Immutable, shareable across threads and stores.
class Module {
 public:
  virtual ~Module() = default;
  virtual const std::vector<ImportType>& imports() const = 0;
  virtual const std::vector<ExportType>& exports() const = 0;
};

class Func {
 public:
  virtual ~Func() = default;
  virtual const FuncType& type() const = 0;
  // Runs the function. `args` must match type().params, `results` has type().results.size()
  // slots. A trap, a deadline or a failed host function comes back as an Error with an
  // ErrorCode; the store stays usable afterwards.
  virtual Status Call(std::span<const Val> args, std::span<Val> results) = 0;
};

class Memory {
 public:
  virtual ~Memory() = default;
  // The base pointer moves when the memory grows (also from inside the guest): fetch it again
  // after every call into the guest.
  virtual uint8_t* data() = 0;
  virtual size_t size() const = 0;  // bytes
  // Grows by `delta_pages` (64 KiB each); returns the previous size in pages.
  virtual Result<uint32_t> Grow(uint32_t delta_pages) = 0;
};

class Table {
 public:
  virtual ~Table() = default;
  virtual uint32_t size() const = 0;
  // A null entry is a null pointer.
  virtual Result<std::shared_ptr<Func>> Get(uint32_t index) = 0;
  virtual Status Set(uint32_t index, std::shared_ptr<Func> func) = 0;
  virtual Result<uint32_t> Grow(uint32_t delta, std::shared_ptr<Func> init) = 0;
};

class Global {
 public:
  virtual ~Global() = default;
  virtual ValType type() const = 0;
  virtual bool is_mutable() const = 0;
  virtual Val Get() const = 0;
  virtual Status Set(Val value) = 0;
};

using Extern = std::variant<std::shared_ptr<Func>, std::shared_ptr<Table>, std::shared_ptr<Memory>,
                            std::shared_ptr<Global>>;

class Instance {
 public:
  virtual ~Instance() = default;
  // Exports in the module's export order.
  virtual const std::vector<std::pair<std::string, Extern>>& exports() const = 0;
  // nullptr-equivalent (std::nullopt) when there is no export of that name.
  virtual std::optional<Extern> GetExport(std::string_view name) const = 0;
};

// A host function. Returning an Error traps the calling guest; the error (message and code)
// reaches whoever called into the guest, as a HostFunctionError unless the host coded its own.
using HostCallback = std::function<Status(std::span<const Val> args, std::span<Val> results)>;

struct StoreOptions {
  // Upper bound for each memory of modules instantiated in this store; growth past it fails
  // (memory.grow returns -1). Unset: the module's own limits.
  std::optional<uint64_t> max_memory_bytes;
};

// One isolate: the unit of single-threaded execution.
class Store {
 public:
  virtual ~Store() = default;
  // `imports` are given in the module's import order (Module::imports()).
  virtual Result<std::unique_ptr<Instance>> Instantiate(const Module& module,
                                                        std::span<const Extern> imports) = 0;
  virtual std::shared_ptr<Func> NewHostFunc(FuncType type, HostCallback callback) = 0;
  virtual Result<std::shared_ptr<Memory>> NewMemory(Limits limits) = 0;
  virtual Result<std::shared_ptr<Table>> NewTable(Limits limits) = 0;  // funcref elements

  // Guest code running past `deadline` is terminated with ErrorCode::kDeadlineExceeded. Applies to
  // every call until changed; std::nullopt clears it.
  virtual void SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
  // Caps each memory of what is instantiated (and each memory made) from now on at
  // `max_memory_bytes`, in place of StoreOptions::max_memory_bytes; std::nullopt: back to that.
  // What was instantiated before keeps the cap it was made with. One store serves components
  // with caps of their own this way.
  virtual void SetMemoryLimit(std::optional<uint64_t> max_memory_bytes) = 0;
  // Thread-safe: terminates whatever guest code this store is running now (ErrorCode::kCancelled).
  virtual void Interrupt() = 0;
  // Gives the system back the memory of instances and memories no longer referenced, which an
  // engine may otherwise keep until it next collects on its own (V8: a full collection of this
  // store's heap, milliseconds). For after dropping an instance whose memories grew large.
  virtual void ReleaseFreedMemory() = 0;
};

struct CompileOptions {
  // Lazy compilation makes large modules (a 12 MB JavaScript engine) start in a third of the
  // time; eager compilation front-loads the cost.
  bool lazy = true;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual Result<std::shared_ptr<const Module>> Compile(std::span<const uint8_t> bytes,
                                                        const CompileOptions& options = {}) = 0;
  virtual Result<std::unique_ptr<Store>> NewStore(const StoreOptions& options = {}) = 0;
};

}  // namespace wcloud::wasm
