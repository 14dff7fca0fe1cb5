// The component model's type system, resolved: type indices of the binary are replaced by
// pointers, so a ValType tree says everything the canonical ABI needs (Explainer.md "Type
// Definitions"). Types are immutable and shared.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace wcloud::component {

enum class TypeKind : uint8_t {
  kBool,
  kS8,
  kU8,
  kS16,
  kU16,
  kS32,
  kU32,
  kS64,
  kU64,
  kF32,
  kF64,
  kChar,
  kString,
  kList,
  kRecord,
  kTuple,
  kVariant,
  kEnum,
  kFlags,
  kOption,
  kResult,
  kOwn,
  kBorrow,
  kErrorContext,
};

struct ValType;
using TypeRef = std::shared_ptr<const ValType>;

// A resource type as the binary declares it. Identity is the object's address: two `own` types
// refer to the same resource exactly when they point at the same ResourceType. Abstract ones
// (an import's `(sub resource)` bound) are bound to a concrete resource when the component is
// instantiated; defined ones (`(resource (rep i32) (dtor f))`) are created anew per instance.
struct ResourceType {
  std::string name;             // the name it was imported or exported under, for messages
  bool is_abstract = true;      // false: defined by this component
  bool has_dtor = false;        // defined ones: `dtor` present
  uint32_t dtor_core_func = 0;  // defined ones: core function index of the destructor
};

struct Field {
  std::string name;
  TypeRef type;
};

struct Case {
  std::string name;
  TypeRef type;  // nullptr: the case carries no payload
};

// A type's canonical ABI layout (size, alignment, flat count), worked out on first use and kept:
// the walks are recursive (wasi:http's error-code nests dozens of cases) and a call lays out its
// types on every call. Threads that race compute the same numbers. A copy starts empty, since a
// type is copied only to be changed (the decoder substituting resolved types).
class LayoutCache {
 public:
  LayoutCache() = default;
  LayoutCache(const LayoutCache&) {}
  LayoutCache& operator=(const LayoutCache&) {
    size_.store(0, std::memory_order_relaxed);
    align_.store(0, std::memory_order_relaxed);
    flat_.store(0, std::memory_order_relaxed);
    return *this;
  }

  // 0 when not worked out yet.
  uint32_t size_plus_one() const { return size_.load(std::memory_order_relaxed); }
  uint32_t align_plus_one() const { return align_.load(std::memory_order_relaxed); }
  uint32_t flat_plus_one() const { return flat_.load(std::memory_order_relaxed); }
  void set_size(uint32_t v) const { size_.store(v + 1, std::memory_order_relaxed); }
  void set_align(uint32_t v) const { align_.store(v + 1, std::memory_order_relaxed); }
  void set_flat(uint32_t v) const { flat_.store(v + 1, std::memory_order_relaxed); }

 private:
  mutable std::atomic<uint32_t> size_{0};
  mutable std::atomic<uint32_t> align_{0};
  mutable std::atomic<uint32_t> flat_{0};
};

struct ValType {
  TypeKind kind = TypeKind::kBool;
  std::vector<Field> fields;                     // record
  std::vector<Case> cases;                       // variant
  std::vector<TypeRef> elements;                 // tuple
  TypeRef element;                               // list, option
  TypeRef ok;                                    // result (nullptr: no payload)
  TypeRef err;                                   // result (nullptr: no payload)
  std::vector<std::string> labels;               // enum, flags (at most 32 flags)
  std::shared_ptr<const ResourceType> resource;  // own, borrow
  LayoutCache layout;                            // filled by the canonical ABI
};

// Shared instances of the primitive types, so primitives are never allocated per use.
TypeRef PrimitiveType(TypeKind kind);
// The WIT name of a primitive kind ("u32", "string", "error-context"); nullptr otherwise.
const char* PrimitiveName(TypeKind kind);

struct FuncType {
  std::vector<Field> params;
  // At most one unnamed result in current binaries; older binaries name several.
  std::vector<Field> results;
};
using FuncTypeRef = std::shared_ptr<const FuncType>;

struct ComponentType;
struct InstanceType;
struct CoreModuleType;
using ComponentTypeRef = std::shared_ptr<const ComponentType>;
using InstanceTypeRef = std::shared_ptr<const InstanceType>;
using CoreModuleTypeRef = std::shared_ptr<const CoreModuleType>;

// What an import or export is (Binary.md `externdesc`), resolved.
enum class ExternKind : uint8_t { kCoreModule, kFunc, kValue, kType, kComponent, kInstance };

struct TypeDef;
using TypeDefRef = std::shared_ptr<const TypeDef>;

struct ExternType {
  ExternKind kind = ExternKind::kFunc;
  FuncTypeRef func;               // kFunc
  TypeRef value;                  // kValue
  TypeDefRef type;                // kType: what the name stands for (`eq` bound, or a resource)
  ComponentTypeRef component;     // kComponent
  InstanceTypeRef instance;       // kInstance
  CoreModuleTypeRef core_module;  // kCoreModule
};

struct NamedExtern {
  std::string name;  // e.g. "wasi:io/streams@0.2.12", "get-environment", "output-stream"
  ExternType type;
};

struct InstanceType {
  std::vector<NamedExtern> exports;
};

struct ComponentType {
  std::vector<NamedExtern> imports;
  std::vector<NamedExtern> exports;
};

// Core module types (core:moduletype) are only needed to describe imported core modules.
struct CoreModuleType {
  struct Entry {
    std::string module;  // empty for exports
    std::string name;
    uint8_t kind = 0;  // core:importdesc kind byte (0 func, 1 table, 2 memory, 3 global)
  };
  std::vector<Entry> imports;
  std::vector<Entry> exports;
};

// An entry of the component-level type index space.
struct TypeDef {
  enum class Kind : uint8_t { kValue, kFunc, kComponent, kInstance, kResource };
  Kind kind = Kind::kValue;
  TypeRef value;                                 // kValue (also own/borrow handle types)
  FuncTypeRef func;                              // kFunc
  ComponentTypeRef component;                    // kComponent
  InstanceTypeRef instance;                      // kInstance
  std::shared_ptr<const ResourceType> resource;  // kResource
};

}  // namespace wcloud::component
