#include "component/component_instance.h"

#include <set>
#include <string>
#include <unordered_set>
#include <variant>

#include "component/frame.h"

namespace wcloud::component {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

std::string Idx(const char* what, uint32_t i) {
  return std::string(what) + " " + std::to_string(i);
}

// Index lookups: the decoder validated the indices, but a mismatch between its index spaces
// and ours must be an error, never an out-of-bounds read.
template <class T>
Result<T> At(const std::vector<T>& space, uint32_t index, const char* what) {
  if (index >= space.size()) {
    return Error(Idx(what, index) + " is not defined (" + std::to_string(space.size()) +
                 " defined)");
  }
  return space[index];
}

// The entry `index` of `space` as the variant V (an Item or a wasm::Extern).
template <class V, class T>
Result<V> EntryAs(const std::vector<T>& space, uint32_t index, const char* what) {
  WCLOUD_ASSIGN_OR_RETURN(T x, At(space, index, what));
  return V(std::move(x));
}

// Appends what `item` holds to `space` when it is a T; false otherwise.
template <class T, class V>
bool PushIf(std::vector<T>& space, const V& item) {
  const T* x = std::get_if<T>(&item);
  if (x == nullptr) return false;
  space.push_back(*x);
  return true;
}

void CollectModules(const Component& component, std::vector<const CoreModuleDef*>& out) {
  for (const Definition& def : component.definitions) {
    if (const auto* m = std::get_if<CoreModuleDef>(&def)) out.push_back(m);
    if (const auto* c = std::get_if<std::shared_ptr<const Component>>(&def)) {
      CollectModules(**c, out);
    }
  }
}

// Names of what `linker` lacks for one import of the root component.
// `bound`: resource types earlier imports already provide; an interface that `use`s a resource
// of another interface re-exports that one (an `eq` bound), which the host must not define again.
void MissingForImport(const Linker& linker, const ImportDef& import,
                      std::unordered_set<const ResourceType*>& bound,
                      std::vector<std::string>& missing) {
  switch (import.type.kind) {
    case ExternKind::kInstance:
      if (!import.type.instance) return;
      for (const NamedExtern& e : import.type.instance->exports) {
        if (e.type.kind == ExternKind::kFunc) {
          if (linker.FindFunc(import.name, e.name) == nullptr) {
            missing.push_back(import.name + "#" + e.name);
          }
        } else if (e.type.kind == ExternKind::kType && e.type.type &&
                   e.type.type->kind == TypeDef::Kind::kResource) {
          if (bound.count(e.type.type->resource.get()) != 0) continue;
          if (linker.FindResource(import.name, e.name) == nullptr) {
            missing.push_back(import.name + "#" + e.name + " (resource)");
          }
          bound.insert(e.type.type->resource.get());
        } else if (e.type.kind != ExternKind::kType) {
          missing.push_back(import.name + "#" + e.name + " (only functions and types)");
        }
      }
      return;
    case ExternKind::kFunc:
      if (linker.FindFunc("", import.name) == nullptr) missing.push_back(import.name);
      return;
    case ExternKind::kType:
      if (import.type.type && import.type.type->kind == TypeDef::Kind::kResource &&
          linker.FindResource("", import.name) == nullptr) {
        missing.push_back(import.name + " (resource)");
      }
      return;
    default:
      missing.push_back(import.name + " (core modules, components and values cannot be imported)");
  }
}

// The runtime item for an import of the root component, from the linker.
Result<Item> ImportFromLinker(const Linker& linker, Frame& frame, const ImportDef& import) {
  switch (import.type.kind) {
    case ExternKind::kInstance: {
      auto instance = std::make_shared<InstanceItem>();
      for (const NamedExtern& e : import.type.instance->exports) {
        if (e.type.kind == ExternKind::kFunc) {
          auto func = std::make_shared<FuncItem>();
          func->name = import.name + "#" + e.name;
          func->type = e.type.func;
          func->host = linker.FindFunc(import.name, e.name);
          func->frame = &frame;
          if (func->host == nullptr) return Error("import " + func->name + " is not provided");
          instance->exports.emplace_back(e.name, Item(func));
        } else if (e.type.kind == ExternKind::kType) {
          TypeItem type{e.type.type, nullptr};
          if (e.type.type && e.type.type->kind == TypeDef::Kind::kResource) {
            // A resource another import already bound (`use`d from its interface) keeps that
            // identity: wasi:filesystem's input-stream is wasi:io's.
            type.resource = frame.ResolveResource(*e.type.type->resource);
            // `type headers = fields` in wasi:http/types: an alias of a resource listed earlier
            // in the same instance is that resource.
            for (const auto& [name, earlier] : instance->exports) {
              const auto* t = std::get_if<TypeItem>(&earlier);
              if (type.resource == nullptr && t != nullptr && t->def && t->def->resource &&
                  t->def->resource == e.type.type->resource) {
                type.resource = t->resource;
              }
            }
            if (type.resource == nullptr) type.resource = linker.FindResource(import.name, e.name);
            if (type.resource == nullptr) {
              return Error("import " + import.name + "#" + e.name + " (resource) is not provided");
            }
          }
          instance->exports.emplace_back(e.name, Item(type));
        }
      }
      return Item(instance);
    }
    case ExternKind::kFunc: {
      auto func = std::make_shared<FuncItem>();
      func->name = import.name;
      func->type = import.type.func;
      func->host = linker.FindFunc("", import.name);
      func->frame = &frame;
      if (func->host == nullptr) return Error("import " + import.name + " is not provided");
      return Item(func);
    }
    case ExternKind::kType: {
      TypeItem type{import.type.type, nullptr};
      if (type.def && type.def->kind == TypeDef::Kind::kResource) {
        type.resource = linker.FindResource("", import.name);
        if (type.resource == nullptr) return Error("import " + import.name + " is not provided");
      }
      return Item(type);
    }
    default:
      return Error("import " + import.name +
                   ": only instances, functions and types can be imported");
  }
}

Result<wasm::Extern> CoreItem(Frame& f, Sort sort, uint32_t index) {
  switch (sort) {
    case Sort::kCoreFunc:
      return EntryAs<wasm::Extern>(f.core_funcs, index, "core func");
    case Sort::kCoreTable:
      return EntryAs<wasm::Extern>(f.core_tables, index, "core table");
    case Sort::kCoreMemory:
      return EntryAs<wasm::Extern>(f.core_memories, index, "core memory");
    case Sort::kCoreGlobal:
      return EntryAs<wasm::Extern>(f.core_globals, index, "core global");
    default:
      return Error(std::string("a ") + SortName(sort) + " is not a core export");
  }
}

Status PushCore(Frame& f, Sort sort, const wasm::Extern& item, const std::string& what) {
  const char* got =
      std::visit(Overloaded{[](const std::shared_ptr<wasm::Func>&) { return "func"; },
                            [](const std::shared_ptr<wasm::Table>&) { return "table"; },
                            [](const std::shared_ptr<wasm::Memory>&) { return "memory"; },
                            [](const std::shared_ptr<wasm::Global>&) { return "global"; }},
                 item);
  auto mismatch = [&] { return Error(what + " is a core " + got + ", not a " + SortName(sort)); };
  bool pushed = false;
  switch (sort) {
    case Sort::kCoreFunc:
      pushed = PushIf(f.core_funcs, item);
      break;
    case Sort::kCoreTable:
      pushed = PushIf(f.core_tables, item);
      break;
    case Sort::kCoreMemory:
      pushed = PushIf(f.core_memories, item);
      break;
    case Sort::kCoreGlobal:
      pushed = PushIf(f.core_globals, item);
      break;
    default:
      return Error(what + ": cannot alias a " + SortName(sort) + " from a core instance");
  }
  return pushed ? Ok() : mismatch();
}

Result<Item> ItemAt(Frame& f, SortIndex si) {
  switch (si.sort) {
    case Sort::kFunc:
      return EntryAs<Item>(f.funcs, si.index, "func");
    case Sort::kType:
      return EntryAs<Item>(f.types, si.index, "type");
    case Sort::kInstance:
      return EntryAs<Item>(f.instances, si.index, "instance");
    case Sort::kComponent:
      return EntryAs<Item>(f.components, si.index, "component");
    case Sort::kCoreModule:
      return EntryAs<Item>(f.core_modules, si.index, "core module");
    default:
      return Error(std::string("a ") + SortName(si.sort) + " cannot be used here");
  }
}

Status PushItem(Frame& f, Sort sort, const Item& item, const std::string& what) {
  bool pushed = false;
  switch (sort) {
    case Sort::kFunc:
      pushed = PushIf(f.funcs, item);
      break;
    case Sort::kType:
      pushed = PushIf(f.types, item);
      break;
    case Sort::kInstance:
      pushed = PushIf(f.instances, item);
      break;
    case Sort::kComponent:
      pushed = PushIf(f.components, item);
      break;
    case Sort::kCoreModule:
      pushed = PushIf(f.core_modules, item);
      break;
    default:
      return Error(what + ": values are not supported");
  }
  return pushed ? Ok() : Error(what + " is not a " + SortName(sort));
}

Result<CanonRuntimeOptions> ResolveOptions(Frame& f, const CanonOptions& o) {
  CanonRuntimeOptions out;
  out.encoding = o.encoding;
  if (o.memory) {
    WCLOUD_ASSIGN_OR_RETURN(out.memory, At(f.core_memories, *o.memory, "core memory"));
  }
  if (o.realloc) {
    WCLOUD_ASSIGN_OR_RETURN(out.realloc, At(f.core_funcs, *o.realloc, "core func"));
  }
  if (o.post_return) {
    WCLOUD_ASSIGN_OR_RETURN(out.post_return, At(f.core_funcs, *o.post_return, "core func"));
  }
  return out;
}

Status InstantiateCore(const InstancePre& pre, wasm::Store& store, Frame& f,
                       const CoreInstantiate& def, size_t ordinal) {
  WCLOUD_ASSIGN_OR_RETURN(const wasm::Module* module,
                          At(f.core_modules, def.module, "core module"));
  if (module == nullptr) return Error(Idx("core module", def.module) + " was not compiled");
  std::vector<wasm::Extern> imports;
  imports.reserve(module->imports().size());
  for (const wasm::ImportType& import : module->imports()) {
    const CoreInstantiate::Arg* arg = nullptr;
    for (const auto& a : def.args) {
      if (a.name == import.module) arg = &a;
    }
    const std::string what = "core instance " + std::to_string(ordinal) + ": import \"" +
                             import.module + "\" \"" + import.name + "\"";
    if (arg == nullptr) return Error(what + ": no instantiation argument named it");
    WCLOUD_ASSIGN_OR_RETURN(auto from, At(f.core_instances, arg->instance, "core instance"));
    std::optional<wasm::Extern> item = from->Get(import.name);
    if (!item) return Error(what + ": the argument instance has no such export");
    imports.push_back(std::move(*item));
  }
  auto instance = store.Instantiate(*module, imports);
  if (!instance) {
    return instance.error().Wrap("core instance " + std::to_string(ordinal));
  }
  auto item = std::make_shared<CoreInstanceItem>();
  item->instance = std::move(*instance);
  f.core_instances.push_back(std::move(item));
  (void)pre;
  return Ok();
}

Status InstantiateNested(const InstancePre& pre, wasm::Store& store, Frame& f,
                         const Instantiate& def) {
  WCLOUD_ASSIGN_OR_RETURN(ComponentItem component, At(f.components, def.component, "component"));
  auto child = std::make_unique<Frame>();
  child->root = f.root;
  child->all_frames = f.all_frames;
  child->scope = component.scope;
  child->component = component.component.get();
  for (const auto& arg : def.args) {
    WCLOUD_ASSIGN_OR_RETURN(Item item, ItemAt(f, arg.item));
    child->imports.emplace_back(arg.name, std::move(item));
  }
  Frame& ref = *child;
  f.all_frames->push_back(std::move(child));
  WCLOUD_TRY_STATUS(ReplayDefinitions(pre, store, ref));
  f.instances.push_back(ref.exports);
  return Ok();
}

Status DefineType(wasm::Store& store, Frame& f, const TypeDefRef& def) {
  (void)store;
  TypeItem item{def, nullptr};
  if (def && def->kind == TypeDef::Kind::kResource && def->resource &&
      !def->resource->is_abstract) {
    auto guest = std::make_unique<GuestResource>();
    guest->runtime.name = def->resource->name;
    guest->runtime.guest_owner = guest.get();
    guest->owner = &f;
    if (def->resource->has_dtor) {
      WCLOUD_ASSIGN_OR_RETURN(guest->dtor,
                              At(f.core_funcs, def->resource->dtor_core_func, "core func"));
    }
    item.resource = &guest->runtime;
    f.resources[def->resource.get()] = item.resource;
    f.defined_resources.push_back(std::move(guest));
  }
  f.types.push_back(std::move(item));
  return Ok();
}

Result<const RuntimeResource*> CanonResource(Frame& f, uint32_t type_index,
                                             const std::shared_ptr<const ResourceType>& r) {
  WCLOUD_ASSIGN_OR_RETURN(TypeItem type, At(f.types, type_index, "type"));
  if (type.resource != nullptr) return type.resource;
  if (r) {
    if (const RuntimeResource* rt = f.ResolveResource(*r)) return rt;
  }
  return Error(Idx("type", type_index) + " is not a resource type");
}

Status DefineCanon(wasm::Store& store, Frame& f, const CanonDef& canon) {
  return std::visit(
      Overloaded{
          [&](const CanonLift& lift) -> Status {
            auto func = std::make_shared<FuncItem>();
            WCLOUD_ASSIGN_OR_RETURN(func->core, At(f.core_funcs, lift.core_func, "core func"));
            WCLOUD_ASSIGN_OR_RETURN(func->options, ResolveOptions(f, lift.options));
            func->type = lift.func_type;
            if (!func->type) return Error("canon lift: no function type");
            func->signature.emplace(*func->type);
            func->frame = &f;
            func->name = "func " + std::to_string(f.funcs.size());
            f.funcs.push_back(std::move(func));
            return Ok();
          },
          [&](const CanonLower& lower) -> Status {
            WCLOUD_ASSIGN_OR_RETURN(auto func, At(f.funcs, lower.func, "func"));
            WCLOUD_ASSIGN_OR_RETURN(CanonRuntimeOptions options, ResolveOptions(f, lower.options));
            f.core_funcs.push_back(LowerFunc(store, f, func, std::move(options)));
            return Ok();
          },
          [&](const CanonResourceNew& op) -> Status {
            WCLOUD_ASSIGN_OR_RETURN(const RuntimeResource* rt,
                                    CanonResource(f, op.type, op.resource));
            Frame* frame = &f;
            f.core_funcs.push_back(store.NewHostFunc(
                wasm::FuncType{{wasm::ValType::kI32}, {wasm::ValType::kI32}},
                [frame, rt](std::span<const wasm::Val> args,
                            std::span<wasm::Val> results) -> Status {
                  WCLOUD_ASSIGN_OR_RETURN(uint32_t handle, frame->handles.Add(HandleEntry{
                                                               rt, args[0].i32, true, 0, 0}));
                  results[0] = wasm::Val::I32(handle);
                  return Ok();
                }));
            return Ok();
          },
          [&](const CanonResourceDrop& op) -> Status {
            WCLOUD_ASSIGN_OR_RETURN(const RuntimeResource* rt,
                                    CanonResource(f, op.type, op.resource));
            Frame* frame = &f;
            f.core_funcs.push_back(store.NewHostFunc(
                wasm::FuncType{{wasm::ValType::kI32}, {}},
                [frame, rt](std::span<const wasm::Val> args, std::span<wasm::Val>) -> Status {
                  const uint32_t handle = args[0].i32;
                  WCLOUD_ASSIGN_OR_RETURN(HandleEntry * entry, frame->handles.Get(handle));
                  if (entry->type != rt) {
                    return wasm::TrapError("resource.drop: handle " + std::to_string(handle) +
                                           " is of another resource type");
                  }
                  if (entry->own && entry->lend_count != 0) {
                    return wasm::TrapError("resource.drop: handle " + std::to_string(handle) +
                                           " is still lent out");
                  }
                  WCLOUD_ASSIGN_OR_RETURN(HandleEntry removed, frame->handles.Remove(handle));
                  if (!removed.own) {
                    if (frame->live_borrows > 0) --frame->live_borrows;
                    return Ok();
                  }
                  return DestroyResource(*frame, removed.type, removed.rep);
                }));
            return Ok();
          },
          [&](const CanonResourceRep& op) -> Status {
            WCLOUD_ASSIGN_OR_RETURN(const RuntimeResource* rt,
                                    CanonResource(f, op.type, op.resource));
            Frame* frame = &f;
            f.core_funcs.push_back(store.NewHostFunc(
                wasm::FuncType{{wasm::ValType::kI32}, {wasm::ValType::kI32}},
                [frame, rt](std::span<const wasm::Val> args,
                            std::span<wasm::Val> results) -> Status {
                  WCLOUD_ASSIGN_OR_RETURN(HandleEntry * entry, frame->handles.Get(args[0].i32));
                  if (entry->type != rt) {
                    return wasm::TrapError("resource.rep: handle of another resource type");
                  }
                  results[0] = wasm::Val::I32(entry->rep);
                  return Ok();
                }));
            return Ok();
          },
      },
      canon);
}

}  // namespace

std::optional<wasm::Extern> CoreInstanceItem::Get(std::string_view name) const {
  if (instance) return instance->GetExport(name);
  for (const auto& [n, e] : exports) {
    if (n == name) return e;
  }
  return std::nullopt;
}

const Item* InstanceItem::Find(std::string_view name) const {
  for (const auto& [n, item] : exports) {
    if (n == name) return &item;
  }
  // Interface names match by semver compatibility, so an import of @0.2.10 finds @0.2.12.
  const std::string compatible = CompatibleName(name);
  for (const auto& [n, item] : exports) {
    if (CompatibleName(n) == compatible) return &item;
  }
  return nullptr;
}

const RuntimeResource* Frame::ResolveResource(const ResourceType& type) const {
  for (const Frame* f = this; f != nullptr; f = f->scope) {
    auto it = f->resources.find(&type);
    if (it != f->resources.end()) return it->second;
  }
  return nullptr;
}

void Frame::BindResources(const ExternType& type, const Item& item) {
  if (type.kind == ExternKind::kType) {
    const auto* t = std::get_if<TypeItem>(&item);
    if (t && t->resource && type.type && type.type->resource) {
      resources[type.type->resource.get()] = t->resource;
    }
    return;
  }
  if (type.kind == ExternKind::kInstance && type.instance) {
    const auto* inst = std::get_if<std::shared_ptr<InstanceItem>>(&item);
    if (!inst) return;
    for (const NamedExtern& e : type.instance->exports) {
      if (const Item* sub = (*inst)->Find(e.name)) BindResources(e.type, *sub);
    }
  }
}

Status ReplayDefinitions(const InstancePre& pre, wasm::Store& store, Frame& f) {
  size_t core_instance_ordinal = 0;
  for (const Definition& def : f.component->definitions) {
    Status status = std::visit(
        Overloaded{
            [&](const CoreModuleDef& m) -> Status {
              f.core_modules.push_back(pre.ModuleFor(&m));
              return Ok();
            },
            [&](const CoreInstanceDef& ci) -> Status {
              const size_t ordinal = core_instance_ordinal++;
              if (const auto* inst = std::get_if<CoreInstantiate>(&ci)) {
                return InstantiateCore(pre, store, f, *inst, ordinal);
              }
              auto item = std::make_shared<CoreInstanceItem>();
              for (const auto& e : std::get<CoreInlineExports>(ci).exports) {
                WCLOUD_ASSIGN_OR_RETURN(wasm::Extern x, CoreItem(f, e.sort, e.index));
                item->exports.emplace_back(e.name, std::move(x));
              }
              f.core_instances.push_back(std::move(item));
              return Ok();
            },
            [&](const CoreTypeDef& t) -> Status {
              f.core_types.push_back(&t);
              return Ok();
            },
            [&](const std::shared_ptr<const Component>& c) -> Status {
              f.components.push_back(ComponentItem{c, &f});
              return Ok();
            },
            [&](const InstanceDef& i) -> Status {
              if (const auto* inst = std::get_if<Instantiate>(&i)) {
                return InstantiateNested(pre, store, f, *inst);
              }
              auto item = std::make_shared<InstanceItem>();
              for (const auto& e : std::get<InlineExports>(i).exports) {
                WCLOUD_ASSIGN_OR_RETURN(Item x, ItemAt(f, e.item));
                item->exports.emplace_back(e.name, std::move(x));
              }
              f.instances.push_back(std::move(item));
              return Ok();
            },
            [&](const AliasDef& a) -> Status {
              return std::visit(
                  Overloaded{
                      [&](const AliasInstanceExport& x) -> Status {
                        WCLOUD_ASSIGN_OR_RETURN(auto inst, At(f.instances, x.instance, "instance"));
                        const Item* item = inst->Find(x.name);
                        const std::string what =
                            "alias of export \"" + x.name + "\" of " + Idx("instance", x.instance);
                        if (item == nullptr) return Error(what + ": no such export");
                        return PushItem(f, x.sort, *item, what);
                      },
                      [&](const AliasCoreExport& x) -> Status {
                        WCLOUD_ASSIGN_OR_RETURN(auto inst,
                                                At(f.core_instances, x.instance, "core instance"));
                        const std::string what = "alias of core export \"" + x.name + "\" of " +
                                                 Idx("core instance", x.instance);
                        std::optional<wasm::Extern> item = inst->Get(x.name);
                        if (!item) return Error(what + ": no such export");
                        return PushCore(f, x.sort, *item, what);
                      },
                      [&](const AliasOuter& x) -> Status {
                        Frame* outer = &f;
                        for (uint32_t i = 0; i < x.count && outer != nullptr; ++i) {
                          outer = outer->scope;
                        }
                        if (outer == nullptr) return Error("outer alias beyond the root component");
                        WCLOUD_ASSIGN_OR_RETURN(Item item, ItemAt(*outer, {x.sort, x.index}));
                        return PushItem(f, x.sort, item, "outer alias");
                      },
                  },
                  a);
            },
            [&](const TypeDefRef& t) -> Status { return DefineType(store, f, t); },
            [&](const CanonDef& c) -> Status { return DefineCanon(store, f, c); },
            [&](const StartDef&) -> Status { return Error("start functions are not supported"); },
            [&](const ImportDef& import) -> Status {
              Item item;
              if (f.is_root) {
                WCLOUD_ASSIGN_OR_RETURN(item, ImportFromLinker(pre.linker(), f, import));
              } else {
                const Item* found = nullptr;
                for (const auto& [name, arg] : f.imports) {
                  if (name == import.name) found = &arg;
                }
                if (found == nullptr) {
                  return Error("nested component import " + import.name + " was not supplied");
                }
                item = *found;
              }
              f.BindResources(import.type, item);
              Sort sort = Sort::kInstance;
              switch (import.type.kind) {
                case ExternKind::kFunc:
                  sort = Sort::kFunc;
                  break;
                case ExternKind::kType:
                  sort = Sort::kType;
                  break;
                case ExternKind::kInstance:
                  sort = Sort::kInstance;
                  break;
                case ExternKind::kComponent:
                  sort = Sort::kComponent;
                  break;
                case ExternKind::kCoreModule:
                  sort = Sort::kCoreModule;
                  break;
                case ExternKind::kValue:
                  return Error("import " + import.name + ": values are not supported");
              }
              return PushItem(f, sort, item, "import " + import.name);
            },
            [&](const ExportDef& e) -> Status {
              WCLOUD_ASSIGN_OR_RETURN(Item item, ItemAt(f, e.item));
              if (e.ascribed) f.BindResources(*e.ascribed, item);
              f.exports->exports.emplace_back(e.name, item);
              // An export adds a new index to its sort's space (Explainer.md "Exports").
              return PushItem(f, e.item.sort, item, "export " + e.name);
            },
        },
        def);
    if (!status) return status;
  }
  return Ok();
}

Result<std::shared_ptr<const InstancePre>> InstancePre::Create(
    wasm::Engine& engine, std::shared_ptr<const Component> component,
    std::shared_ptr<const Linker> linker) {
  std::vector<std::string> missing;
  std::unordered_set<const ResourceType*> bound;
  for (const ImportDef& import : component->imports) {
    MissingForImport(*linker, import, bound, missing);
  }
  if (!missing.empty()) {
    std::string message = "the host does not provide what the component imports: ";
    for (size_t i = 0; i < missing.size(); ++i) message += (i ? ", " : "") + missing[i];
    return Error(message);
  }
  std::shared_ptr<InstancePre> pre(new InstancePre());
  pre->component_ = std::move(component);
  pre->linker_ = std::move(linker);
  std::vector<const CoreModuleDef*> defs;
  CollectModules(*pre->component_, defs);
  for (const CoreModuleDef* def : defs) {
    // Bytes the engine rejects are its to explain: compile them as they are. A module that is
    // not resettable comes back unchanged.
    auto prepared = wasm::PrepareResettable(def->bytes);
    if ((!prepared || !prepared->resettable) && pre->not_resettable_.empty()) {
      pre->not_resettable_ = "core module at offset " + std::to_string(def->offset) + ": " +
                             (prepared ? prepared->reason : prepared.error().message());
    }
    auto module = engine.Compile(prepared ? std::span<const uint8_t>(prepared->bytes) : def->bytes);
    if (!module) {
      return module.error().Wrap("core module at offset " + std::to_string(def->offset));
    }
    pre->modules_[def] = std::move(*module);
  }
  return std::shared_ptr<const InstancePre>(std::move(pre));
}

const wasm::Module* InstancePre::ModuleFor(const CoreModuleDef* def) const {
  auto it = modules_.find(def);
  return it == modules_.end() ? nullptr : it->second.get();
}

Result<std::unique_ptr<ComponentInstance>> InstancePre::Instantiate(
    wasm::Store& store, std::unique_ptr<InstanceData> data,
    const InstantiateOptions& options) const {
  std::unique_ptr<ComponentInstance> instance(new ComponentInstance());
  instance->data_ = data ? std::move(data) : std::make_unique<InstanceData>();
  auto root = std::make_unique<Frame>();
  root->root = instance.get();
  root->component = component_.get();
  root->is_root = true;
  root->all_frames = &instance->frames_;
  Frame& ref = *root;
  instance->frames_.push_back(std::move(root));
  WCLOUD_TRY_STATUS(ReplayDefinitions(*this, store, ref));
  if (options.resettable && resettable()) {
    for (const auto& frame : instance->frames_) {
      for (const auto& core : frame->core_instances) {
        if (!core->instance) continue;  // inline exports own no state
        WCLOUD_ASSIGN_OR_RETURN(auto snapshot, wasm::InstanceSnapshot::Capture(*core->instance));
        instance->snapshots_.push_back(std::move(snapshot));
      }
    }
    instance->resettable_ = true;
  }
  return instance;
}

const FuncType& ExportedFunc::type() const { return *func_->type; }

ComponentInstance::~ComponentInstance() {
  // Core instances go before the functions and memories they reference; frames in reverse.
  exported_.clear();
  while (!frames_.empty()) frames_.pop_back();
}

bool ComponentInstance::poisoned() const { return poisoned_; }

size_t ComponentInstance::memory_bytes() const {
  // Memories a core instance exports (the canonical ABI lifts through exported memories); one
  // exported twice, or imported by another instance and exported again, is counted once.
  std::set<const uint8_t*> seen;  // by base address: wrappers of one memory may differ
  size_t total = 0;
  for (const auto& frame : frames_) {
    for (const auto& core : frame->core_instances) {
      if (!core->instance) continue;
      for (const auto& [name, e] : core->instance->exports()) {
        const auto* memory = std::get_if<std::shared_ptr<wasm::Memory>>(&e);
        if (memory && seen.insert((*memory)->data()).second) total += (*memory)->size();
      }
    }
  }
  return total;
}

Status ComponentInstance::Reset(std::unique_ptr<InstanceData> data) {
  if (!resettable_) return Error("the instance was not made resettable");
  if (poisoned_) return Error("the instance trapped");
  for (const auto& frame : frames_) {
    if (!frame->may_enter || frame->live_borrows != 0) return Error("a call is in progress");
  }
  for (const auto& snapshot : snapshots_) {
    Status restored = snapshot.Restore();
    if (!restored) {
      poisoned_ = true;  // half restored: never to be used again
      return restored;
    }
  }
  for (const auto& frame : frames_) frame->handles.Clear();
  data_ = data ? std::move(data) : std::make_unique<InstanceData>();
  return Ok();
}

const ExportedFunc* ComponentInstance::GetExport(std::string_view interface,
                                                 std::string_view func) {
  const std::string key = std::string(interface) + "#" + std::string(func);
  for (const auto& e : exported_) {
    if (e->name() == key) return e.get();
  }
  const InstanceItem& exports = *frames_[0]->exports;
  const Item* item = nullptr;
  if (interface.empty()) {
    item = exports.Find(func);
  } else if (const Item* inst = exports.Find(interface)) {
    if (const auto* i = std::get_if<std::shared_ptr<InstanceItem>>(inst)) item = (*i)->Find(func);
  }
  if (item == nullptr) return nullptr;
  const auto* f = std::get_if<std::shared_ptr<FuncItem>>(item);
  if (f == nullptr) return nullptr;
  exported_.push_back(std::unique_ptr<ExportedFunc>(new ExportedFunc(key, *f)));
  return exported_.back().get();
}

Result<std::vector<Value>> ComponentInstance::Call(const ExportedFunc& func,
                                                   std::span<const Value> args) {
  if (poisoned_) return Error(func.name() + ": the instance trapped earlier and cannot be used");
  if (args.size() != func.type().params.size()) {
    return Error(func.name() + ": expects " + std::to_string(func.type().params.size()) +
                 " arguments, got " + std::to_string(args.size()));
  }
  auto results = CallFunc(*func.func_, args);
  if (!results) poisoned_ = true;
  return results;
}

Status ComponentInstance::DropResource(const ResourceValue& resource) {
  if (resource.type == nullptr || resource.type->guest_owner == nullptr) {
    return Error("not a resource defined by this component");
  }
  const auto* guest = static_cast<const GuestResource*>(resource.type->guest_owner);
  if (guest->owner->root != this) return Error("not a resource defined by this component");
  // The destructor is guest code, run as an export call would be (CanonicalABI.md
  // `canon_resource_drop` lifts it): never in a trapped instance, never re-entering one.
  const std::string what = "drop of " + resource.type->name + " " + std::to_string(resource.rep);
  if (poisoned_) return Error(what + ": the instance trapped earlier and cannot be used");
  if (!guest->owner->may_enter) {
    return wasm::TrapError(what + ": the component instance cannot be re-entered");
  }
  guest->owner->may_enter = false;
  Status destroyed = DestroyResource(*guest->owner, resource.type, resource.rep);
  guest->owner->may_enter = true;
  if (!destroyed) poisoned_ = true;
  return destroyed;
}

}  // namespace wcloud::component
