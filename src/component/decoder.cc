// DecodeComponent: one pass over the binary (Binary.md), validating each definition against the
// index spaces built so far and resolving type indices to shared type objects as it goes.
#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "component/binary_reader.h"
#include "component/component.h"

namespace wcloud::component {

const char* SortName(Sort sort) {
  switch (sort) {
    case Sort::kCoreFunc:
      return "core func";
    case Sort::kCoreTable:
      return "core table";
    case Sort::kCoreMemory:
      return "core memory";
    case Sort::kCoreGlobal:
      return "core global";
    case Sort::kCoreType:
      return "core type";
    case Sort::kCoreModule:
      return "core module";
    case Sort::kCoreInstance:
      return "core instance";
    case Sort::kFunc:
      return "func";
    case Sort::kValue:
      return "value";
    case Sort::kType:
      return "type";
    case Sort::kComponent:
      return "component";
    case Sort::kInstance:
      return "instance";
  }
  return "unknown sort";
}

namespace {

// Nesting of components and type declarators, and of value types: bounded so that neither the
// decoder nor recursive consumers of the types (printer, canonical ABI) can exhaust the stack.
constexpr int kMaxNesting = 64;
constexpr uint32_t kMaxTypeDepth = 100;
// Value types are DAGs; consumers walk them as trees, so the expanded size is what is bounded.
constexpr uint64_t kMaxTypeSize = 1'000'000;

const char* ExternKindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kCoreModule:
      return "core module";
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kValue:
      return "value";
    case ExternKind::kType:
      return "type";
    case ExternKind::kComponent:
      return "component";
    case ExternKind::kInstance:
      return "instance";
  }
  return "unknown";
}

std::string Lower(std::string_view name) {
  std::string out(name);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Names and labels unique in their scope, compared ignoring ASCII case (Binary.md).
class NameSet {
 public:
  bool Insert(std::string_view name) { return names_.insert(Lower(name)).second; }

 private:
  std::set<std::string> names_;
};

// The index spaces of one component, component type or instance type.
struct Scope {
  Scope* parent = nullptr;
  bool is_type = false;  // a componenttype/instancetype declarator scope
  std::vector<TypeDefRef> types;
  std::vector<CoreTypeDef> core_types;
  std::vector<FuncTypeRef> funcs;
  std::vector<TypeRef> values;
  std::vector<InstanceTypeRef> instances;
  std::vector<ComponentTypeRef> components;
  std::vector<CoreModuleTypeRef> core_modules;  // nullptr: defined here, type not tracked
  uint32_t core_instances = 0;
  uint32_t core_funcs = 0;
  uint32_t core_tables = 0;
  uint32_t core_memories = 0;
  uint32_t core_globals = 0;
  NameSet import_names;
  NameSet export_names;
  std::vector<NamedExtern> imports;  // type scopes: what the declarator describes
  std::vector<NamedExtern> exports;
};

uint32_t SpaceSize(const Scope& s, Sort sort) {
  switch (sort) {
    case Sort::kCoreFunc:
      return s.core_funcs;
    case Sort::kCoreTable:
      return s.core_tables;
    case Sort::kCoreMemory:
      return s.core_memories;
    case Sort::kCoreGlobal:
      return s.core_globals;
    case Sort::kCoreType:
      return static_cast<uint32_t>(s.core_types.size());
    case Sort::kCoreModule:
      return static_cast<uint32_t>(s.core_modules.size());
    case Sort::kCoreInstance:
      return s.core_instances;
    case Sort::kFunc:
      return static_cast<uint32_t>(s.funcs.size());
    case Sort::kValue:
      return static_cast<uint32_t>(s.values.size());
    case Sort::kType:
      return static_cast<uint32_t>(s.types.size());
    case Sort::kComponent:
      return static_cast<uint32_t>(s.components.size());
    case Sort::kInstance:
      return static_cast<uint32_t>(s.instances.size());
  }
  return 0;
}

// Copies types with abstract resources replaced by the types an instantiation supplies, so the
// instance's export types name the resources the caller passed in. Memoized by identity, which
// keeps shared subtrees shared and unchanged ones the very same objects.
class ResourceSubstitution {
 public:
  using Map = std::unordered_map<const ResourceType*, TypeDefRef>;
  explicit ResourceSubstitution(Map map) : map_(std::move(map)) {}
  bool empty() const { return map_.empty(); }

  TypeRef Val(const TypeRef& type) {
    if (!type) return type;
    if (auto it = vals_.find(type.get()); it != vals_.end()) return it->second;
    TypeRef result = type;
    auto copy = std::make_shared<ValType>(*type);
    bool changed = false;
    auto sub = [&](TypeRef& t) {
      TypeRef n = Val(t);
      if (n != t) {
        t = std::move(n);
        changed = true;
      }
    };
    for (auto& f : copy->fields) sub(f.type);
    for (auto& c : copy->cases) sub(c.type);
    for (auto& e : copy->elements) sub(e);
    sub(copy->element);
    sub(copy->ok);
    sub(copy->err);
    if (copy->resource) {
      if (auto it = map_.find(copy->resource.get()); it != map_.end() && it->second->resource) {
        copy->resource = it->second->resource;
        changed = true;
      }
    }
    if (changed) result = std::move(copy);
    vals_.emplace(type.get(), result);
    return result;
  }

  FuncTypeRef Func(const FuncTypeRef& type) {
    if (!type) return type;
    auto copy = std::make_shared<FuncType>(*type);
    bool changed = false;
    for (auto* list : {&copy->params, &copy->results}) {
      for (auto& f : *list) {
        TypeRef n = Val(f.type);
        if (n != f.type) {
          f.type = std::move(n);
          changed = true;
        }
      }
    }
    return changed ? FuncTypeRef(std::move(copy)) : type;
  }

  TypeDefRef Def(const TypeDefRef& def) {
    if (!def) return def;
    if (def->kind == TypeDef::Kind::kResource) {
      auto it = map_.find(def->resource.get());
      return it != map_.end() ? it->second : def;
    }
    if (auto it = defs_.find(def.get()); it != defs_.end()) return it->second;
    auto copy = std::make_shared<TypeDef>(*def);
    copy->value = Val(def->value);
    copy->func = Func(def->func);
    copy->instance = Instance(def->instance);
    copy->component = Component(def->component);
    bool changed = copy->value != def->value || copy->func != def->func ||
                   copy->instance != def->instance || copy->component != def->component;
    TypeDefRef result = changed ? TypeDefRef(std::move(copy)) : def;
    defs_.emplace(def.get(), result);
    return result;
  }

  ExternType Extern(const ExternType& type) {
    ExternType out = type;
    out.func = Func(type.func);
    out.value = Val(type.value);
    out.type = Def(type.type);
    out.instance = Instance(type.instance);
    out.component = Component(type.component);
    return out;
  }

  std::vector<NamedExtern> Externs(const std::vector<NamedExtern>& list, bool* changed) {
    std::vector<NamedExtern> out;
    out.reserve(list.size());
    for (const auto& e : list) {
      out.push_back({e.name, Extern(e.type)});
      const auto& a = out.back().type;
      if (a.func != e.type.func || a.value != e.type.value || a.type != e.type.type ||
          a.instance != e.type.instance || a.component != e.type.component) {
        *changed = true;
      }
    }
    return out;
  }

  InstanceTypeRef Instance(const InstanceTypeRef& type) {
    if (!type) return type;
    bool changed = false;
    auto exports = Externs(type->exports, &changed);
    if (!changed) return type;
    auto copy = std::make_shared<InstanceType>();
    copy->exports = std::move(exports);
    return copy;
  }

  ComponentTypeRef Component(const ComponentTypeRef& type) {
    if (!type) return type;
    bool changed = false;
    auto imports = Externs(type->imports, &changed);
    auto exports = Externs(type->exports, &changed);
    if (!changed) return type;
    auto copy = std::make_shared<ComponentType>();
    copy->imports = std::move(imports);
    copy->exports = std::move(exports);
    return copy;
  }

 private:
  Map map_;
  std::unordered_map<const ValType*, TypeRef> vals_;
  std::unordered_map<const TypeDef*, TypeDefRef> defs_;
};

class Decoder {
 public:
  explicit Decoder(std::shared_ptr<const std::vector<uint8_t>> bytes) : bytes_(std::move(bytes)) {}

  Result<std::shared_ptr<const Component>> DecodeTop() {
    BinaryReader r(*bytes_, 0);
    return DecodeComponentBody(r, nullptr, 0);
  }

 private:
  struct TypeInfo {
    uint32_t depth = 1;
    uint64_t size = 1;
  };

  // --- components ---------------------------------------------------------------------------

  Result<std::shared_ptr<const Component>> DecodeComponentBody(BinaryReader& r, Scope* parent,
                                                               int nesting) {
    if (nesting > kMaxNesting) return r.Fail("components nested too deeply");
    auto component = std::make_shared<Component>();
    component->bytes = bytes_;
    component->offset = r.offset();
    WCLOUD_TRY_STATUS(ReadPreamble(r));
    Scope scope;
    scope.parent = parent;
    while (!r.empty()) {
      uint32_t section_offset = r.offset();
      WCLOUD_ASSIGN_OR_RETURN(uint8_t id, r.ReadByte());
      WCLOUD_ASSIGN_OR_RETURN(uint32_t size, r.ReadU32());
      if (size > r.remaining()) {
        return BinaryReader::FailAt(
            section_offset, "section " + std::to_string(id) + " size " + std::to_string(size) +
                                " exceeds the " + std::to_string(r.remaining()) + " bytes left");
      }
      if (id > 12) {
        return BinaryReader::FailAt(section_offset, "unknown section id " + std::to_string(id));
      }
      WCLOUD_ASSIGN_OR_RETURN(BinaryReader s, r.Sub(size));
      WCLOUD_TRY_STATUS(DecodeSection(id, s, scope, *component, nesting));
      if (!s.empty()) return s.Fail("section " + std::to_string(id) + " has trailing bytes");
    }
    return std::shared_ptr<const Component>(std::move(component));
  }

  static Status ReadPreamble(BinaryReader& r) {
    uint32_t start = r.offset();
    if (r.remaining() < 8) return r.Fail("too short for a component preamble");
    auto head = r.ReadBytes(8).value();
    if (head[0] != 0x00 || head[1] != 0x61 || head[2] != 0x73 || head[3] != 0x6d) {
      return BinaryReader::FailAt(start, "not a WebAssembly binary (bad magic)");
    }
    if (head[6] == 0x00 && head[7] == 0x00) {
      return BinaryReader::FailAt(start, "this is a core WebAssembly module, not a component");
    }
    if (head[6] != 0x01 || head[7] != 0x00) {
      return BinaryReader::FailAt(start + 6, "unknown binary layer");
    }
    if (head[4] != 0x0d || head[5] != 0x00) {
      return BinaryReader::FailAt(start + 4, "unsupported component binary version " +
                                                 std::to_string(head[4] | (head[5] << 8)) +
                                                 " (expected 13)");
    }
    return Ok();
  }

  Status DecodeSection(uint8_t id, BinaryReader& s, Scope& scope, Component& c, int nesting) {
    switch (id) {
      case 0: {  // custom: a name, then anything
        WCLOUD_TRY_STATUS(s.ReadName());
        (void)s.ReadBytes(s.remaining());
        return Ok();
      }
      case 1:
        return DecodeCoreModule(s, scope, c);
      case 2:
        return DecodeVec(s, "core instance", 2, [&] { return DecodeCoreInstance(s, scope, c); });
      case 3:
        return DecodeVec(s, "core type", 1, [&]() -> Status {
          WCLOUD_ASSIGN_OR_RETURN(CoreTypeDef def, ReadCoreType(s, scope, nesting));
          scope.core_types.push_back(def);
          c.definitions.emplace_back(std::move(def));
          return Ok();
        });
      case 4: {
        WCLOUD_ASSIGN_OR_RETURN(auto nested, DecodeComponentBody(s, &scope, nesting + 1));
        auto type = std::make_shared<ComponentType>();
        for (const auto& import : nested->imports)
          type->imports.push_back({import.name, import.type});
        type->exports = nested->exports;
        scope.components.push_back(std::move(type));
        c.definitions.emplace_back(std::move(nested));
        return Ok();
      }
      case 5:
        return DecodeVec(s, "instance", 2, [&] { return DecodeInstance(s, scope, c); });
      case 6:
        return DecodeVec(s, "alias", 3, [&]() -> Status {
          WCLOUD_ASSIGN_OR_RETURN(AliasDef alias, ReadAlias(s, scope));
          c.definitions.emplace_back(std::move(alias));
          return Ok();
        });
      case 7:
        return DecodeVec(s, "type", 1, [&]() -> Status {
          WCLOUD_ASSIGN_OR_RETURN(TypeDefRef def, ReadType(s, scope, nesting));
          scope.types.push_back(def);
          c.definitions.emplace_back(std::move(def));
          return Ok();
        });
      case 8:
        return DecodeVec(s, "canon", 1, [&] { return DecodeCanon(s, scope, c); });
      case 9:
        return DecodeStart(s, scope, c);
      case 10:
        return DecodeVec(s, "import", 3, [&] { return DecodeImport(s, scope, c); });
      case 11:
        return DecodeVec(s, "export", 4, [&] { return DecodeExport(s, scope, c); });
      default:
        return s.Fail("value definitions (section 12) are not supported");
    }
  }

  template <typename F>
  static Status DecodeVec(BinaryReader& s, std::string_view what, size_t min_size, F&& item) {
    WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount(what, min_size));
    for (uint32_t i = 0; i < count; ++i) WCLOUD_TRY_STATUS(item());
    return Ok();
  }

  Status DecodeCoreModule(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t start = s.offset();
    auto bytes = s.ReadBytes(s.remaining()).value();
    static constexpr uint8_t kHead[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    if (bytes.size() < 8 || !std::equal(kHead, kHead + 8, bytes.begin())) {
      return BinaryReader::FailAt(start, "core module section does not hold a core module");
    }
    scope.core_modules.push_back(nullptr);
    c.definitions.emplace_back(CoreModuleDef{bytes, start});
    return Ok();
  }

  // --- indices and sorts --------------------------------------------------------------------

  static Status CheckIndex(uint32_t at, const Scope& scope, Sort sort, uint32_t index) {
    uint32_t size = SpaceSize(scope, sort);
    if (index >= size) {
      return BinaryReader::FailAt(at, std::string(SortName(sort)) + " index " +
                                          std::to_string(index) + " out of bounds (" +
                                          std::to_string(size) + " defined)");
    }
    return Ok();
  }

  Result<uint32_t> ReadIndex(BinaryReader& r, const Scope& scope, Sort sort) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
    WCLOUD_TRY_STATUS(CheckIndex(at, scope, sort, index));
    return index;
  }

  static Result<Sort> ReadCoreSort(BinaryReader& r) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte());
    switch (b) {
      case 0x00:
        return Sort::kCoreFunc;
      case 0x01:
        return Sort::kCoreTable;
      case 0x02:
        return Sort::kCoreMemory;
      case 0x03:
        return Sort::kCoreGlobal;
      case 0x10:
        return Sort::kCoreType;
      case 0x11:
        return Sort::kCoreModule;
      case 0x12:
        return Sort::kCoreInstance;
      default:
        return BinaryReader::FailAt(at, "unknown core sort 0x" + Hex(b));
    }
  }

  static Result<Sort> ReadSort(BinaryReader& r) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte());
    switch (b) {
      case 0x00:
        return ReadCoreSort(r);
      case 0x01:
        return Sort::kFunc;
      case 0x02:
        return Sort::kValue;
      case 0x03:
        return Sort::kType;
      case 0x04:
        return Sort::kComponent;
      case 0x05:
        return Sort::kInstance;
      default:
        return BinaryReader::FailAt(at, "unknown sort 0x" + Hex(b));
    }
  }

  static std::string Hex(uint8_t b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return {kDigits[b >> 4], kDigits[b & 15]};
  }

  Result<SortIndex> ReadSortIndex(BinaryReader& r, const Scope& scope) {
    WCLOUD_ASSIGN_OR_RETURN(Sort sort, ReadSort(r));
    WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, sort));
    return SortIndex{sort, index};
  }

  // The outside view of an item of this scope, as an export or instantiation argument.
  static Result<ExternType> ExternOf(uint32_t at, const Scope& scope, SortIndex item) {
    ExternType t;
    switch (item.sort) {
      case Sort::kFunc:
        t.kind = ExternKind::kFunc;
        t.func = scope.funcs[item.index];
        return t;
      case Sort::kValue:
        t.kind = ExternKind::kValue;
        t.value = scope.values[item.index];
        return t;
      case Sort::kType:
        t.kind = ExternKind::kType;
        t.type = scope.types[item.index];
        return t;
      case Sort::kComponent:
        t.kind = ExternKind::kComponent;
        t.component = scope.components[item.index];
        return t;
      case Sort::kInstance:
        t.kind = ExternKind::kInstance;
        t.instance = scope.instances[item.index];
        return t;
      case Sort::kCoreModule:
        t.kind = ExternKind::kCoreModule;
        t.core_module = scope.core_modules[item.index];
        return t;
      default:
        return BinaryReader::FailAt(at, std::string("a ") + SortName(item.sort) +
                                            " cannot be exported or passed to a component");
    }
  }

  static void AddExtern(Scope& scope, const ExternType& t) {
    switch (t.kind) {
      case ExternKind::kFunc:
        scope.funcs.push_back(t.func);
        break;
      case ExternKind::kValue:
        scope.values.push_back(t.value);
        break;
      case ExternKind::kType:
        scope.types.push_back(t.type);
        break;
      case ExternKind::kComponent:
        scope.components.push_back(t.component);
        break;
      case ExternKind::kInstance:
        scope.instances.push_back(t.instance);
        break;
      case ExternKind::kCoreModule:
        scope.core_modules.push_back(t.core_module);
        break;
    }
  }

  static bool SortMatches(Sort sort, ExternKind kind) {
    switch (kind) {
      case ExternKind::kCoreModule:
        return sort == Sort::kCoreModule;
      case ExternKind::kFunc:
        return sort == Sort::kFunc;
      case ExternKind::kValue:
        return sort == Sort::kValue;
      case ExternKind::kType:
        return sort == Sort::kType;
      case ExternKind::kComponent:
        return sort == Sort::kComponent;
      case ExternKind::kInstance:
        return sort == Sort::kInstance;
    }
    return false;
  }

  // --- core instances -----------------------------------------------------------------------

  Status DecodeCoreInstance(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t tag, s.ReadByte());
    if (tag == 0x00) {
      CoreInstantiate inst;
      WCLOUD_ASSIGN_OR_RETURN(inst.module, ReadIndex(s, scope, Sort::kCoreModule));
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount("instantiate argument", 3));
      NameSet names;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t arg_at = s.offset();
        CoreInstantiate::Arg arg;
        WCLOUD_ASSIGN_OR_RETURN(arg.name, s.ReadName());
        if (!names.Insert(arg.name)) {
          return BinaryReader::FailAt(arg_at,
                                      "duplicate instantiate argument \"" + arg.name + "\"");
        }
        WCLOUD_ASSIGN_OR_RETURN(uint8_t sort, s.ReadByte());
        if (sort != 0x12) {
          return BinaryReader::FailAt(arg_at, "core instantiate argument must be an instance");
        }
        WCLOUD_ASSIGN_OR_RETURN(arg.instance, ReadIndex(s, scope, Sort::kCoreInstance));
        inst.args.push_back(std::move(arg));
      }
      c.definitions.emplace_back(CoreInstanceDef(std::move(inst)));
    } else if (tag == 0x01) {
      CoreInlineExports inst;
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount("core export", 3));
      NameSet names;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t export_at = s.offset();
        CoreInlineExports::Export e;
        WCLOUD_ASSIGN_OR_RETURN(e.name, s.ReadName());
        if (!names.Insert(e.name)) {
          return BinaryReader::FailAt(export_at, "duplicate core export \"" + e.name + "\"");
        }
        WCLOUD_ASSIGN_OR_RETURN(e.sort, ReadCoreSort(s));
        if (e.sort > Sort::kCoreGlobal) {
          return BinaryReader::FailAt(export_at, std::string("a ") + SortName(e.sort) +
                                                     " cannot be a core instance export");
        }
        WCLOUD_ASSIGN_OR_RETURN(e.index, ReadIndex(s, scope, e.sort));
        inst.exports.push_back(std::move(e));
      }
      c.definitions.emplace_back(CoreInstanceDef(std::move(inst)));
    } else {
      return BinaryReader::FailAt(at, "unknown core instance kind 0x" + Hex(tag));
    }
    ++scope.core_instances;
    return Ok();
  }

  // --- component instances ------------------------------------------------------------------

  Status DecodeInstance(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t tag, s.ReadByte());
    if (tag == 0x00) {
      Instantiate inst;
      WCLOUD_ASSIGN_OR_RETURN(inst.component, ReadIndex(s, scope, Sort::kComponent));
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount("instantiate argument", 3));
      NameSet names;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t arg_at = s.offset();
        Instantiate::Arg arg;
        WCLOUD_ASSIGN_OR_RETURN(arg.name, s.ReadName());
        if (!names.Insert(arg.name)) {
          return BinaryReader::FailAt(arg_at,
                                      "duplicate instantiate argument \"" + arg.name + "\"");
        }
        WCLOUD_ASSIGN_OR_RETURN(arg.item, ReadSortIndex(s, scope));
        inst.args.push_back(std::move(arg));
      }
      WCLOUD_ASSIGN_OR_RETURN(auto type, InstantiateType(at, scope, inst));
      scope.instances.push_back(std::move(type));
      c.definitions.emplace_back(InstanceDef(std::move(inst)));
    } else if (tag == 0x01) {
      InlineExports inst;
      auto type = std::make_shared<InstanceType>();
      WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount("instance export", 4));
      NameSet names;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t export_at = s.offset();
        InlineExports::Export e;
        WCLOUD_ASSIGN_OR_RETURN(e.name, ReadExternName(s));
        if (!names.Insert(e.name)) {
          return BinaryReader::FailAt(export_at, "duplicate instance export \"" + e.name + "\"");
        }
        WCLOUD_ASSIGN_OR_RETURN(e.item, ReadSortIndex(s, scope));
        WCLOUD_ASSIGN_OR_RETURN(ExternType t, ExternOf(export_at, scope, e.item));
        type->exports.push_back({e.name, std::move(t)});
        inst.exports.push_back(std::move(e));
      }
      scope.instances.push_back(std::move(type));
      c.definitions.emplace_back(InstanceDef(std::move(inst)));
    } else {
      return BinaryReader::FailAt(at, "unknown instance kind 0x" + Hex(tag));
    }
    return Ok();
  }

  // The type of `(instantiate c args)`: c's exports, with the resources c imports replaced by
  // those the arguments supply. Every import must be supplied with an item of its kind.
  Result<InstanceTypeRef> InstantiateType(uint32_t at, const Scope& scope,
                                          const Instantiate& inst) {
    const ComponentTypeRef& type = scope.components[inst.component];
    ResourceSubstitution::Map map;
    for (const auto& import : type->imports) {
      auto arg = std::find_if(inst.args.begin(), inst.args.end(),
                              [&](const Instantiate::Arg& a) { return a.name == import.name; });
      if (arg == inst.args.end()) {
        return BinaryReader::FailAt(at, "instantiation of component " +
                                            std::to_string(inst.component) + " misses import \"" +
                                            import.name + "\"");
      }
      if (!SortMatches(arg->item.sort, import.type.kind)) {
        return BinaryReader::FailAt(at, "instantiate argument \"" + arg->name + "\" is a " +
                                            SortName(arg->item.sort) + ", the import is a " +
                                            ExternKindName(import.type.kind));
      }
      if (import.type.kind == ExternKind::kType && import.type.type &&
          import.type.type->kind == TypeDef::Kind::kResource) {
        const TypeDefRef& supplied = scope.types[arg->item.index];
        if (supplied->kind != TypeDef::Kind::kResource) {
          return BinaryReader::FailAt(
              at, "instantiate argument \"" + arg->name + "\" must be a resource type");
        }
        map.emplace(import.type.type->resource.get(), supplied);
      }
      if (import.type.kind == ExternKind::kInstance && import.type.instance) {
        const InstanceTypeRef& supplied = scope.instances[arg->item.index];
        for (const auto& e : import.type.instance->exports) {
          if (e.type.kind != ExternKind::kType || !e.type.type ||
              e.type.type->kind != TypeDef::Kind::kResource) {
            continue;
          }
          for (const auto& s : supplied->exports) {
            if (s.name == e.name && s.type.kind == ExternKind::kType && s.type.type &&
                s.type.type->kind == TypeDef::Kind::kResource) {
              map.emplace(e.type.type->resource.get(), s.type.type);
            }
          }
        }
      }
    }
    auto result = std::make_shared<InstanceType>();
    if (map.empty()) {
      result->exports = type->exports;
    } else {
      ResourceSubstitution sub(std::move(map));
      bool changed = false;
      result->exports = sub.Externs(type->exports, &changed);
    }
    return InstanceTypeRef(std::move(result));
  }

  // --- aliases ------------------------------------------------------------------------------

  Result<AliasDef> ReadAlias(BinaryReader& s, Scope& scope) {
    uint32_t at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(Sort sort, ReadSort(s));
    WCLOUD_ASSIGN_OR_RETURN(uint8_t target, s.ReadByte());
    switch (target) {
      case 0x00: {
        AliasInstanceExport alias;
        alias.sort = sort;
        WCLOUD_ASSIGN_OR_RETURN(alias.instance, ReadIndex(s, scope, Sort::kInstance));
        WCLOUD_ASSIGN_OR_RETURN(alias.name, s.ReadName());
        const auto& exports = scope.instances[alias.instance]->exports;
        auto it = std::find_if(exports.begin(), exports.end(),
                               [&](const NamedExtern& e) { return e.name == alias.name; });
        if (it == exports.end()) {
          return BinaryReader::FailAt(at, "instance " + std::to_string(alias.instance) +
                                              " has no export \"" + alias.name + "\"");
        }
        if (!SortMatches(sort, it->type.kind)) {
          return BinaryReader::FailAt(
              at, "export \"" + alias.name + "\" of instance " + std::to_string(alias.instance) +
                      " is a " + ExternKindName(it->type.kind) + ", not a " + SortName(sort));
        }
        if (scope.is_type && sort != Sort::kType && sort != Sort::kInstance) {
          return BinaryReader::FailAt(at, "type declarators may only alias types and instances");
        }
        AddExtern(scope, it->type);
        return AliasDef(std::move(alias));
      }
      case 0x01: {
        AliasCoreExport alias;
        alias.sort = sort;
        if (sort > Sort::kCoreGlobal) {
          return BinaryReader::FailAt(
              at, std::string("cannot alias a core export as ") + SortName(sort));
        }
        if (scope.is_type)
          return BinaryReader::FailAt(at, "type declarators cannot alias core exports");
        WCLOUD_ASSIGN_OR_RETURN(alias.instance, ReadIndex(s, scope, Sort::kCoreInstance));
        WCLOUD_ASSIGN_OR_RETURN(alias.name, s.ReadName());
        switch (sort) {
          case Sort::kCoreFunc:
            ++scope.core_funcs;
            break;
          case Sort::kCoreTable:
            ++scope.core_tables;
            break;
          case Sort::kCoreMemory:
            ++scope.core_memories;
            break;
          default:
            ++scope.core_globals;
            break;
        }
        return AliasDef(std::move(alias));
      }
      case 0x02: {
        AliasOuter alias;
        alias.sort = sort;
        WCLOUD_ASSIGN_OR_RETURN(alias.count, s.ReadU32());
        uint32_t index_at = s.offset();
        WCLOUD_ASSIGN_OR_RETURN(alias.index, s.ReadU32());
        if (sort != Sort::kType && sort != Sort::kCoreType && sort != Sort::kCoreModule &&
            sort != Sort::kComponent) {
          return BinaryReader::FailAt(at, std::string("outer alias of a ") + SortName(sort) +
                                              " (only types, core types, core modules and "
                                              "components)");
        }
        Scope* target_scope = &scope;
        for (uint32_t i = 0; i < alias.count; ++i) {
          target_scope = target_scope->parent;
          if (!target_scope) {
            return BinaryReader::FailAt(at, "outer alias count " + std::to_string(alias.count) +
                                                " exceeds the enclosing scopes");
          }
        }
        WCLOUD_TRY_STATUS(CheckIndex(index_at, *target_scope, sort, alias.index));
        switch (sort) {
          case Sort::kType: {
            const TypeDefRef& def = target_scope->types[alias.index];
            if (alias.count > 0 && def->kind == TypeDef::Kind::kResource &&
                !def->resource->is_abstract) {
              return BinaryReader::FailAt(at, "outer alias of a defined resource type");
            }
            scope.types.push_back(def);
            break;
          }
          case Sort::kCoreType:
            scope.core_types.push_back(target_scope->core_types[alias.index]);
            break;
          case Sort::kCoreModule:
            scope.core_modules.push_back(target_scope->core_modules[alias.index]);
            break;
          default:
            scope.components.push_back(target_scope->components[alias.index]);
            break;
        }
        return AliasDef(alias);
      }
      default:
        return BinaryReader::FailAt(at + 1, "unknown alias target 0x" + Hex(target));
    }
  }

  // --- core types ---------------------------------------------------------------------------

  static Result<wasm::ValType> ReadCoreValType(BinaryReader& r) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t b, r.ReadByte());
    switch (b) {
      case 0x7f:
        return wasm::ValType::kI32;
      case 0x7e:
        return wasm::ValType::kI64;
      case 0x7d:
        return wasm::ValType::kF32;
      case 0x7c:
        return wasm::ValType::kF64;
      case 0x70:
        return wasm::ValType::kFuncRef;
      case 0x6f:
        return wasm::ValType::kExternRef;
      default:
        return BinaryReader::FailAt(at, "unsupported core value type 0x" + Hex(b));
    }
  }

  static Result<wasm::FuncType> ReadCoreFuncType(BinaryReader& r) {
    wasm::FuncType type;
    WCLOUD_ASSIGN_OR_RETURN(uint32_t params, r.ReadCount("core param"));
    for (uint32_t i = 0; i < params; ++i) {
      WCLOUD_ASSIGN_OR_RETURN(auto t, ReadCoreValType(r));
      type.params.push_back(t);
    }
    WCLOUD_ASSIGN_OR_RETURN(uint32_t results, r.ReadCount("core result"));
    for (uint32_t i = 0; i < results; ++i) {
      WCLOUD_ASSIGN_OR_RETURN(auto t, ReadCoreValType(r));
      type.results.push_back(t);
    }
    return type;
  }

  static Status SkipLimits(BinaryReader& r, bool memory) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t flags, r.ReadByte());
    if (flags > (memory ? 0x07 : 0x05)) {
      return BinaryReader::FailAt(at, "unknown limits flags 0x" + Hex(flags));
    }
    bool is64 = (flags & 0x04) != 0;
    int count = (flags & 0x01) ? 2 : 1;
    for (int i = 0; i < count; ++i) {
      if (is64) {
        WCLOUD_TRY_STATUS(r.ReadU64());
      } else {
        WCLOUD_TRY_STATUS(r.ReadU32());
      }
    }
    return Ok();
  }

  // core:importdesc; `types` is the module type's own core type space.
  static Result<uint8_t> ReadCoreImportDesc(BinaryReader& r,
                                            const std::vector<CoreTypeDef>& types) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte());
    switch (kind) {
      case 0x00:
      case 0x04: {
        if (kind == 0x04) {
          WCLOUD_ASSIGN_OR_RETURN(uint8_t attribute, r.ReadByte());
          if (attribute != 0) return BinaryReader::FailAt(at + 1, "unknown tag attribute");
        }
        uint32_t index_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
        if (index >= types.size() || !types[index].func) {
          return BinaryReader::FailAt(
              index_at, "core type index " + std::to_string(index) + " is not a core func type");
        }
        return kind;
      }
      case 0x01: {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t ref, r.ReadByte());
        if (ref != 0x70 && ref != 0x6f) {
          return BinaryReader::FailAt(at + 1, "unsupported table element type 0x" + Hex(ref));
        }
        WCLOUD_TRY_STATUS(SkipLimits(r, false));
        return kind;
      }
      case 0x02:
        WCLOUD_TRY_STATUS(SkipLimits(r, true));
        return kind;
      case 0x03: {
        WCLOUD_TRY_STATUS(ReadCoreValType(r));
        uint32_t mut_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint8_t mut, r.ReadByte());
        if (mut > 1) return BinaryReader::FailAt(mut_at, "bad global mutability");
        return kind;
      }
      default:
        return BinaryReader::FailAt(at, "unknown core import kind 0x" + Hex(kind));
    }
  }

  Result<CoreTypeDef> ReadCoreType(BinaryReader& r, Scope& scope, int nesting) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte());
    CoreTypeDef def;
    if (form == 0x60) {
      WCLOUD_ASSIGN_OR_RETURN(def.func, ReadCoreFuncType(r));
      return def;
    }
    if (form != 0x50) {
      return BinaryReader::FailAt(
          at, "unsupported core type form 0x" + Hex(form) + " (only func and module types)");
    }
    if (nesting > kMaxNesting) return BinaryReader::FailAt(at, "types nested too deeply");
    auto module = std::make_shared<CoreModuleType>();
    std::vector<CoreTypeDef> types;
    NameSet export_names;
    WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("module type declaration", 2));
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t decl_at = r.offset();
      WCLOUD_ASSIGN_OR_RETURN(uint8_t tag, r.ReadByte());
      switch (tag) {
        case 0x00: {
          CoreModuleType::Entry e;
          WCLOUD_ASSIGN_OR_RETURN(e.module, r.ReadName());
          WCLOUD_ASSIGN_OR_RETURN(e.name, r.ReadName());
          WCLOUD_ASSIGN_OR_RETURN(e.kind, ReadCoreImportDesc(r, types));
          module->imports.push_back(std::move(e));
          break;
        }
        case 0x01: {
          uint32_t type_at = r.offset();
          WCLOUD_ASSIGN_OR_RETURN(uint8_t inner, r.ReadByte());
          if (inner != 0x60) {
            return BinaryReader::FailAt(type_at, "module types may only declare func types");
          }
          CoreTypeDef t;
          WCLOUD_ASSIGN_OR_RETURN(t.func, ReadCoreFuncType(r));
          types.push_back(std::move(t));
          break;
        }
        case 0x02: {
          WCLOUD_ASSIGN_OR_RETURN(Sort sort, ReadCoreSort(r));
          WCLOUD_ASSIGN_OR_RETURN(uint8_t target, r.ReadByte());
          if (sort != Sort::kCoreType || target != 0x01) {
            return BinaryReader::FailAt(decl_at, "module types may only alias outer core types");
          }
          WCLOUD_ASSIGN_OR_RETURN(uint32_t ct, r.ReadU32());
          uint32_t index_at = r.offset();
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
          // Count 0 is the module type itself; 1 the scope this core type is declared in.
          if (ct == 0) {
            if (index >= types.size()) {
              return BinaryReader::FailAt(index_at, "core type index out of bounds");
            }
            types.push_back(types[index]);
            break;
          }
          Scope* target_scope = &scope;
          for (uint32_t k = 1; k < ct; ++k) {
            target_scope = target_scope->parent;
            if (!target_scope) return BinaryReader::FailAt(decl_at, "outer alias count too large");
          }
          if (index >= target_scope->core_types.size() || !target_scope->core_types[index].func) {
            return BinaryReader::FailAt(index_at, "outer core type index " + std::to_string(index) +
                                                      " is not a core func type");
          }
          types.push_back(target_scope->core_types[index]);
          break;
        }
        case 0x03: {
          CoreModuleType::Entry e;
          WCLOUD_ASSIGN_OR_RETURN(e.name, r.ReadName());
          if (!export_names.Insert(e.name)) {
            return BinaryReader::FailAt(decl_at, "duplicate module type export \"" + e.name + "\"");
          }
          WCLOUD_ASSIGN_OR_RETURN(e.kind, ReadCoreImportDesc(r, types));
          module->exports.push_back(std::move(e));
          break;
        }
        default:
          return BinaryReader::FailAt(decl_at, "unknown module type declaration 0x" + Hex(tag));
      }
    }
    def.module = std::move(module);
    return def;
  }

  // --- component types ----------------------------------------------------------------------

  static std::optional<TypeKind> PrimitiveKind(uint8_t b) {
    if (b >= 0x73 && b <= 0x7f) return static_cast<TypeKind>(0x7f - b);
    if (b == 0x64) return TypeKind::kErrorContext;
    return std::nullopt;
  }

  Result<TypeRef> ReadValType(BinaryReader& r, const Scope& scope) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t b, r.PeekByte());
    if (auto kind = PrimitiveKind(b)) {
      (void)r.ReadByte();
      return PrimitiveType(*kind);
    }
    WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
    WCLOUD_TRY_STATUS(CheckIndex(at, scope, Sort::kType, index));
    const TypeDefRef& def = scope.types[index];
    if (def->kind != TypeDef::Kind::kValue) {
      return BinaryReader::FailAt(at,
                                  "type index " + std::to_string(index) + " is not a value type");
    }
    return def->value;
  }

  TypeInfo InfoOf(const TypeRef& t) const {
    if (!t) return {0, 0};
    auto it = info_.find(t.get());
    return it == info_.end() ? TypeInfo{} : it->second;
  }

  Result<std::string> ReadLabel(BinaryReader& r, NameSet& names, std::string_view what) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(std::string label, r.ReadName());
    if (label.empty()) return BinaryReader::FailAt(at, std::string(what) + " name is empty");
    if (!names.Insert(label)) {
      return BinaryReader::FailAt(at, "duplicate " + std::string(what) + " name \"" + label + "\"");
    }
    return label;
  }

  // defvaltype: always a fresh object, even for primitives, so that a named type (`type
  // filesize = u64`) has an identity of its own.
  Result<TypeRef> ReadDefValType(BinaryReader& r, const Scope& scope, uint8_t form, uint32_t at) {
    auto type = std::make_shared<ValType>();
    std::vector<TypeRef> children;
    if (auto kind = PrimitiveKind(form)) {
      type->kind = *kind;
    } else {
      switch (form) {
        case 0x72: {
          type->kind = TypeKind::kRecord;
          WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("record field", 2));
          if (count == 0) return BinaryReader::FailAt(at, "record has no fields");
          NameSet names;
          for (uint32_t i = 0; i < count; ++i) {
            Field f;
            WCLOUD_ASSIGN_OR_RETURN(f.name, ReadLabel(r, names, "field"));
            WCLOUD_ASSIGN_OR_RETURN(f.type, ReadValType(r, scope));
            children.push_back(f.type);
            type->fields.push_back(std::move(f));
          }
          break;
        }
        case 0x71: {
          type->kind = TypeKind::kVariant;
          WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("variant case", 3));
          if (count == 0) return BinaryReader::FailAt(at, "variant has no cases");
          NameSet names;
          for (uint32_t i = 0; i < count; ++i) {
            Case c;
            WCLOUD_ASSIGN_OR_RETURN(c.name, ReadLabel(r, names, "case"));
            WCLOUD_ASSIGN_OR_RETURN(c.type, ReadOptionalValType(r, scope));
            uint32_t refines_at = r.offset();
            WCLOUD_ASSIGN_OR_RETURN(uint8_t refines, r.ReadByte());
            if (refines != 0)
              return BinaryReader::FailAt(refines_at, "variant case refines is not supported");
            if (c.type) children.push_back(c.type);
            type->cases.push_back(std::move(c));
          }
          break;
        }
        case 0x70: {
          type->kind = TypeKind::kList;
          WCLOUD_ASSIGN_OR_RETURN(type->element, ReadValType(r, scope));
          children.push_back(type->element);
          break;
        }
        case 0x6f: {
          type->kind = TypeKind::kTuple;
          WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("tuple element"));
          if (count == 0) return BinaryReader::FailAt(at, "tuple has no elements");
          for (uint32_t i = 0; i < count; ++i) {
            WCLOUD_ASSIGN_OR_RETURN(TypeRef t, ReadValType(r, scope));
            children.push_back(t);
            type->elements.push_back(std::move(t));
          }
          break;
        }
        case 0x6e:
        case 0x6d: {
          bool flags = form == 0x6e;
          type->kind = flags ? TypeKind::kFlags : TypeKind::kEnum;
          WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount(flags ? "flag" : "enum case", 2));
          if (count == 0) {
            return BinaryReader::FailAt(at, flags ? "flags has no labels" : "enum has no cases");
          }
          if (flags && count > 32) return BinaryReader::FailAt(at, "flags has more than 32 labels");
          NameSet names;
          for (uint32_t i = 0; i < count; ++i) {
            WCLOUD_ASSIGN_OR_RETURN(std::string label,
                                    ReadLabel(r, names, flags ? "flag" : "enum case"));
            type->labels.push_back(std::move(label));
          }
          break;
        }
        case 0x6b: {
          type->kind = TypeKind::kOption;
          WCLOUD_ASSIGN_OR_RETURN(type->element, ReadValType(r, scope));
          children.push_back(type->element);
          break;
        }
        case 0x6a: {
          type->kind = TypeKind::kResult;
          WCLOUD_ASSIGN_OR_RETURN(type->ok, ReadOptionalValType(r, scope));
          WCLOUD_ASSIGN_OR_RETURN(type->err, ReadOptionalValType(r, scope));
          children.push_back(type->ok);
          children.push_back(type->err);
          break;
        }
        case 0x69:
        case 0x68: {
          type->kind = form == 0x69 ? TypeKind::kOwn : TypeKind::kBorrow;
          uint32_t index_at = r.offset();
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
          WCLOUD_TRY_STATUS(CheckIndex(index_at, scope, Sort::kType, index));
          const TypeDefRef& def = scope.types[index];
          if (def->kind != TypeDef::Kind::kResource) {
            return BinaryReader::FailAt(index_at, std::string(form == 0x69 ? "own" : "borrow") +
                                                      " of type " + std::to_string(index) +
                                                      ", which is not a resource");
          }
          type->resource = def->resource;
          break;
        }
        case 0x67:
          return BinaryReader::FailAt(at, "fixed-size list types are not supported");
        case 0x66:
        case 0x65:
          return BinaryReader::FailAt(at, std::string(form == 0x66 ? "stream" : "future") +
                                              " types (async) are not supported");
        default:
          return BinaryReader::FailAt(at, "unknown type form 0x" + Hex(form));
      }
    }
    TypeInfo info;
    for (const auto& child : children) {
      TypeInfo c = InfoOf(child);
      info.depth = std::max(info.depth, c.depth + 1);
      info.size += c.size;
    }
    if (info.depth > kMaxTypeDepth) return BinaryReader::FailAt(at, "type nested too deeply");
    if (info.size > kMaxTypeSize) return BinaryReader::FailAt(at, "type too large");
    TypeRef result = std::move(type);
    info_.emplace(result.get(), info);
    return result;
  }

  Result<TypeRef> ReadOptionalValType(BinaryReader& r, const Scope& scope) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t present, r.ReadByte());
    if (present == 0) return TypeRef();
    if (present != 1) return BinaryReader::FailAt(at, "bad optional marker 0x" + Hex(present));
    return ReadValType(r, scope);
  }

  static bool ContainsBorrow(const TypeRef& t, std::unordered_map<const ValType*, bool>& memo) {
    if (!t) return false;
    if (auto it = memo.find(t.get()); it != memo.end()) return it->second;
    bool found = t->kind == TypeKind::kBorrow;
    for (const auto& f : t->fields) found = found || ContainsBorrow(f.type, memo);
    for (const auto& c : t->cases) found = found || ContainsBorrow(c.type, memo);
    for (const auto& e : t->elements) found = found || ContainsBorrow(e, memo);
    found = found || ContainsBorrow(t->element, memo) || ContainsBorrow(t->ok, memo) ||
            ContainsBorrow(t->err, memo);
    memo.emplace(t.get(), found);
    return found;
  }

  Result<FuncTypeRef> ReadFuncType(BinaryReader& r, const Scope& scope, uint32_t at) {
    auto type = std::make_shared<FuncType>();
    uint64_t size = 0;
    NameSet names;
    WCLOUD_ASSIGN_OR_RETURN(uint32_t params, r.ReadCount("param", 2));
    for (uint32_t i = 0; i < params; ++i) {
      Field f;
      WCLOUD_ASSIGN_OR_RETURN(f.name, ReadLabel(r, names, "param"));
      WCLOUD_ASSIGN_OR_RETURN(f.type, ReadValType(r, scope));
      size += InfoOf(f.type).size;
      type->params.push_back(std::move(f));
    }
    uint32_t results_at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte());
    if (form == 0x00) {
      Field f;
      WCLOUD_ASSIGN_OR_RETURN(f.type, ReadValType(r, scope));
      type->results.push_back(std::move(f));
    } else if (form == 0x01) {
      NameSet result_names;
      WCLOUD_ASSIGN_OR_RETURN(uint32_t results, r.ReadCount("result", 2));
      for (uint32_t i = 0; i < results; ++i) {
        Field f;
        WCLOUD_ASSIGN_OR_RETURN(f.name, ReadLabel(r, result_names, "result"));
        WCLOUD_ASSIGN_OR_RETURN(f.type, ReadValType(r, scope));
        type->results.push_back(std::move(f));
      }
    } else {
      return BinaryReader::FailAt(results_at, "unknown result list form 0x" + Hex(form));
    }
    std::unordered_map<const ValType*, bool> memo;
    for (const auto& f : type->results) {
      size += InfoOf(f.type).size;
      if (ContainsBorrow(f.type, memo)) {
        return BinaryReader::FailAt(results_at, "function results may not contain borrow");
      }
    }
    if (size > kMaxTypeSize) return BinaryReader::FailAt(at, "function type too large");
    return FuncTypeRef(std::move(type));
  }

  Result<TypeDefRef> ReadType(BinaryReader& r, Scope& scope, int nesting) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte());
    auto def = std::make_shared<TypeDef>();
    switch (form) {
      case 0x40: {
        def->kind = TypeDef::Kind::kFunc;
        WCLOUD_ASSIGN_OR_RETURN(def->func, ReadFuncType(r, scope, at));
        break;
      }
      case 0x43:
        return BinaryReader::FailAt(at, "async function types are not supported");
      case 0x41:
      case 0x42: {
        if (nesting >= kMaxNesting) return BinaryReader::FailAt(at, "types nested too deeply");
        Scope inner;
        inner.parent = &scope;
        inner.is_type = true;
        WCLOUD_TRY_STATUS(ReadDeclarators(r, inner, form == 0x41, nesting + 1));
        if (form == 0x41) {
          def->kind = TypeDef::Kind::kComponent;
          auto type = std::make_shared<ComponentType>();
          type->imports = std::move(inner.imports);
          type->exports = std::move(inner.exports);
          def->component = std::move(type);
        } else {
          def->kind = TypeDef::Kind::kInstance;
          auto type = std::make_shared<InstanceType>();
          type->exports = std::move(inner.exports);
          def->instance = std::move(type);
        }
        break;
      }
      case 0x3f: {
        if (scope.is_type) {
          return BinaryReader::FailAt(at, "resource types cannot be defined in a type declarator");
        }
        uint32_t rep_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint8_t rep, r.ReadByte());
        if (rep != 0x7f) return BinaryReader::FailAt(rep_at, "resource representation must be i32");
        auto resource = std::make_shared<ResourceType>();
        resource->is_abstract = false;
        uint32_t dtor_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint8_t has_dtor, r.ReadByte());
        if (has_dtor == 1) {
          resource->has_dtor = true;
          WCLOUD_ASSIGN_OR_RETURN(resource->dtor_core_func, ReadIndex(r, scope, Sort::kCoreFunc));
        } else if (has_dtor != 0) {
          return BinaryReader::FailAt(dtor_at, "bad optional marker 0x" + Hex(has_dtor));
        }
        def->kind = TypeDef::Kind::kResource;
        unnamed_resources_.emplace(resource.get(), resource.get());
        def->resource = std::move(resource);
        break;
      }
      case 0x3e:
        return BinaryReader::FailAt(at, "async resource types are not supported");
      default: {
        def->kind = TypeDef::Kind::kValue;
        WCLOUD_ASSIGN_OR_RETURN(def->value, ReadDefValType(r, scope, form, at));
        break;
      }
    }
    return TypeDefRef(std::move(def));
  }

  // The body of a componenttype (with imports) or instancetype.
  Status ReadDeclarators(BinaryReader& r, Scope& scope, bool component, int nesting) {
    WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("type declaration", 2));
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t at = r.offset();
      WCLOUD_ASSIGN_OR_RETURN(uint8_t tag, r.ReadByte());
      switch (tag) {
        case 0x00: {
          WCLOUD_ASSIGN_OR_RETURN(CoreTypeDef def, ReadCoreType(r, scope, nesting));
          scope.core_types.push_back(std::move(def));
          break;
        }
        case 0x01: {
          WCLOUD_ASSIGN_OR_RETURN(TypeDefRef def, ReadType(r, scope, nesting));
          scope.types.push_back(std::move(def));
          break;
        }
        case 0x02:
          WCLOUD_TRY_STATUS(ReadAlias(r, scope));
          break;
        case 0x03:
        case 0x04: {
          if (tag == 0x03 && !component) {
            return BinaryReader::FailAt(at, "instance types cannot declare imports");
          }
          bool is_import = tag == 0x03;
          WCLOUD_ASSIGN_OR_RETURN(std::string name, ReadExternName(r));
          if (!(is_import ? scope.import_names : scope.export_names).Insert(name)) {
            return BinaryReader::FailAt(at, std::string("duplicate ") +
                                                (is_import ? "import" : "export") + " \"" + name +
                                                "\"");
          }
          WCLOUD_ASSIGN_OR_RETURN(ExternType type, ReadExternDesc(r, scope, name));
          AddExtern(scope, type);
          (is_import ? scope.imports : scope.exports).push_back({std::move(name), std::move(type)});
          break;
        }
        default:
          return BinaryReader::FailAt(at, "unknown type declaration 0x" + Hex(tag));
      }
    }
    return Ok();
  }

  // importname' / exportname': a discriminant, the name, and for 0x01 a version suffix that
  // only linkers use (it is read and dropped).
  static Result<std::string> ReadExternName(BinaryReader& r) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t form, r.ReadByte());
    if (form > 1) return BinaryReader::FailAt(at, "unknown name form 0x" + Hex(form));
    uint32_t name_at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(std::string name, r.ReadName());
    if (name.empty()) return BinaryReader::FailAt(name_at, "empty import or export name");
    if (form == 1) WCLOUD_TRY_STATUS(r.ReadName());
    return name;
  }

  Result<ExternType> ReadExternDesc(BinaryReader& r, Scope& scope, const std::string& name) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t kind, r.ReadByte());
    ExternType t;
    auto type_of_kind = [&](TypeDef::Kind want, const char* what) -> Result<TypeDefRef> {
      uint32_t index_at = r.offset();
      WCLOUD_ASSIGN_OR_RETURN(uint32_t index, r.ReadU32());
      WCLOUD_TRY_STATUS(CheckIndex(index_at, scope, Sort::kType, index));
      if (scope.types[index]->kind != want) {
        return BinaryReader::FailAt(
            index_at, "type index " + std::to_string(index) + " is not a " + what + " type");
      }
      return scope.types[index];
    };
    switch (kind) {
      case 0x00: {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t sort, r.ReadByte());
        if (sort != 0x11) return BinaryReader::FailAt(at, "core extern must be a core module");
        uint32_t index_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kCoreType));
        if (!scope.core_types[index].module) {
          return BinaryReader::FailAt(
              index_at, "core type index " + std::to_string(index) + " is not a module type");
        }
        t.kind = ExternKind::kCoreModule;
        t.core_module = scope.core_types[index].module;
        return t;
      }
      case 0x01: {
        t.kind = ExternKind::kFunc;
        WCLOUD_ASSIGN_OR_RETURN(auto def, type_of_kind(TypeDef::Kind::kFunc, "func"));
        t.func = def->func;
        return t;
      }
      case 0x02: {
        t.kind = ExternKind::kValue;
        WCLOUD_ASSIGN_OR_RETURN(uint8_t bound, r.ReadByte());
        if (bound == 0x00) {
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kValue));
          t.value = scope.values[index];
        } else if (bound == 0x01) {
          WCLOUD_ASSIGN_OR_RETURN(t.value, ReadValType(r, scope));
        } else {
          return BinaryReader::FailAt(at + 1, "unknown value bound 0x" + Hex(bound));
        }
        return t;
      }
      case 0x03: {
        t.kind = ExternKind::kType;
        uint32_t bound_at = r.offset();
        WCLOUD_ASSIGN_OR_RETURN(uint8_t bound, r.ReadByte());
        if (bound == 0x00) {
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kType));
          t.type = scope.types[index];
        } else if (bound == 0x01) {
          auto resource = std::make_shared<ResourceType>();
          resource->name = name;
          auto def = std::make_shared<TypeDef>();
          def->kind = TypeDef::Kind::kResource;
          def->resource = std::move(resource);
          t.type = std::move(def);
        } else {
          return BinaryReader::FailAt(bound_at, "unknown type bound 0x" + Hex(bound));
        }
        return t;
      }
      case 0x04: {
        t.kind = ExternKind::kComponent;
        WCLOUD_ASSIGN_OR_RETURN(auto def, type_of_kind(TypeDef::Kind::kComponent, "component"));
        t.component = def->component;
        return t;
      }
      case 0x05: {
        t.kind = ExternKind::kInstance;
        WCLOUD_ASSIGN_OR_RETURN(auto def, type_of_kind(TypeDef::Kind::kInstance, "instance"));
        t.instance = def->instance;
        return t;
      }
      default:
        return BinaryReader::FailAt(at, "unknown extern kind 0x" + Hex(kind));
    }
  }

  // --- canon --------------------------------------------------------------------------------

  Result<CanonOptions> ReadCanonOptions(BinaryReader& r, const Scope& scope) {
    CanonOptions options;
    bool have_encoding = false;
    WCLOUD_ASSIGN_OR_RETURN(uint32_t count, r.ReadCount("canon option"));
    for (uint32_t i = 0; i < count; ++i) {
      uint32_t at = r.offset();
      WCLOUD_ASSIGN_OR_RETURN(uint8_t opt, r.ReadByte());
      auto duplicate = [&](const char* what) {
        return BinaryReader::FailAt(at,
                                    std::string("duplicate or conflicting ") + what + " option");
      };
      switch (opt) {
        case 0x00:
        case 0x01:
        case 0x02:
          if (have_encoding) return duplicate("string-encoding");
          have_encoding = true;
          options.encoding = opt == 0   ? StringEncoding::kUtf8
                             : opt == 1 ? StringEncoding::kUtf16
                                        : StringEncoding::kLatin1Utf16;
          break;
        case 0x03: {
          if (options.memory) return duplicate("memory");
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kCoreMemory));
          options.memory = index;
          break;
        }
        case 0x04: {
          if (options.realloc) return duplicate("realloc");
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kCoreFunc));
          options.realloc = index;
          break;
        }
        case 0x05: {
          if (options.post_return) return duplicate("post-return");
          WCLOUD_ASSIGN_OR_RETURN(uint32_t index, ReadIndex(r, scope, Sort::kCoreFunc));
          options.post_return = index;
          break;
        }
        case 0x06:
        case 0x07:
          return BinaryReader::FailAt(at, std::string("canon option ") +
                                              (opt == 0x06 ? "async" : "callback") +
                                              " is not supported");
        default:
          return BinaryReader::FailAt(at, "unknown canon option 0x" + Hex(opt));
      }
    }
    return options;
  }

  Result<std::shared_ptr<const ResourceType>> ReadResourceIndex(BinaryReader& r, const Scope& scope,
                                                                uint32_t* index, bool defined) {
    uint32_t at = r.offset();
    WCLOUD_ASSIGN_OR_RETURN(*index, ReadIndex(r, scope, Sort::kType));
    const TypeDefRef& def = scope.types[*index];
    if (def->kind != TypeDef::Kind::kResource) {
      return BinaryReader::FailAt(
          at, "type index " + std::to_string(*index) + " is not a resource type");
    }
    if (defined && def->resource->is_abstract) {
      return BinaryReader::FailAt(
          at, "resource type " + std::to_string(*index) + " is not defined by this component");
    }
    return def->resource;
  }

  Status DecodeCanon(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t op, s.ReadByte());
    switch (op) {
      case 0x00: {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t sort, s.ReadByte());
        if (sort != 0x00) return BinaryReader::FailAt(at + 1, "canon lift must take a core func");
        CanonLift lift;
        WCLOUD_ASSIGN_OR_RETURN(lift.core_func, ReadIndex(s, scope, Sort::kCoreFunc));
        WCLOUD_ASSIGN_OR_RETURN(lift.options, ReadCanonOptions(s, scope));
        uint32_t type_at = s.offset();
        WCLOUD_ASSIGN_OR_RETURN(lift.type, ReadIndex(s, scope, Sort::kType));
        const TypeDefRef& def = scope.types[lift.type];
        if (def->kind != TypeDef::Kind::kFunc) {
          return BinaryReader::FailAt(
              type_at, "canon lift type " + std::to_string(lift.type) + " is not a func type");
        }
        lift.func_type = def->func;
        scope.funcs.push_back(lift.func_type);
        c.definitions.emplace_back(CanonDef(std::move(lift)));
        return Ok();
      }
      case 0x01: {
        WCLOUD_ASSIGN_OR_RETURN(uint8_t sort, s.ReadByte());
        if (sort != 0x00) return BinaryReader::FailAt(at + 1, "canon lower must take a func");
        CanonLower lower;
        WCLOUD_ASSIGN_OR_RETURN(lower.func, ReadIndex(s, scope, Sort::kFunc));
        WCLOUD_ASSIGN_OR_RETURN(lower.options, ReadCanonOptions(s, scope));
        ++scope.core_funcs;
        c.definitions.emplace_back(CanonDef(std::move(lower)));
        return Ok();
      }
      case 0x02: {
        CanonResourceNew def;
        WCLOUD_ASSIGN_OR_RETURN(def.resource, ReadResourceIndex(s, scope, &def.type, true));
        ++scope.core_funcs;
        c.definitions.emplace_back(CanonDef(std::move(def)));
        return Ok();
      }
      case 0x03: {
        CanonResourceDrop def;
        WCLOUD_ASSIGN_OR_RETURN(def.resource, ReadResourceIndex(s, scope, &def.type, false));
        ++scope.core_funcs;
        c.definitions.emplace_back(CanonDef(std::move(def)));
        return Ok();
      }
      case 0x04: {
        CanonResourceRep def;
        WCLOUD_ASSIGN_OR_RETURN(def.resource, ReadResourceIndex(s, scope, &def.type, true));
        ++scope.core_funcs;
        c.definitions.emplace_back(CanonDef(std::move(def)));
        return Ok();
      }
      default:
        return BinaryReader::FailAt(at, "canon 0x" + Hex(op) +
                                            " (an async, thread or error-context built-in) is "
                                            "not supported");
    }
  }

  // --- start, imports, exports --------------------------------------------------------------

  Status DecodeStart(BinaryReader& s, Scope& scope, Component& c) {
    StartDef start;
    WCLOUD_ASSIGN_OR_RETURN(start.func, ReadIndex(s, scope, Sort::kFunc));
    WCLOUD_ASSIGN_OR_RETURN(uint32_t count, s.ReadCount("start argument"));
    for (uint32_t i = 0; i < count; ++i) {
      WCLOUD_ASSIGN_OR_RETURN(uint32_t value, ReadIndex(s, scope, Sort::kValue));
      start.args.push_back(value);
    }
    uint32_t results_at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(start.results, s.ReadU32());
    const FuncType& type = *scope.funcs[start.func];
    if (type.params.size() != start.args.size() || type.results.size() != start.results) {
      return BinaryReader::FailAt(
          results_at, "start arity does not match function " + std::to_string(start.func));
    }
    for (const auto& r : type.results) scope.values.push_back(r.type);
    c.definitions.emplace_back(std::move(start));
    return Ok();
  }

  void NameType(Component& c, const std::string& name, const ExternType& type) {
    // wit-component defines an exported interface's resources in the root and exports them
    // only inside the instance it exports: they take their name from there.
    if (type.kind == ExternKind::kInstance && type.instance) {
      for (const NamedExtern& e : type.instance->exports) {
        if (e.type.kind != ExternKind::kType || !e.type.type ||
            e.type.type->kind != TypeDef::Kind::kResource) {
          continue;
        }
        auto it = unnamed_resources_.find(e.type.type->resource.get());
        if (it == unnamed_resources_.end()) continue;
        it->second->name = e.name;
        unnamed_resources_.erase(it);
      }
      return;
    }
    if (type.kind != ExternKind::kType || !type.type) return;
    const void* key = type.type->kind == TypeDef::Kind::kResource
                          ? static_cast<const void*>(type.type->resource.get())
                          : static_cast<const void*>(type.type->value.get());
    if (!key) return;
    if (auto it = unnamed_resources_.find(static_cast<const ResourceType*>(key));
        type.type->kind == TypeDef::Kind::kResource && it != unnamed_resources_.end()) {
      it->second->name = name;
      unnamed_resources_.erase(it);
    }
    c.type_names.emplace_back(key, name);
  }

  Status DecodeImport(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(std::string name, ReadExternName(s));
    if (!scope.import_names.Insert(name)) {
      return BinaryReader::FailAt(at, "duplicate import \"" + name + "\"");
    }
    WCLOUD_ASSIGN_OR_RETURN(ExternType type, ReadExternDesc(s, scope, name));
    AddExtern(scope, type);
    NameType(c, name, type);
    ImportDef def{std::move(name), std::move(type)};
    c.imports.push_back(def);
    c.definitions.emplace_back(std::move(def));
    return Ok();
  }

  Status DecodeExport(BinaryReader& s, Scope& scope, Component& c) {
    uint32_t at = s.offset();
    ExportDef def;
    WCLOUD_ASSIGN_OR_RETURN(def.name, ReadExternName(s));
    if (!scope.export_names.Insert(def.name)) {
      return BinaryReader::FailAt(at, "duplicate export \"" + def.name + "\"");
    }
    uint32_t item_at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(def.item, ReadSortIndex(s, scope));
    WCLOUD_ASSIGN_OR_RETURN(ExternType type, ExternOf(item_at, scope, def.item));
    uint32_t desc_at = s.offset();
    WCLOUD_ASSIGN_OR_RETURN(uint8_t has_desc, s.ReadByte());
    if (has_desc == 1) {
      WCLOUD_ASSIGN_OR_RETURN(ExternType ascribed, ReadExternDesc(s, scope, def.name));
      if (ascribed.kind != type.kind) {
        return BinaryReader::FailAt(desc_at, "export \"" + def.name + "\" is a " +
                                                 ExternKindName(type.kind) + " but its type says " +
                                                 ExternKindName(ascribed.kind));
      }
      if (type.kind == ExternKind::kType) {
        // The exported type keeps its identity; the bound only has to hold.
        bool is_resource = type.type->kind == TypeDef::Kind::kResource;
        bool ok = ascribed.type->kind == TypeDef::Kind::kResource
                      ? is_resource &&
                            (ascribed.type->resource->is_abstract || ascribed.type == type.type)
                      : ascribed.type == type.type || !is_resource;
        if (!ok) {
          return BinaryReader::FailAt(desc_at,
                                      "export \"" + def.name + "\" does not match its type bound");
        }
      } else {
        type = ascribed;
      }
      def.ascribed = std::move(ascribed);
    } else if (has_desc != 0) {
      return BinaryReader::FailAt(desc_at, "bad optional marker 0x" + Hex(has_desc));
    }
    AddExtern(scope, type);
    NameType(c, def.name, type);
    c.exports.push_back({def.name, std::move(type)});
    c.definitions.emplace_back(std::move(def));
    return Ok();
  }

  std::shared_ptr<const std::vector<uint8_t>> bytes_;
  std::unordered_map<const ValType*, TypeInfo> info_;
  // Resources this file defines that have not been exported yet: their name is set when they
  // are (they are const once shared, but still only ours).
  std::unordered_map<const ResourceType*, ResourceType*> unnamed_resources_;
};

}  // namespace

Result<std::shared_ptr<const Component>> DecodeComponent(
    std::shared_ptr<const std::vector<uint8_t>> bytes) {
  if (!bytes) return Error("offset 0: no input");
  if (bytes->size() > UINT32_MAX) return Error("offset 0: component larger than 4 GiB");
  Decoder decoder(std::move(bytes));
  return decoder.DecodeTop();
}

}  // namespace wcloud::component
