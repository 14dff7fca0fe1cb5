// What is wrong with an object, field by field: `spec.hostInterfaces[1].name: required when two
// entries share wasi:keyvalue`.
#pragma once

#include <string>
#include <vector>

namespace wcloud::api {

struct FieldError {
  std::string path;  // "spec.components[0].image"; empty for the object as a whole
  std::string message;

  std::string ToString() const { return path.empty() ? message : path + ": " + message; }
  bool operator==(const FieldError&) const = default;
};

using FieldErrors = std::vector<FieldError>;

// "a.b" + "c" → "a.b.c"; "" + "c" → "c".
inline std::string JoinPath(const std::string& base, const std::string& field) {
  return base.empty() ? field : base + "." + field;
}
inline std::string IndexPath(const std::string& base, size_t index) {
  return base + "[" + std::to_string(index) + "]";
}

}  // namespace wcloud::api
