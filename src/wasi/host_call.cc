#include "wasi/host_call.h"

namespace wcloud::wasi {

std::string Versioned(std::string_view interface) {
  return std::string(interface) + "@" + kWasiVersion;
}

void DefineWasi(component::Linker& linker, std::string_view interface, std::string_view name,
                size_t arity, WasiFunction fn) {
  DefineChecked(linker, Versioned(interface), name, arity,
                [fn = std::move(fn)](component::CallContext& cx, std::span<const Value> args,
                                     std::vector<Value>& out) -> Status {
                  // Found directly, not through FindWasiState's Result: its Error is needed only
                  // when the state is missing, and this runs on every WASI call.
                  WasiState* state = cx.data().Find<WasiState>();
                  if (state == nullptr) return FindWasiState(cx.data()).error();
                  return fn(*state, args, out);
                });
}

Result<uint32_t> RepOf(const Value& v, const component::RuntimeResource* type) {
  const component::ResourceValue& handle = v.as_resource();
  if (handle.type != type) {
    return Error(
        "a handle of resource " +
        (handle.type ? handle.type->interface + "/" + handle.type->name : std::string("(none)")) +
        " where " + type->interface + "/" + type->name + " was expected");
  }
  return handle.rep;
}

Result<Value> StreamErrorValue(WasiState& state, const WasiResources& res,
                               const StreamError& error) {
  if (error.kind == StreamError::Kind::kClosed) {
    return Value::Case(1);
  }
  WCLOUD_ASSIGN_OR_RETURN(
      Value handle, NewHandle(state.errors, res.error, IoError{error.message, error.os_error}));
  return Value::Case(0, std::move(handle));
}

}  // namespace wcloud::wasi
