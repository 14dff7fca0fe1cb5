// What the WASI bindings share: defining a function with its argument count checked and its name
// on every error, handles in and out of the instance's tables, and WASI errors as Values.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/linker.h"
#include "component/value.h"
#include "util/result.h"
#include "wasi/error_code.h"
#include "wasi/resource_table.h"
#include "wasi/streams.h"
#include "wasi/wasi.h"
#include "wasi/wasi_state.h"

namespace wcloud::wasi {

using component::Value;

using WasiFunction =
    std::function<Status(WasiState& state, std::span<const Value> args, std::vector<Value>& out)>;

// Defines `name` in `versioned` ("wasi:io/streams@0.2.12"): a call with other than `arity`
// arguments traps, and an error `fn` returns is wrapped in the function's name. `fn` is
// Status(component::CallContext&, std::span<const Value> args, std::vector<Value>& out); what
// DefineWasi and wasi:http's DefineHttp share (a template: it runs on every call).
template <class F>
void DefineChecked(component::Linker& linker, const std::string& versioned, std::string_view name,
                   size_t arity, F fn) {
  std::string where = versioned + "#" + std::string(name);
  linker.DefineFunc(versioned, name,
                    [fn = std::move(fn), arity, where = std::move(where)](
                        component::CallContext& cx, std::span<const Value> args,
                        std::vector<Value>& out) -> Status {
                      if (args.size() != arity) {
                        return Error(where + ": called with " + std::to_string(args.size()) +
                                     " arguments, expected " + std::to_string(arity));
                      }
                      Status done = fn(cx, args, out);
                      if (!done) return done.error().Wrap(where);
                      return done;
                    });
}

// Defines `name` in `interface` ("wasi:io/streams") at kWasiVersion. The function runs with the
// caller's WasiState; a call with other than `arity` arguments, or an instance without WASI,
// traps with a message naming the function.
void DefineWasi(component::Linker& linker, std::string_view interface, std::string_view name,
                size_t arity, WasiFunction fn);

// "wasi:io/streams" → "wasi:io/streams@0.2.12".
std::string Versioned(std::string_view interface);

// The destructor of a resource whose objects live in `table` of WasiState.
template <class T>
std::function<void(component::CallContext&, uint32_t)> DropFrom(
    ResourceTable<T> WasiState::*table) {
  return [table](component::CallContext& cx, uint32_t rep) {
    if (WasiState* state = cx.data().Find<WasiState>()) {
      (state->*table).Remove(rep);
    }
  };
}

// The rep of handle `v`, which must be of `type`.
Result<uint32_t> RepOf(const Value& v, const component::RuntimeResource* type);

// The object behind handle `v` in `table`.
template <class T>
Result<T*> Lookup(ResourceTable<T>& table, const Value& v, const component::RuntimeResource* type) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t rep, RepOf(v, type));
  return table.Get(rep);
}

// Adds `object` to `table` and returns the new own handle.
template <class T>
Result<Value> NewHandle(ResourceTable<T>& table, const component::RuntimeResource* type, T object) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t rep, table.Add(std::move(object)));
  return Value::Resource({type, rep});
}

// stream-error: closed, or last-operation-failed with a new wasi:io/error handle.
Result<Value> StreamErrorValue(WasiState& state, const WasiResources& res,
                               const StreamError& error);

// result<T, stream-error>, T from `to_value`.
template <class T, class F>
Result<Value> StreamResultValue(WasiState& state, const WasiResources& res, StreamResult<T> result,
                                F to_value) {
  if (!result) {
    WCLOUD_ASSIGN_OR_RETURN(Value error, StreamErrorValue(state, res, result.error()));
    return Value::Err(std::move(error));
  }
  return Value::Ok(to_value(std::move(result).value()));
}

inline Result<Value> StreamStatusValue(WasiState& state, const WasiResources& res,
                                       StreamStatus status) {
  if (!status) {
    WCLOUD_ASSIGN_OR_RETURN(Value error, StreamErrorValue(state, res, status.error()));
    return Value::Err(std::move(error));
  }
  return Value::Ok();
}

inline Value FsErrorValue(ErrorCode code) {
  return Value::Err(Value::Enum(static_cast<uint32_t>(code)));
}

// Each defines one package's interfaces.
void DefineCli(component::Linker& linker, const WasiResources& res);
void DefineClocks(component::Linker& linker, const WasiResources& res);
void DefineRandom(component::Linker& linker);
void DefineIo(component::Linker& linker, const WasiResources& res);
void DefineFilesystem(component::Linker& linker, const WasiResources& res);

}  // namespace wcloud::wasi
