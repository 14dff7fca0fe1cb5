// Calls across the component boundary: `canon lift` (host → guest export), `canon lower`
// (guest → host import) and the handle rules both share (CanonicalABI.md "Handle types").
#include <cassert>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "component/canonical_abi.h"
#include "component/component_instance.h"
#include "component/frame.h"
#include "component/inline_vector.h"

namespace wcloud::component {
namespace {

std::string ResourceName(const RuntimeResource* r) {
  if (r == nullptr) return "(unbound resource)";
  return r->interface.empty() ? r->name : r->interface + "#" + r->name;
}

// The LiftLowerContext of one call: the instance's memory, realloc and handle table. Own
// handles lent as borrows to the callee are returned when the call ends.
class CanonContext final : public LiftLowerContext {
 public:
  CanonContext(Frame& frame, const CanonRuntimeOptions& options)
      : frame_(frame), options_(options) {}
  ~CanonContext() override { EndLends(); }

  StringEncoding string_encoding() const override { return options_.encoding; }

  std::span<uint8_t> memory() override {
    if (!options_.memory) return {};
    return {options_.memory->data(), options_.memory->size()};
  }

  Result<uint32_t> Realloc(uint32_t old_ptr, uint32_t old_size, uint32_t align,
                           uint32_t new_size) override {
    if (!options_.realloc) return Error("the canonical options name no realloc function");
    const wasm::Val args[] = {wasm::Val::I32(old_ptr), wasm::Val::I32(old_size),
                              wasm::Val::I32(align), wasm::Val::I32(new_size)};
    wasm::Val result;
    WCLOUD_TRY_STATUS(options_.realloc->Call(args, std::span<wasm::Val>(&result, 1)));
    const uint32_t ptr = result.i32;
    if (align != 0 && ptr % align != 0) {
      return Error("realloc returned " + std::to_string(ptr) + ", not aligned to " +
                   std::to_string(align));
    }
    return ptr;
  }

  Result<ResourceValue> LiftOwn(const ResourceType& resource, uint32_t handle) override {
    const RuntimeResource* type = frame_.ResolveResource(resource);
    WCLOUD_ASSIGN_OR_RETURN(HandleEntry * entry, frame_.handles.Get(handle));
    if (!entry->own) return Error("handle " + std::to_string(handle) + " is a borrow, not own");
    if (entry->type != type) {
      return Error("handle " + std::to_string(handle) + " is a " + ResourceName(entry->type) +
                   ", expected " + ResourceName(type));
    }
    if (entry->lend_count != 0) {
      return Error("handle " + std::to_string(handle) + " is lent out and cannot be moved");
    }
    WCLOUD_ASSIGN_OR_RETURN(HandleEntry removed, frame_.handles.Remove(handle));
    return ResourceValue{removed.type, removed.rep};
  }

  Result<ResourceValue> LiftBorrow(const ResourceType& resource, uint32_t handle) override {
    const RuntimeResource* type = frame_.ResolveResource(resource);
    WCLOUD_ASSIGN_OR_RETURN(HandleEntry * entry, frame_.handles.Get(handle));
    if (entry->type != type) {
      return Error("handle " + std::to_string(handle) + " is a " + ResourceName(entry->type) +
                   ", expected " + ResourceName(type));
    }
    if (entry->own) {
      ++entry->lend_count;
      lent_.push_back(handle);
    }
    return ResourceValue{entry->type, entry->rep};
  }

  Result<uint32_t> LowerOwn(const ResourceType& resource, const ResourceValue& value) override {
    const RuntimeResource* type = frame_.ResolveResource(resource);
    if (value.type != type) {
      return Error("own handle of " + ResourceName(value.type) + " where " + ResourceName(type) +
                   " is expected");
    }
    return frame_.handles.Add(HandleEntry{type, value.rep, true, 0, 0});
  }

  Result<uint32_t> LowerBorrow(const ResourceType& resource, const ResourceValue& value) override {
    const RuntimeResource* type = frame_.ResolveResource(resource);
    if (value.type != type) {
      return Error("borrow of " + ResourceName(value.type) + " where " + ResourceName(type) +
                   " is expected");
    }
    // An instance receiving a borrow of its own resource gets the representation itself.
    if (type != nullptr && type->guest_owner != nullptr &&
        static_cast<const GuestResource*>(type->guest_owner)->owner == &frame_) {
      return value.rep;
    }
    WCLOUD_ASSIGN_OR_RETURN(uint32_t handle,
                            frame_.handles.Add(HandleEntry{type, value.rep, false, 0, 1}));
    ++frame_.live_borrows;
    return handle;
  }

  void EndLends() {
    for (uint32_t handle : lent_) {
      auto entry = frame_.handles.Get(handle);
      if (entry && (*entry)->lend_count > 0) --(*entry)->lend_count;
    }
    lent_.clear();
  }

 private:
  Frame& frame_;
  const CanonRuntimeOptions& options_;
  // Every method call lends its `self` handle; a few inline cover nearly every call.
  InlineVector<uint32_t, 4> lent_;
};

// The component values of one lowered call: the host function's arguments and results. Each
// lowered import keeps one set whose capacity later calls reuse, so a call allocates no vectors
// once the first has run. A call that overlaps one in progress on the same import (the guest's
// realloc calling the import again while results are lowered) gets vectors of its own.
struct CallValues {
  std::vector<Value> args;
  std::vector<Value> results;
  bool in_use = false;
};

class CallValuesLease {
 public:
  explicit CallValuesLease(CallValues& shared) : shared_(shared.in_use ? nullptr : &shared) {
    if (shared_) shared_->in_use = true;
  }
  ~CallValuesLease() {
    if (!shared_) return;
    // Values are dropped now, not at the next call: a lifted list<u8> may be large.
    shared_->args.clear();
    shared_->results.clear();
    shared_->in_use = false;
  }
  CallValuesLease(const CallValuesLease&) = delete;
  CallValuesLease& operator=(const CallValuesLease&) = delete;

  CallValues& values() {
    if (shared_) return *shared_;
    if (!own_) own_.emplace();
    return *own_;
  }

 private:
  CallValues* shared_;
  std::optional<CallValues> own_;  // only for an overlapping call
};

// Host functions may meet values of a shape they did not expect (a component whose import
// type differs from the WIT they implement); std::get throws then, and that must trap the
// guest, not unwind through V8.
Status CallHost(FuncItem& func, Frame& frame, std::span<const Value> args,
                std::vector<Value>& results) {
  CallContext cx(frame.root, &frame.root->data());
  try {
    Status status = (*func.host)(cx, args, results);
    if (!status) return status.error().Wrap(func.name);
  } catch (const std::exception& e) {
    return wasm::HostFunctionError(func.name +
                                   ": host function failed on its arguments: " + e.what());
  }
  if (results.size() != func.type->results.size()) {
    return wasm::HostFunctionError(
        func.name + ": host function returned " + std::to_string(results.size()) +
        " results, the import declares " + std::to_string(func.type->results.size()));
  }
  return Ok();
}

Result<std::vector<Value>> CallLifted(FuncItem& func, std::span<const Value> args) {
  Frame& frame = *func.frame;
  if (frame.root->poisoned()) return Error(func.name + ": the instance trapped earlier");
  if (!frame.may_enter) {
    return wasm::TrapError(func.name + ": the component instance cannot be re-entered");
  }
  CanonContext cx(frame, func.options);
  assert(func.signature);  // every lifted FuncItem comes from DefineCanon
  const FlatSignature& signature = *func.signature;
  FlatValues core_args;
  WCLOUD_TRY_STATUS(LowerExportArgs(cx, signature, args, core_args));
  FlatValues core_results;
  core_results.resize(func.core->type().results.size());
  frame.may_enter = false;
  Status called = func.core->Call(core_args, core_results);
  frame.may_enter = true;
  if (!called) return called.error();
  WCLOUD_ASSIGN_OR_RETURN(std::vector<Value> results,
                          LiftExportResults(cx, signature, core_results));
  if (func.options.post_return) {
    WCLOUD_TRY_STATUS(func.options.post_return->Call(core_results, {}));
  }
  if (frame.live_borrows != 0) {
    return wasm::TrapError(func.name + ": returned while still holding " +
                           std::to_string(frame.live_borrows) + " borrowed handle(s)");
  }
  return results;
}

}  // namespace

Result<std::vector<Value>> CallFunc(FuncItem& func, std::span<const Value> args) {
  if (func.host != nullptr) {
    std::vector<Value> results;
    // A host function called by the host itself (a re-export) sees the root's data.
    Frame* frame = func.frame;
    if (frame == nullptr) return Error(func.name + ": host function without an instance");
    WCLOUD_TRY_STATUS(CallHost(func, *frame, args, results));
    return results;
  }
  return CallLifted(func, args);
}

std::shared_ptr<wasm::Func> LowerFunc(wasm::Store& store, Frame& frame,
                                      std::shared_ptr<FuncItem> func, CanonRuntimeOptions options) {
  wasm::FuncType core_type = FlattenFuncType(*func->type, /*lower=*/true);
  frame.lowered.push_back(std::make_unique<LoweredImport>(LoweredImport{func, std::move(options)}));
  // Raw pointers only: the frame owns both and outlives every call into its instances. The
  // FuncItem is reached through the raw pointer once the weak one says it is alive, which costs
  // no reference count per call.
  Frame* frame_ptr = &frame;
  const LoweredImport* lowered = frame.lowered.back().get();
  FuncItem* func_ptr = func.get();
  auto callback = [frame_ptr, lowered, func_ptr, signature = FlatSignature(*func->type),
                   values = std::make_shared<CallValues>()](
                      std::span<const wasm::Val> core_args,
                      std::span<wasm::Val> core_results) -> Status {
    if (lowered->func.expired()) {
      return wasm::TrapError("a lowered function outlived its instance");
    }
    Frame& frame = *frame_ptr;
    FuncItem& func = *func_ptr;
    CanonContext cx(frame, lowered->options);
    CallValuesLease lease(*values);
    std::vector<Value>& args = lease.values().args;
    std::vector<Value>& results = lease.values().results;
    std::optional<uint32_t> return_pointer;
    Status lifted = LiftImportArgs(cx, signature, core_args, args, &return_pointer);
    if (!lifted) return lifted.error().Wrap(func.name);
    if (func.host != nullptr) {
      WCLOUD_TRY_STATUS(CallHost(func, frame, args, results));
    } else {
      WCLOUD_ASSIGN_OR_RETURN(results, CallLifted(func, args));
    }
    cx.EndLends();
    FlatValues flat_results;
    Status lowered_results =
        LowerImportResults(cx, signature, results, return_pointer, flat_results);
    if (!lowered_results) return lowered_results.error().Wrap(func.name);
    if (flat_results.size() != core_results.size()) {
      return wasm::TrapError(func.name + ": lowered results do not match the core signature");
    }
    for (size_t i = 0; i < core_results.size(); ++i) core_results[i] = flat_results[i];
    return Ok();
  };
  return store.NewHostFunc(std::move(core_type), std::move(callback));
}

Status DestroyResource(Frame& frame, const RuntimeResource* type, uint32_t rep) {
  if (type == nullptr) return Ok();
  if (type->guest_owner != nullptr) {
    const auto* guest = static_cast<const GuestResource*>(type->guest_owner);
    if (!guest->dtor) return Ok();
    const wasm::Val arg = wasm::Val::I32(rep);
    return guest->dtor->Call(std::span<const wasm::Val>(&arg, 1), {});
  }
  if (type->dtor) {
    CallContext cx(frame.root, &frame.root->data());
    try {
      type->dtor(cx, rep);
    } catch (const std::exception& e) {
      return wasm::HostFunctionError(ResourceName(type) + " destructor failed: " + e.what());
    }
  }
  return Ok();
}

}  // namespace wcloud::component
