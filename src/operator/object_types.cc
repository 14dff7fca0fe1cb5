#include "operator/object_types.h"

#include "util/timestamp.h"

namespace wcloud::operator_ {

Json MakeCondition(const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message, const Json& object) {
  std::string since = NowTime();
  if (object.contains("status") && object["status"].is_object()) {
    for (const auto& c : object["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == type && c.value("status", "") == status) {
        since = c.value("lastTransitionTime", since);
      }
    }
  }
  Json c = {{"type", type},
            {"status", status},
            {"lastTransitionTime", since},
            {"reason", reason},
            {"message", message}};
  if (object.contains("metadata") && object["metadata"].contains("generation")) {
    c["observedGeneration"] = object["metadata"]["generation"];
  }
  return c;
}

}  // namespace wcloud::operator_
