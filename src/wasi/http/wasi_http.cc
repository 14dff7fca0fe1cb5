#include "wasi/http/wasi_http.h"

#include <array>

#include "wasi/host_call.h"
#include "wasi/http/http_host.h"

namespace wcloud::wasi::http {
namespace {

constexpr std::array<std::string_view, 9> kMethods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
constexpr uint32_t kMethodOther = 9;
constexpr uint32_t kSchemeOther = 2;

template <class T>
std::function<void(component::CallContext&, uint32_t)> DropFromHttp(
    ResourceTable<T> HttpState::*table) {
  return [table](component::CallContext& cx, uint32_t rep) {
    if (HttpState* state = cx.data().Find<HttpState>()) (state->*table).Remove(rep);
  };
}

}  // namespace

Method MethodFromString(std::string_view method) {
  for (uint32_t i = 0; i < kMethods.size(); ++i) {
    if (kMethods[i] == method) return Method{i, ""};
  }
  return Method{kMethodOther, std::string(method)};
}

std::string MethodToString(const Method& method) {
  return method.tag < kMethods.size() ? std::string(kMethods[method.tag]) : method.other;
}

const FieldList& IncomingRequest::headers() {
  if (headers_source) {
    headers_ = headers_source();
    LowerCaseNames(headers_);
    headers_source = nullptr;
  }
  return headers_;
}

Result<HttpState*> FindHttpState(component::InstanceData& data) {
  if (HttpState* state = data.Find<HttpState>()) return state;
  return Error("the instance has no wasi:http state (AttachWasiHttp was not called)");
}

std::string VersionedHttp(std::string_view interface) {
  return std::string(interface) + "@" + kWasiHttpVersion;
}

void DefineHttp(component::Linker& linker, std::string_view interface, std::string_view name,
                size_t arity, HttpFunction fn) {
  DefineChecked(linker, VersionedHttp(interface), name, arity,
                [fn = std::move(fn)](component::CallContext& cx, std::span<const Value> args,
                                     std::vector<Value>& out) -> Status {
                  // Found directly, not through FindWasiState/FindHttpState's Results: this runs
                  // on every wasi:http call, and their Errors are needed only when a state is
                  // missing.
                  WasiState* wasi = cx.data().Find<WasiState>();
                  if (wasi == nullptr) return FindWasiState(cx.data()).error();
                  HttpState* http = cx.data().Find<HttpState>();
                  if (http == nullptr) return FindHttpState(cx.data()).error();
                  HttpCall call{*wasi, *http, http->resources};
                  return fn(call, args, out);
                });
}

Value MethodValue(const Method& method) {
  return method.tag == kMethodOther ? Value::Case(kMethodOther, Value::String(method.other))
                                    : Value::Case(method.tag);
}

Method MethodOf(const Value& value) {
  const auto& c = value.as_case();
  return Method{c.index, c.index == kMethodOther ? c.payload.at(0).as_string() : std::string()};
}

Value OptionalSchemeValue(const std::optional<Scheme>& scheme) {
  if (!scheme) return Value::None();
  return Value::Some(scheme->tag == kSchemeOther
                         ? Value::Case(kSchemeOther, Value::String(scheme->other))
                         : Value::Case(scheme->tag));
}

std::optional<Scheme> OptionalSchemeOf(const Value& value) {
  const Value* some = value.payload();
  if (value.as_case().index == 0 || some == nullptr) return std::nullopt;
  const auto& c = some->as_case();
  return Scheme{c.index, c.index == kSchemeOther ? c.payload.at(0).as_string() : std::string()};
}

Value OptionalStringValue(const std::optional<std::string>& s) {
  return s ? Value::Some(Value::String(*s)) : Value::None();
}

Value EntriesValue(const FieldList& entries) {
  std::vector<Value> list;
  list.reserve(entries.size());
  for (const auto& [name, value] : entries) {
    list.push_back(Value::Aggregate(
        {Value::String(name), Value::Bytes(std::vector<uint8_t>(value.begin(), value.end()))}));
  }
  return Value::Aggregate(std::move(list));
}

FieldList EntriesOf(const Value& list) {
  FieldList entries;
  for (const Value& entry : list.items()) {
    const auto& bytes = entry.items().at(1).as_bytes();
    entries.emplace_back(entry.items().at(0).as_string(), std::string(bytes.begin(), bytes.end()));
  }
  return entries;
}

HttpResources AddWasiHttpToLinker(component::Linker& linker, const WasiResources& wasi) {
  HttpResources res;
  res.wasi = wasi;
  const std::string types = VersionedHttp("wasi:http/types");
  res.fields = linker.DefineResource(types, "fields", DropFromHttp(&HttpState::fields));
  res.incoming_request =
      linker.DefineResource(types, "incoming-request", DropFromHttp(&HttpState::incoming_requests));
  res.outgoing_request =
      linker.DefineResource(types, "outgoing-request", DropFromHttp(&HttpState::outgoing_requests));
  res.request_options =
      linker.DefineResource(types, "request-options", DropFromHttp(&HttpState::request_options));
  res.response_outparam = linker.DefineResource(types, "response-outparam",
                                                DropFromHttp(&HttpState::response_outparams));
  res.incoming_response = linker.DefineResource(types, "incoming-response",
                                                DropFromHttp(&HttpState::incoming_responses));
  res.incoming_body =
      linker.DefineResource(types, "incoming-body", DropFromHttp(&HttpState::incoming_bodies));
  res.future_trailers =
      linker.DefineResource(types, "future-trailers", DropFromHttp(&HttpState::future_trailers));
  res.outgoing_response = linker.DefineResource(types, "outgoing-response",
                                                DropFromHttp(&HttpState::outgoing_responses));
  // Dropping an unfinished body breaks it (the WIT: "treat the body as corrupted").
  res.outgoing_body =
      linker.DefineResource(types, "outgoing-body", [](component::CallContext& cx, uint32_t rep) {
        HttpState* state = cx.data().Find<HttpState>();
        if (state == nullptr) return;
        if (auto body = state->outgoing_bodies.Get(rep)) (**body)->Abandon();
        state->outgoing_bodies.Remove(rep);
      });
  res.future_incoming_response = linker.DefineResource(
      types, "future-incoming-response", DropFromHttp(&HttpState::future_incoming_responses));
  DefineTypes(linker, res);
  DefineOutgoingHandler(linker, res);
  return res;
}

Status AttachWasiHttp(component::InstanceData& data, const HttpResources& resources,
                      HttpConfig config) {
  auto policy = EgressPolicy::Create(config.allowed_hosts);
  if (!policy) return policy.error().Wrap("wasi:http");
  data.Emplace<HttpState>(resources, std::move(config), std::move(*policy));
  return Ok();
}

}  // namespace wcloud::wasi::http
