// A decoded and validated component (Binary.md): its definitions in binary order, each of which
// appends one entry to an index space. Instantiation replays them in order, so this mirrors the
// binary closely; types are already resolved (component/types.h). Produced by DecodeComponent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "component/canonical_abi.h"
#include "component/types.h"

namespace wcloud::component {

// Binary.md `sort` / `core:sort`.
enum class Sort : uint8_t {
  kCoreFunc,
  kCoreTable,
  kCoreMemory,
  kCoreGlobal,
  kCoreType,
  kCoreModule,
  kCoreInstance,
  kFunc,
  kValue,
  kType,
  kComponent,
  kInstance,
};

const char* SortName(Sort sort);  // "core func", "instance", ... for messages

struct SortIndex {
  Sort sort = Sort::kFunc;
  uint32_t index = 0;
};

// --- core definitions -----------------------------------------------------------------------

// A core module embedded in the component; `bytes` points into Component::bytes.
struct CoreModuleDef {
  std::span<const uint8_t> bytes;
  uint32_t offset = 0;  // of the module's first byte in the file, for messages
};

struct CoreInstantiate {
  uint32_t module = 0;  // core module index
  struct Arg {
    std::string name;       // the import module name it satisfies
    uint32_t instance = 0;  // core instance index
  };
  std::vector<Arg> args;
};

struct CoreInlineExports {
  struct Export {
    std::string name;
    Sort sort = Sort::kCoreFunc;  // a core sort
    uint32_t index = 0;
  };
  std::vector<Export> exports;
};

using CoreInstanceDef = std::variant<CoreInstantiate, CoreInlineExports>;

// --- component-level definitions ------------------------------------------------------------

struct Component;

struct Instantiate {
  uint32_t component = 0;  // component index
  struct Arg {
    std::string name;
    SortIndex item;
  };
  std::vector<Arg> args;
};

struct InlineExports {
  struct Export {
    std::string name;
    SortIndex item;
  };
  std::vector<Export> exports;
};

using InstanceDef = std::variant<Instantiate, InlineExports>;

// alias: `sort` is what the alias adds to.
struct AliasInstanceExport {  // (alias export $instance "name")
  Sort sort = Sort::kFunc;
  uint32_t instance = 0;
  std::string name;
};
struct AliasCoreExport {  // (alias core export $core-instance "name")
  Sort sort = Sort::kCoreFunc;
  uint32_t instance = 0;
  std::string name;
};
struct AliasOuter {  // (alias outer $count $index): count enclosing components up
  Sort sort = Sort::kType;
  uint32_t count = 0;
  uint32_t index = 0;
};
using AliasDef = std::variant<AliasInstanceExport, AliasCoreExport, AliasOuter>;

struct CanonOptions {
  StringEncoding encoding = StringEncoding::kUtf8;
  std::optional<uint32_t> memory;       // core memory index
  std::optional<uint32_t> realloc;      // core func index
  std::optional<uint32_t> post_return;  // core func index
};

struct CanonLift {  // adds a func
  uint32_t core_func = 0;
  CanonOptions options;
  uint32_t type = 0;  // component type index of the function type
  FuncTypeRef func_type;
};
struct CanonLower {  // adds a core func
  uint32_t func = 0;
  CanonOptions options;
};
struct CanonResourceNew {  // adds a core func: (func (param i32 rep) (result i32 handle))
  uint32_t type = 0;
  std::shared_ptr<const ResourceType> resource;
};
struct CanonResourceDrop {  // adds a core func: (func (param i32 handle))
  uint32_t type = 0;
  std::shared_ptr<const ResourceType> resource;
};
struct CanonResourceRep {  // adds a core func: (func (param i32 handle) (result i32 rep))
  uint32_t type = 0;
  std::shared_ptr<const ResourceType> resource;
};
using CanonDef =
    std::variant<CanonLift, CanonLower, CanonResourceNew, CanonResourceDrop, CanonResourceRep>;

struct ImportDef {
  std::string name;
  ExternType type;
};

struct ExportDef {
  std::string name;
  SortIndex item;
  std::optional<ExternType> ascribed;  // the optional `externdesc` of the export
};

struct StartDef {
  uint32_t func = 0;
  std::vector<uint32_t> args;  // value indices
  uint32_t results = 0;
};

// One definition; which index space it extends follows from its alternative (for aliases and
// exports, from their sort; a type definition extends the type space, a core type the core
// type space).
struct CoreTypeDef {
  std::optional<wasm::FuncType> func;  // a core func type
  CoreModuleTypeRef module;            // or a core module type
};

using Definition =
    std::variant<CoreModuleDef, CoreInstanceDef, CoreTypeDef, std::shared_ptr<const Component>,
                 InstanceDef, AliasDef, TypeDefRef, CanonDef, StartDef, ImportDef, ExportDef>;

struct Component {
  // The whole file, kept alive because CoreModuleDef spans point into it. Shared by nested
  // components.
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  uint32_t offset = 0;  // of this component's preamble in the file
  std::vector<Definition> definitions;

  // Summaries for callers that only need the outside view (wcloud inspect, linking).
  std::vector<ImportDef> imports;
  std::vector<NamedExtern> exports;  // export name and its resolved type
  // Names of types as they were imported or exported (for printing WIT), by type identity.
  std::vector<std::pair<const void*, std::string>> type_names;
};

// Decodes and validates a component binary. Every malformed input is an Error whose message
// names the byte offset ("offset 1234: ..."); sizes are checked against the input before
// anything is allocated.
Result<std::shared_ptr<const Component>> DecodeComponent(
    std::shared_ptr<const std::vector<uint8_t>> bytes);

}  // namespace wcloud::component
