#include "wasm/v8_values.h"

namespace wcloud::wasm {
namespace {

const char* TypeName(ValType type) {
  switch (type) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    case ValType::kFuncRef:
      return "anyfunc";
    case ValType::kExternRef:
      return "externref";
  }
  return "?";
}

std::optional<ValType> TypeFromName(std::string_view name) {
  if (name == "i32") return ValType::kI32;
  if (name == "i64") return ValType::kI64;
  if (name == "f32") return ValType::kF32;
  if (name == "f64") return ValType::kF64;
  if (name == "anyfunc" || name == "funcref") return ValType::kFuncRef;
  if (name == "externref") return ValType::kExternRef;
  return std::nullopt;
}

Result<std::vector<ValType>> TypesFromJs(v8::Local<v8::Context> context, v8::Local<v8::Object> type,
                                         const char* key) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::Value> list;
  if (!type->Get(context, JsName(isolate, key)).ToLocal(&list) || !list->IsArray()) {
    return Error(std::string("function type without a '") + key + "' list");
  }
  auto array = list.As<v8::Array>();
  std::vector<ValType> out;
  for (uint32_t i = 0; i < array->Length(); ++i) {
    v8::Local<v8::Value> name;
    if (!array->Get(context, i).ToLocal(&name)) return Error("unreadable function type");
    auto t = TypeFromName(JsString(isolate, name));
    if (!t) return Error("value type '" + JsString(isolate, name) + "' cannot cross the engine");
    out.push_back(*t);
  }
  return out;
}

}  // namespace

v8::Local<v8::Value> ToJs(v8::Isolate* isolate, ValType type, const Val& value) {
  switch (type) {
    case ValType::kI32:
      return v8::Integer::New(isolate, static_cast<int32_t>(value.i32));
    case ValType::kI64:
      return v8::BigInt::NewFromUnsigned(isolate, value.i64);
    case ValType::kF32:
      return v8::Number::New(isolate, value.f32);
    case ValType::kF64:
      return v8::Number::New(isolate, value.f64);
    case ValType::kFuncRef:
    case ValType::kExternRef:
      break;
  }
  return v8::Null(isolate);
}

bool FromJs(v8::Isolate* isolate, ValType type, v8::Local<v8::Value> value, Val& out) {
  out.type = type;
  // Only the slow paths (values not made by wasm) need a context.
  auto context = [isolate] { return isolate->GetCurrentContext(); };
  switch (type) {
    case ValType::kI32: {
      if (value->IsInt32()) {
        out.i32 = static_cast<uint32_t>(value.As<v8::Int32>()->Value());
        return true;
      }
      int32_t v;
      if (context().IsEmpty() || !value->Int32Value(context()).To(&v)) return false;
      out.i32 = static_cast<uint32_t>(v);
      return true;
    }
    case ValType::kI64: {
      v8::Local<v8::BigInt> big;
      if (value->IsBigInt()) {
        big = value.As<v8::BigInt>();
      } else if (context().IsEmpty() || !value->ToBigInt(context()).ToLocal(&big)) {
        return false;
      }
      out.i64 = big->Uint64Value();  // wraps modulo 2^64, as ToBigInt64 does
      return true;
    }
    case ValType::kF32:
    case ValType::kF64: {
      double d;
      if (value->IsNumber()) {
        d = value.As<v8::Number>()->Value();
      } else if (context().IsEmpty() || !value->NumberValue(context()).To(&d)) {
        return false;
      }
      if (type == ValType::kF32) {
        out.f32 = static_cast<float>(d);
      } else {
        out.f64 = d;
      }
      return true;
    }
    case ValType::kFuncRef:
    case ValType::kExternRef:
      out.i64 = 0;
      return true;
  }
  return true;
}

v8::Local<v8::Object> FuncTypeToJs(v8::Isolate* isolate, const FuncType& type) {
  auto list = [&](const std::vector<ValType>& types) {
    SmallBuffer<v8::Local<v8::Value>> names(types.size());
    for (size_t i = 0; i < types.size(); ++i) names[i] = JsName(isolate, TypeName(types[i]));
    return v8::Array::New(isolate, names.data(), names.size());
  };
  v8::Local<v8::Name> keys[] = {JsName(isolate, "parameters"), JsName(isolate, "results")};
  v8::Local<v8::Value> values[] = {list(type.params), list(type.results)};
  return v8::Object::New(isolate, v8::Null(isolate), keys, values, 2);
}

v8::Local<v8::Object> LimitsToJs(v8::Isolate* isolate, const Limits& limits, const char* element) {
  v8::Local<v8::Name> keys[3];
  v8::Local<v8::Value> values[3];
  size_t n = 0;
  keys[n] = JsName(isolate, "initial");
  values[n++] = v8::Number::New(isolate, static_cast<double>(limits.min));
  if (limits.max) {
    keys[n] = JsName(isolate, "maximum");
    values[n++] = v8::Number::New(isolate, static_cast<double>(*limits.max));
  }
  if (element != nullptr) {
    keys[n] = JsName(isolate, "element");
    values[n++] = JsName(isolate, element);
  }
  return v8::Object::New(isolate, v8::Null(isolate), keys, values, n);
}

Result<FuncType> FuncTypeFromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value) {
  if (!value->IsObject()) return Error("function type is not an object");
  auto type = value.As<v8::Object>();
  FuncType out;
  WCLOUD_ASSIGN_OR_RETURN(out.params, TypesFromJs(context, type, "parameters"));
  WCLOUD_ASSIGN_OR_RETURN(out.results, TypesFromJs(context, type, "results"));
  return out;
}

std::string FuncTypeString(const FuncType& type) {
  auto list = [](const std::vector<ValType>& types) {
    std::string s = "(";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i) s += ", ";
      s += types[i] == ValType::kFuncRef ? "funcref" : TypeName(types[i]);
    }
    return s + ")";
  };
  return list(type.params) + " -> " + list(type.results);
}

std::string JsString(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value.IsEmpty()) return "";
  v8::String::Utf8Value utf8(isolate, value);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string("<unprintable value>");
}

v8::Local<v8::String> JsName(v8::Isolate* isolate, std::string_view name) {
  v8::Local<v8::String> out;
  // Longer than V8's strings can be: a lookup of "" then fails with an error, not a crash.
  if (name.size() > static_cast<size_t>(v8::String::kMaxLength) ||
      !v8::String::NewFromUtf8(isolate, name.data(), v8::NewStringType::kNormal,
                               static_cast<int>(name.size()))
           .ToLocal(&out)) {
    return v8::String::Empty(isolate);
  }
  return out;
}

}  // namespace wcloud::wasm
