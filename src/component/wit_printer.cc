// Layout follows wit-component's printer: within a world, imported interfaces first, then
// world-level types (`use` statements, then declarations, each after a blank line), then
// imported functions, a blank line, and the exports; within an interface, types then functions,
// each declaration after a blank line. Type identity (the shared objects the decoder resolves
// indices to) decides between declaring a type, aliasing it (`type b = a;`) and using it from
// the interface that first exported it.
#include "component/wit_printer.h"

#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

namespace wcloud::component {
namespace {

bool IsKeyword(std::string_view name) {
  static constexpr std::string_view kKeywords[] = {
      "use",    "type",    "func",         "u8",      "u16",         "u32",
      "u64",    "s8",      "s16",          "s32",     "s64",         "f32",
      "f64",    "float32", "float64",      "char",    "resource",    "own",
      "borrow", "record",  "flags",        "variant", "enum",        "bool",
      "string", "option",  "result",       "future",  "stream",      "list",
      "_",      "as",      "from",         "static",  "interface",   "tuple",
      "world",  "import",  "export",       "package", "constructor", "include",
      "with",   "async",   "error-context"};
  for (std::string_view k : kKeywords) {
    if (k == name) return true;
  }
  return false;
}

std::string Id(std::string_view name) {
  return IsKeyword(name) ? "%" + std::string(name) : std::string(name);
}

// The identity a type is named by: the ValType for value types, the ResourceType for
// resources (handles refer to those).
const void* KeyOf(const TypeDef& def) {
  return def.kind == TypeDef::Kind::kResource ? static_cast<const void*>(def.resource.get())
                                              : static_cast<const void*>(def.value.get());
}

// "[method]res.get" → {"res", "get"}; plain names → {"", name}.
struct FuncName {
  enum class Kind { kFreestanding, kConstructor, kMethod, kStatic } kind = Kind::kFreestanding;
  std::string resource;
  std::string item;
};

FuncName ParseFuncName(std::string_view name) {
  FuncName out;
  auto take = [&](std::string_view prefix, FuncName::Kind kind) {
    if (name.substr(0, prefix.size()) != prefix) return false;
    std::string_view rest = name.substr(prefix.size());
    out.kind = kind;
    if (kind == FuncName::Kind::kConstructor) {
      out.resource = std::string(rest);
      return true;
    }
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) {
      out = FuncName{FuncName::Kind::kFreestanding, "", std::string(name)};
      return true;
    }
    out.resource = std::string(rest.substr(0, dot));
    out.item = std::string(rest.substr(dot + 1));
    return true;
  };
  if (take("[constructor]", FuncName::Kind::kConstructor) ||
      take("[method]", FuncName::Kind::kMethod) || take("[static]", FuncName::Kind::kStatic)) {
    return out;
  }
  out.item = std::string(name);
  return out;
}

bool IsInterfaceName(std::string_view name) { return name.find(':') != std::string_view::npos; }

class Printer {
 public:
  Result<std::string> Print(const Component& c) {
    out_ = "package root:component;\n\nworld root {\n";
    indent_ = 1;
    int world = NewScope("");
    std::vector<std::pair<std::string, TypeDefRef>> types;
    std::map<std::string, std::vector<std::pair<FuncName, FuncTypeRef>>> resource_funcs;
    std::vector<std::pair<std::string, FuncTypeRef>> funcs;
    for (const auto& import : c.imports) {
      switch (import.type.kind) {
        case ExternKind::kInstance:
          WCLOUD_TRY_STATUS(PrintInterfaceItem("import", import.name, *import.type.instance));
          any_items_ = true;
          break;
        case ExternKind::kType:
          types.emplace_back(import.name, import.type.type);
          break;
        case ExternKind::kFunc: {
          FuncName name = ParseFuncName(import.name);
          if (name.kind == FuncName::Kind::kFreestanding) {
            funcs.emplace_back(import.name, import.type.func);
          } else {
            resource_funcs[name.resource].emplace_back(name, import.type.func);
          }
          break;
        }
        default:
          return Error("import \"" + import.name + "\": a " + KindName(import.type.kind) +
                       " import cannot be written in WIT");
      }
    }
    WCLOUD_TRY_STATUS(PrintTypes(world, types, resource_funcs));
    for (const auto& [name, type] : funcs) {
      WCLOUD_ASSIGN_OR_RETURN(std::string sig, Function(world, FuncName{{}, {}, name}, *type));
      Line("import " + Id(name) + ": " + sig + ";");
      any_items_ = true;
    }
    if (!c.exports.empty()) NewItem();
    for (const auto& e : c.exports) {
      switch (e.type.kind) {
        case ExternKind::kInstance:
          WCLOUD_TRY_STATUS(PrintInterfaceItem("export", e.name, *e.type.instance));
          break;
        case ExternKind::kFunc: {
          WCLOUD_ASSIGN_OR_RETURN(std::string sig,
                                  Function(world, FuncName{{}, {}, e.name}, *e.type.func));
          Line("export " + Id(e.name) + ": " + sig + ";");
          break;
        }
        default:
          return Error("component export `" + e.name + "` was not a function or instance");
      }
    }
    out_ += "}\n";
    return std::move(out_);
  }

 private:
  struct Scope {
    std::string path;  // how `use` names it; empty for the world and inline interfaces
    std::unordered_map<const void*, std::string> names;
  };
  struct Owner {
    int scope;
    std::string name;
  };

  static const char* KindName(ExternKind kind) {
    switch (kind) {
      case ExternKind::kCoreModule:
        return "core module";
      case ExternKind::kValue:
        return "value";
      case ExternKind::kComponent:
        return "component";
      default:
        return "other";
    }
  }

  int NewScope(std::string path) {
    scopes_.push_back({std::move(path), {}});
    return static_cast<int>(scopes_.size()) - 1;
  }

  void Name(int scope, const void* key, const std::string& name) {
    if (!key) return;
    scopes_[scope].names.emplace(key, name);
    owners_.emplace(key, Owner{scope, name});
  }

  void Line(const std::string& text) {
    out_.append(2 * indent_, ' ');
    out_ += text;
    out_ += '\n';
  }

  // A blank line before every item but the first of a block.
  void NewItem() {
    if (any_items_) out_ += '\n';
    any_items_ = true;
  }

  // `import name;` for interfaces of other packages; the whole body for inline ones. Either
  // way, the interface's types become known by their identity for later `use`s.
  Status PrintInterfaceItem(const std::string& keyword, const std::string& name,
                            const InstanceType& type) {
    if (IsInterfaceName(name)) {
      int scope = NewScope(name);
      for (const auto& e : type.exports) {
        if (e.type.kind == ExternKind::kType && e.type.type)
          Name(scope, KeyOf(*e.type.type), e.name);
      }
      Line(keyword + " " + name + ";");
      return Ok();
    }
    Line(keyword + " " + Id(name) + ": interface {");
    ++indent_;
    bool outer_items = any_items_;
    any_items_ = false;
    int scope = NewScope("");
    std::vector<std::pair<std::string, TypeDefRef>> types;
    std::map<std::string, std::vector<std::pair<FuncName, FuncTypeRef>>> resource_funcs;
    std::vector<std::pair<std::string, FuncTypeRef>> funcs;
    for (const auto& e : type.exports) {
      switch (e.type.kind) {
        case ExternKind::kType:
          types.emplace_back(e.name, e.type.type);
          break;
        case ExternKind::kFunc: {
          FuncName fn = ParseFuncName(e.name);
          if (fn.kind == FuncName::Kind::kFreestanding) {
            funcs.emplace_back(e.name, e.type.func);
          } else {
            resource_funcs[fn.resource].emplace_back(fn, e.type.func);
          }
          break;
        }
        default:
          return Error("interface \"" + name + "\": its export \"" + e.name +
                       "\" cannot be written in WIT");
      }
    }
    WCLOUD_TRY_STATUS(PrintTypes(scope, types, resource_funcs));
    for (const auto& [fname, ftype] : funcs) {
      NewItem();
      WCLOUD_ASSIGN_OR_RETURN(std::string sig, Function(scope, FuncName{{}, {}, fname}, *ftype));
      Line(Id(fname) + ": " + sig + ";");
    }
    --indent_;
    Line("}");
    any_items_ = outer_items;
    return Ok();
  }

  Status PrintTypes(
      int scope, const std::vector<std::pair<std::string, TypeDefRef>>& types,
      const std::map<std::string, std::vector<std::pair<FuncName, FuncTypeRef>>>& resource_funcs) {
    struct Use {
      int owner;
      std::vector<std::pair<std::string, std::string>> names;  // theirs, ours
    };
    std::vector<Use> uses;
    std::vector<std::pair<std::string, TypeDefRef>> declare;
    for (const auto& [name, def] : types) {
      const void* key = KeyOf(*def);
      auto owner = owners_.find(key);
      if (owner != owners_.end() && owner->second.scope != scope &&
          !scopes_[owner->second.scope].path.empty()) {
        if (uses.empty() || uses.back().owner != owner->second.scope) {
          uses.push_back({owner->second.scope, {}});
        }
        uses.back().names.emplace_back(owner->second.name, name);
        scopes_[scope].names.emplace(key, name);
        continue;
      }
      declare.emplace_back(name, def);
    }
    for (const auto& use : uses) {
      any_items_ = true;
      std::string text = "use " + scopes_[use.owner].path + ".{";
      for (size_t i = 0; i < use.names.size(); ++i) {
        if (i > 0) text += ", ";
        const auto& [theirs, ours] = use.names[i];
        text += theirs == ours ? Id(ours) : Id(theirs) + " as " + Id(ours);
      }
      Line(text + "};");
    }
    for (const auto& [name, def] : declare) {
      NewItem();
      const void* key = KeyOf(*def);
      auto existing = scopes_[scope].names.find(key);
      if (existing != scopes_[scope].names.end()) {
        Line("type " + Id(name) + " = " + Id(existing->second) + ";");
        continue;
      }
      if (def->kind == TypeDef::Kind::kResource) {
        Name(scope, key, name);
        auto funcs = resource_funcs.find(name);
        if (funcs == resource_funcs.end()) {
          Line("resource " + Id(name) + ";");
          continue;
        }
        Line("resource " + Id(name) + " {");
        ++indent_;
        for (const auto& [fn, type] : funcs->second) {
          WCLOUD_ASSIGN_OR_RETURN(std::string sig, Function(scope, fn, *type));
          switch (fn.kind) {
            case FuncName::Kind::kConstructor:
              Line(sig + ";");
              break;
            case FuncName::Kind::kStatic:
              Line(Id(fn.item) + ": static " + sig + ";");
              break;
            default:
              Line(Id(fn.item) + ": " + sig + ";");
              break;
          }
        }
        --indent_;
        Line("}");
        continue;
      }
      if (def->kind != TypeDef::Kind::kValue) {
        return Error("type \"" + name + "\" is not a value type or resource");
      }
      WCLOUD_TRY_STATUS(DeclareValueType(scope, name, *def->value));
      Name(scope, key, name);
    }
    return Ok();
  }

  Status DeclareValueType(int scope, const std::string& name, const ValType& t) {
    switch (t.kind) {
      case TypeKind::kRecord: {
        Line("record " + Id(name) + " {");
        ++indent_;
        for (const auto& f : t.fields) {
          WCLOUD_ASSIGN_OR_RETURN(std::string type, TypeName(scope, f.type));
          Line(Id(f.name) + ": " + type + ",");
        }
        --indent_;
        Line("}");
        return Ok();
      }
      case TypeKind::kVariant: {
        Line("variant " + Id(name) + " {");
        ++indent_;
        for (const auto& c : t.cases) {
          if (c.type) {
            WCLOUD_ASSIGN_OR_RETURN(std::string type, TypeName(scope, c.type));
            Line(Id(c.name) + "(" + type + "),");
          } else {
            Line(Id(c.name) + ",");
          }
        }
        --indent_;
        Line("}");
        return Ok();
      }
      case TypeKind::kEnum:
      case TypeKind::kFlags: {
        Line(std::string(t.kind == TypeKind::kEnum ? "enum " : "flags ") + Id(name) + " {");
        ++indent_;
        for (const auto& label : t.labels) Line(Id(label) + ",");
        --indent_;
        Line("}");
        return Ok();
      }
      default: {
        WCLOUD_ASSIGN_OR_RETURN(std::string type, Anonymous(scope, t));
        Line("type " + Id(name) + " = " + type + ";");
        return Ok();
      }
    }
  }

  Result<std::string> ResourceName(int scope, const ResourceType* resource) {
    auto& names = scopes_[scope].names;
    if (auto it = names.find(resource); it != names.end()) return Id(it->second);
    if (auto it = owners_.find(resource); it != owners_.end()) return Id(it->second.name);
    return Error("resource \"" + resource->name + "\" is not exported by any interface");
  }

  Result<std::string> TypeName(int scope, const TypeRef& type) {
    if (!type) return std::string("_");
    auto& names = scopes_[scope].names;
    if (auto it = names.find(type.get()); it != names.end()) return Id(it->second);
    if (const char* p = PrimitiveName(type->kind)) return std::string(p);
    if (auto it = owners_.find(type.get()); it != owners_.end()) return Id(it->second.name);
    return Anonymous(scope, *type);
  }

  // A type written out structurally (list<...>, option<...>, ...).
  Result<std::string> Anonymous(int scope, const ValType& t) {
    if (const char* p = PrimitiveName(t.kind)) return std::string(p);
    switch (t.kind) {
      case TypeKind::kList: {
        WCLOUD_ASSIGN_OR_RETURN(std::string e, TypeName(scope, t.element));
        return "list<" + e + ">";
      }
      case TypeKind::kOption: {
        WCLOUD_ASSIGN_OR_RETURN(std::string e, TypeName(scope, t.element));
        return "option<" + e + ">";
      }
      case TypeKind::kTuple: {
        std::string out = "tuple<";
        for (size_t i = 0; i < t.elements.size(); ++i) {
          WCLOUD_ASSIGN_OR_RETURN(std::string e, TypeName(scope, t.elements[i]));
          out += (i > 0 ? ", " : "") + e;
        }
        return out + ">";
      }
      case TypeKind::kResult: {
        if (!t.ok && !t.err) return std::string("result");
        WCLOUD_ASSIGN_OR_RETURN(std::string ok, TypeName(scope, t.ok));
        if (!t.err) return "result<" + ok + ">";
        WCLOUD_ASSIGN_OR_RETURN(std::string err, TypeName(scope, t.err));
        return "result<" + ok + ", " + err + ">";
      }
      case TypeKind::kOwn:
        return ResourceName(scope, t.resource.get());
      case TypeKind::kBorrow: {
        WCLOUD_ASSIGN_OR_RETURN(std::string r, ResourceName(scope, t.resource.get()));
        return "borrow<" + r + ">";
      }
      default:
        return Error("an unnamed record, variant, enum or flags type cannot be written in WIT");
    }
  }

  Result<std::string> Function(int scope, const FuncName& name, const FuncType& type) {
    std::string out = name.kind == FuncName::Kind::kConstructor ? "constructor(" : "func(";
    size_t skip = name.kind == FuncName::Kind::kMethod ? 1 : 0;
    for (size_t i = skip; i < type.params.size(); ++i) {
      WCLOUD_ASSIGN_OR_RETURN(std::string t, TypeName(scope, type.params[i].type));
      out += (i > skip ? ", " : "") + Id(type.params[i].name) + ": " + t;
    }
    out += ")";
    if (name.kind == FuncName::Kind::kConstructor || type.results.empty()) return out;
    if (type.results.size() == 1 && type.results[0].name.empty()) {
      WCLOUD_ASSIGN_OR_RETURN(std::string t, TypeName(scope, type.results[0].type));
      return out + " -> " + t;
    }
    // Named results: binaries from before the single-result encoding.
    out += " -> (";
    for (size_t i = 0; i < type.results.size(); ++i) {
      WCLOUD_ASSIGN_OR_RETURN(std::string t, TypeName(scope, type.results[i].type));
      out += (i > 0 ? ", " : "") + Id(type.results[i].name) + ": " + t;
    }
    return out + ")";
  }

  std::string out_;
  int indent_ = 0;
  bool any_items_ = false;
  std::vector<Scope> scopes_;
  std::unordered_map<const void*, Owner> owners_;  // first scope that named each type
};

}  // namespace

Result<std::string> PrintWit(const Component& component) { return Printer().Print(component); }

}  // namespace wcloud::component
