#include "apiserver/watch_filter.h"

namespace wcloud::apiserver {

std::string WatchFilter::KeyOf(const Json& object) {
  if (!object.is_object()) return "/";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "/";
  return meta->value("namespace", "") + "/" + meta->value("name", "");
}

std::optional<std::string> WatchFilter::TypeFor(const std::string& type, const Json& object) {
  const std::string key = KeyOf(object);
  const bool held = matching_.count(key) > 0;
  if (type == "DELETED") {
    matching_.erase(key);
    return held || matches_(object) ? std::optional(type) : std::nullopt;
  }
  if (matches_(object)) {
    matching_.insert(key);
    return held && type == "MODIFIED" ? "MODIFIED" : "ADDED";
  }
  if (!held) return std::nullopt;
  matching_.erase(key);
  return "DELETED";  // with the object as it is now, as Kubernetes sends it
}

}  // namespace wcloud::apiserver
