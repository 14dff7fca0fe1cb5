// Core values and types as the WebAssembly JS API carries them (i64 as BigInt), plus a small
// inline buffer so calls do not allocate for ordinary arities.
#pragma once

#include <v8.h>

#include <cstddef>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::wasm {

// N elements inline, more on the heap; only `size` elements are constructed.
template <typename T, size_t N = 8>
class SmallBuffer {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit SmallBuffer(size_t size) : size_(size) {
    if (size > N) {
      heap_.resize(size);
      data_ = heap_.data();
    } else {
      data_ = reinterpret_cast<T*>(inline_);
      for (size_t i = 0; i < size; ++i) new (data_ + i) T();
    }
  }
  SmallBuffer(const SmallBuffer&) = delete;
  SmallBuffer& operator=(const SmallBuffer&) = delete;

  T* data() { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }

 private:
  alignas(T) unsigned char inline_[N * sizeof(T)];
  std::vector<T> heap_;
  T* data_;
  size_t size_;
};

// Reference types become null: references move through tables, not values.
v8::Local<v8::Value> ToJs(v8::Isolate* isolate, ValType type, const Val& value);
// False when the conversion threw (a JS exception is pending). Values coming from wasm take
// the fast paths, which need no context.
bool FromJs(v8::Isolate* isolate, ValType type, v8::Local<v8::Value> value, Val& out);

// The type-reflection form: {parameters: ["i32"], results: ["i64"]}.
v8::Local<v8::Object> FuncTypeToJs(v8::Isolate* isolate, const FuncType& type);
// A memory or table descriptor ({initial, maximum, element}); `element` null for memories.
v8::Local<v8::Object> LimitsToJs(v8::Isolate* isolate, const Limits& limits, const char* element);
Result<FuncType> FuncTypeFromJs(v8::Local<v8::Context> context, v8::Local<v8::Value> value);

// "(i32, i64) -> (f32)", for messages.
std::string FuncTypeString(const FuncType& type);

// `value` as a string (ToString), never failing.
std::string JsString(v8::Isolate* isolate, v8::Local<v8::Value> value);
v8::Local<v8::String> JsName(v8::Isolate* isolate, std::string_view name);

}  // namespace wcloud::wasm
