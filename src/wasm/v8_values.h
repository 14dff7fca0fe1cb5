// Core values and types as the WebAssembly JS API carries them (i64 as BigInt), plus a small
// inline buffer so calls do not allocate for ordinary arities.
#pragma once

#include <v8.h>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::wasm {

// N elements inline, more on the heap.
template <typename T, size_t N = 8>
class SmallBuffer {
 public:
  explicit SmallBuffer(size_t size) : size_(size) {
    if (size > N) {
      heap_.resize(size);
      data_ = heap_.data();
    } else {
      data_ = inline_.data();
    }
  }
  SmallBuffer(const SmallBuffer&) = delete;
  SmallBuffer& operator=(const SmallBuffer&) = delete;

  T* data() { return data_; }
  size_t size() const { return size_; }
  T& operator[](size_t i) { return data_[i]; }

 private:
  std::array<T, N> inline_{};
  std::vector<T> heap_;
  T* data_;
  size_t size_;
};

// Reference types become null: references move through tables, not values.
v8::Local<v8::Value> ToJs(v8::Isolate* isolate, ValType type, const Val& value);
// False when the conversion threw (a JS exception is pending).
bool FromJs(v8::Local<v8::Context> context, ValType type, v8::Local<v8::Value> value, Val& out);

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
