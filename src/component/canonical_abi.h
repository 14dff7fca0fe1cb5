// The Canonical ABI (CanonicalABI.md): how component-level values are laid out in a core
// instance's linear memory and flattened into core parameters and results. Pure functions over
// a LiftLowerContext, so they are testable without an engine and shared by `canon lift` (the
// host calls a guest export) and `canon lower` (a guest calls a host import).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "component/inline_vector.h"
#include "component/types.h"
#include "component/value.h"
#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::component {

inline constexpr size_t kMaxFlatParams = 16;
inline constexpr size_t kMaxFlatResults = 1;

enum class StringEncoding : uint8_t { kUtf8, kUtf16, kLatin1Utf16 };

// What one lift or lower needs from the instance it runs against: its memory, its realloc, its
// string encoding, and its handle table for own/borrow. Implemented by the instantiation layer
// (and by a plain buffer in tests).
class LiftLowerContext {
 public:
  virtual ~LiftLowerContext() = default;

  virtual StringEncoding string_encoding() const = 0;

  // The current memory; re-read after Realloc (the guest may grow memory). Empty when the
  // canonical options name no memory (then any value needing memory is an error).
  virtual std::span<uint8_t> memory() = 0;

  // The guest's `realloc(old_ptr, old_size, align, new_size)`; an Error when there is none.
  virtual Result<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                                   uint32_t new_size) = 0;

  // Handles (CanonicalABI.md "Handle types"). `resource` is the static type from the ValType;
  // the context maps it to the runtime resource of this instance. Lifting takes a handle index
  // out of the instance's table (own: removes it; borrow: the rep for the call's duration);
  // lowering puts one in and returns its index.
  virtual Result<ResourceValue> LiftOwn(const ResourceType& resource, uint32_t handle) = 0;
  virtual Result<ResourceValue> LiftBorrow(const ResourceType& resource, uint32_t handle) = 0;
  virtual Result<uint32_t> LowerOwn(const ResourceType& resource, const ResourceValue& value) = 0;
  virtual Result<uint32_t> LowerBorrow(const ResourceType& resource,
                                       const ResourceValue& value) = 0;
};

// Layout.
uint32_t AlignmentOf(const ValType& type);
uint32_t SizeOf(const ValType& type);
// Core types of the flattened value (CanonicalABI.md `flatten_type`), appended to `out`.
void Flatten(const ValType& type, std::vector<wasm::ValType>& out);

// The core signature of a component function (CanonicalABI.md `flatten_functype`). `lower`:
// the signature the guest imports (results past kMaxFlatResults become a trailing i32 return
// pointer parameter); otherwise the signature a lifted export has (they become an i32 result
// pointing at the results in memory). Params past kMaxFlatParams become one i32 pointer.
wasm::FuncType FlattenFuncType(const FuncType& type, bool lower);

// In memory (`load` / `store`): every access is bounds-checked against the context's memory
// and the alignment checked; a bad pointer or string is an Error naming it, never a crash.
Result<Value> Load(LiftLowerContext& cx, const ValType& type, uint32_t ptr);
Status Store(LiftLowerContext& cx, const ValType& type, const Value& value, uint32_t ptr);

// Flat (`lift_flat` / `lower_flat`): `values` is consumed from `*pos` on.
Result<Value> LiftFlat(LiftLowerContext& cx, const ValType& type, std::span<const wasm::Val> values,
                       size_t* pos);
Status LowerFlat(LiftLowerContext& cx, const ValType& type, const Value& value,
                 std::vector<wasm::Val>& out);

// Whole calls, with the MAX_FLAT_PARAMS / MAX_FLAT_RESULTS rules applied. Core values need no
// heap: a call never has more than kMaxFlatParams of them (past that they go through memory),
// so they fit a FlatValues on the stack. Component values go into the caller's vectors.
using FlatValues = InlineVector<wasm::Val, kMaxFlatParams>;

// How a component function type flattens (CanonicalABI.md `flatten_functype`), so a lowered
// import works it out once rather than on every call. Refers to `type`, which must outlive it.
class FlatSignature {
 public:
  explicit FlatSignature(const FuncType& type);
  explicit FlatSignature(const FuncType&& type) = delete;  // would dangle

  const FuncType& type() const { return *type_; }
  size_t flat_params() const { return flat_params_; }
  size_t flat_results() const { return flat_results_; }
  // Past kMaxFlatParams the parameters are one tuple in memory, passed by an i32 pointer.
  bool params_in_memory() const { return flat_params_ > kMaxFlatParams; }
  // Past kMaxFlatResults the results are one tuple in memory: a lowered import is given a
  // pointer to store them at (its last core parameter), a lifted export returns one.
  bool results_in_memory() const { return flat_results_ > kMaxFlatResults; }

  // Size and alignment of the parameter and result tuples; worked out only for those that are
  // in memory (otherwise 0 and 1).
  struct TupleLayout {
    uint32_t size = 0;
    uint32_t align = 1;
  };
  const TupleLayout& params_tuple() const { return params_tuple_; }
  const TupleLayout& results_tuple() const { return results_tuple_; }

 private:
  const FuncType* type_;
  size_t flat_params_;
  size_t flat_results_;
  TupleLayout params_tuple_;
  TupleLayout results_tuple_;
};

// `canon lower`, on entry: the guest's core arguments become the host function's parameters,
// which replace the contents of `args` (a caller's vector, so its capacity is reused across
// calls). When the results need a return pointer, it is the last core argument and is returned
// in `*return_pointer`.
Status LiftImportArgs(LiftLowerContext& cx, const FlatSignature& signature,
                      std::span<const wasm::Val> core_args, std::vector<Value>& args,
                      std::optional<uint32_t>* return_pointer);
// `canon lower`, on exit: the host's results become the guest's core results, which replace the
// contents of `out` (none when they were stored through `return_pointer`).
Status LowerImportResults(LiftLowerContext& cx, const FlatSignature& signature,
                          std::span<const Value> results, std::optional<uint32_t> return_pointer,
                          FlatValues& out);

// `canon lift`, on entry: the host's arguments become the guest export's core arguments, which
// replace the contents of `out` (spilled to memory allocated with realloc past kMaxFlatParams).
Status LowerExportArgs(LiftLowerContext& cx, const FlatSignature& signature,
                       std::span<const Value> args, FlatValues& out);
// `canon lift`, on exit: the guest's core results become component results (loaded from the
// returned pointer past kMaxFlatResults).
Result<std::vector<Value>> LiftExportResults(LiftLowerContext& cx, const FlatSignature& signature,
                                             std::span<const wasm::Val> core_results);

}  // namespace wcloud::component
