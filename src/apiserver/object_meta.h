// metadata of an object held as JSON, read without throwing on a missing or mistyped field (what
// admission has not checked yet, or what a background thread must not throw on) and written
// creating what is missing.
#pragma once

#include <cstdint>
#include <string>

#include "util/json.h"

namespace wcloud::apiserver {

// metadata.<field> when it is a string, else "".
inline std::string MetaString(const Json& o, const char* field) {
  if (!o.is_object() || !o.contains("metadata") || !o["metadata"].is_object()) return "";
  const Json& m = o["metadata"];
  auto it = m.find(field);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

// metadata, made an object first when it is missing or not one.
inline Json& Meta(Json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) o["metadata"] = Json::object();
  return o["metadata"];
}

// metadata.resourceVersion as a number: 0 when unset, -1 when it is not a number.
inline int64_t RevisionOf(const Json& o) {
  std::string rv = MetaString(o, "resourceVersion");
  try {
    return rv.empty() ? 0 : std::stoll(rv);
  } catch (...) {
    return -1;
  }
}

}  // namespace wcloud::apiserver
