// What the wasi:http bindings share: defining a function that sees both the caller's WASI and
// HTTP state, and the WIT types they pass as Values.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/linker.h"
#include "component/value.h"
#include "util/result.h"
#include "wasi/http/http_state.h"
#include "wasi/wasi_state.h"

namespace wcloud::wasi::http {

using component::Value;

struct HttpCall {
  WasiState& wasi;
  HttpState& http;
  const HttpResources& res;
};

using HttpFunction =
    std::function<Status(HttpCall& call, std::span<const Value> args, std::vector<Value>& out)>;

// Defines `name` in `interface` ("wasi:http/types") at kWasiHttpVersion; a call with other than
// `arity` arguments, or from an instance without WASI or HTTP state, traps naming the function.
void DefineHttp(component::Linker& linker, std::string_view interface, std::string_view name,
                size_t arity, HttpFunction fn);

std::string VersionedHttp(std::string_view interface);

Value MethodValue(const Method& method);
Method MethodOf(const Value& value);
Value OptionalSchemeValue(const std::optional<Scheme>& scheme);
std::optional<Scheme> OptionalSchemeOf(const Value& value);
Value OptionalStringValue(const std::optional<std::string>& s);
Value EntriesValue(const FieldList& entries);
FieldList EntriesOf(const Value& list);

// The rep of `v` in `table`, checked against `type`, then the object.
template <class T>
Result<T*> Get(ResourceTable<T>& table, const Value& v, const component::RuntimeResource* type) {
  const component::ResourceValue& handle = v.as_resource();
  if (handle.type != type) {
    return Error(
        "a handle of " +
        (handle.type ? handle.type->interface + "/" + handle.type->name : std::string("(none)")) +
        " where " + type->interface + "/" + type->name + " was expected");
  }
  return table.Get(handle.rep);
}

// Removes and returns the object behind an own handle `v`.
template <class T>
Result<T> Take(ResourceTable<T>& table, const Value& v, const component::RuntimeResource* type) {
  WCLOUD_ASSIGN_OR_RETURN(T * object, Get(table, v, type));
  T taken = std::move(*object);
  table.Remove(v.as_resource().rep);
  return taken;
}

template <class T>
Result<Value> Own(ResourceTable<T>& table, const component::RuntimeResource* type, T object) {
  WCLOUD_ASSIGN_OR_RETURN(uint32_t rep, table.Add(std::move(object)));
  return Value::Resource({type, rep});
}

void DefineTypes(component::Linker& linker, const HttpResources& res);
void DefineOutgoingHandler(component::Linker& linker, const HttpResources& res);

}  // namespace wcloud::wasi::http
