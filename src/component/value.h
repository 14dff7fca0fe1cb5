// Component-level values: what the canonical ABI lifts out of and lowers into core wasm, and
// what host implementations of imported interfaces receive and return. A Value is interpreted
// against its ValType; it does not carry the type itself.
#pragma once

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace wcloud::component {

struct RuntimeResource;  // component/linker.h

// A resource handle as the host sees it: the resource's representation (`rep`, the i32 the
// implementer chose) and the runtime type it belongs to. `own` values transfer ownership.
struct ResourceValue {
  const RuntimeResource* type = nullptr;
  uint32_t rep = 0;
  bool operator==(const ResourceValue&) const = default;
};

class Value;

// variant, option, result and enum: the case index and its payload (absent when the case has
// none). option: case 0 = none, 1 = some. result: case 0 = ok, 1 = error.
struct CaseValue {
  uint32_t index = 0;
  std::vector<Value> payload;  // zero or one element
};

class Value {
 public:
  // bool; s8..s64 sign-extended into int64; u8..u64 and char (a Unicode scalar) zero-extended
  // into uint64; f32; f64; string (UTF-8); list<u8> as bytes; other lists, records and tuples as
  // a vector of Values in declaration order; flags as a bit set (bit i = label i).
  using Storage = std::variant<bool, int64_t, uint64_t, float, double, std::string,
                               std::vector<uint8_t>, std::vector<Value>, CaseValue, ResourceValue>;

  Value() : v_(false) {}
  // Builds the Storage alternative `I` in place: the canonical ABI constructs values where they
  // are kept (a vector's new element) rather than moving one there.
  template <size_t I, typename... Args>
  explicit Value(std::in_place_index_t<I> index, Args&&... args)
      : v_(index, std::forward<Args>(args)...) {}

  static Value Bool(bool b) { return Value(std::in_place_index<0>, b); }
  static Value Signed(int64_t v) { return Value(std::in_place_index<1>, v); }
  static Value Unsigned(uint64_t v) { return Value(std::in_place_index<2>, v); }
  static Value Char(char32_t c) { return Unsigned(c); }
  static Value F32(float v) { return Value(std::in_place_index<3>, v); }
  static Value F64(double v) { return Value(std::in_place_index<4>, v); }
  static Value String(std::string s) { return Value(std::in_place_index<5>, std::move(s)); }
  static Value Bytes(std::vector<uint8_t> b) { return Value(std::in_place_index<6>, std::move(b)); }
  // list (elements other than u8), record (fields), tuple (elements).
  static Value Aggregate(std::vector<Value> items) {
    return Value(std::in_place_index<7>, std::move(items));
  }
  static Value Case(uint32_t index) { return Value(std::in_place_index<8>, CaseValue{index, {}}); }
  static Value Case(uint32_t index, Value payload) {
    Value v(std::in_place_index<8>, CaseValue{index, {}});
    std::vector<Value>& slot = std::get<8>(v.v_).payload;
    slot.reserve(1);  // exactly one element: no growth policy to run
    slot.emplace_back(std::move(payload));
    return v;
  }
  static Value None() { return Case(0); }
  static Value Some(Value v) { return Case(1, std::move(v)); }
  static Value Ok() { return Case(0); }
  static Value Ok(Value v) { return Case(0, std::move(v)); }
  static Value Err() { return Case(1); }
  static Value Err(Value v) { return Case(1, std::move(v)); }
  static Value Enum(uint32_t index) { return Case(index); }
  static Value Flags(uint32_t bits) { return Unsigned(bits); }
  static Value Resource(ResourceValue r) { return Value(std::in_place_index<9>, r); }

  bool as_bool() const { return std::get<0>(v_); }
  int64_t as_signed() const { return std::get<1>(v_); }
  uint64_t as_unsigned() const { return std::get<2>(v_); }
  float as_f32() const { return std::get<3>(v_); }
  double as_f64() const { return std::get<4>(v_); }
  const std::string& as_string() const { return std::get<5>(v_); }
  std::string& as_string() { return std::get<5>(v_); }
  const std::vector<uint8_t>& as_bytes() const { return std::get<6>(v_); }
  std::vector<uint8_t>& as_bytes() { return std::get<6>(v_); }
  const std::vector<Value>& items() const { return std::get<7>(v_); }
  std::vector<Value>& items() { return std::get<7>(v_); }
  const CaseValue& as_case() const { return std::get<8>(v_); }
  CaseValue& as_case() { return std::get<8>(v_); }
  const ResourceValue& as_resource() const { return std::get<9>(v_); }

  // The payload of a case value, or nullptr.
  const Value* payload() const {
    const auto& c = as_case();
    return c.payload.empty() ? nullptr : &c.payload[0];
  }

  const Storage& storage() const { return v_; }
  friend bool operator==(const Value& a, const Value& b);

 private:
  Storage v_;
};

inline bool operator==(const CaseValue& a, const CaseValue& b) {
  return a.index == b.index && a.payload == b.payload;
}
inline bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

}  // namespace wcloud::component
