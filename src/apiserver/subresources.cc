#include "apiserver/subresources.h"

#include "apiserver/object_meta.h"

namespace wcloud::apiserver {
Json WithStatusOf(const Json& object, const Json& source) {
  Json out = object;
  if (source.contains("status")) {
    out["status"] = source["status"];
  } else {
    out.erase("status");
  }
  return out;
}

Json ScaleOf(const Json& o) {
  Json status = o.contains("status") ? o["status"] : Json::object();
  return {
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata",
       {{"name", MetaString(o, "name")},
        {"namespace", MetaString(o, "namespace")},
        {"uid", MetaString(o, "uid")},
        {"resourceVersion", MetaString(o, "resourceVersion")},
        {"creationTimestamp", MetaString(o, "creationTimestamp")}}},
      {"spec", {{"replicas", o["spec"].value("replicas", 1)}}},
      {"status",
       {{"replicas", status.value("replicas", 0)}, {"selector", status.value("selector", "")}}}};
}

std::optional<ApiResult> ScaleTo(const ResourceDef& def, const std::string& name,
                                 const Json& existing, const Json& scale, Json& scaled) {
  if (!scale.contains("spec") || !scale["spec"].contains("replicas") ||
      !scale["spec"]["replicas"].is_number_integer()) {
    return InvalidResult(def, name, {{"spec.replicas", "Required value"}});
  }
  scaled = existing;
  scaled["spec"]["replicas"] = scale["spec"]["replicas"];
  return std::nullopt;
}

}  // namespace wcloud::apiserver
