#include "apiserver/patch.h"

#include "apiserver/field_ownership.h"
#include "apiserver/object_meta.h"
#include "util/timestamp.h"
#include "util/yaml.h"

namespace wcloud::apiserver {

bool DecodedPatch::NamesResourceVersion() const {
  if (type == PatchType::kApply) return false;
  if (body.is_object()) {
    return body.contains("metadata") && body["metadata"].is_object() &&
           body["metadata"].contains("resourceVersion");
  }
  bool names = false;
  if (body.is_array()) {  // applied before this is asked, so every operation is an object
    for (const auto& op : body) names |= op["path"] == "/metadata/resourceVersion";
  }
  return names;
}

std::optional<ApiResult> DecodePatch(const Strategy& strategy, const std::string& content_type,
                                     const std::string& body, DecodedPatch& patch) {
  const std::string media = content_type.substr(0, content_type.find(';'));
  const bool strategic = strategy.AcceptsStrategicMergePatch();
  if (media == "application/json-patch+json") {
    patch.type = PatchType::kJsonPatch;
  } else if (media == "application/merge-patch+json") {
    patch.type = PatchType::kMergePatch;
  } else if (media == "application/apply-patch+yaml") {
    patch.type = PatchType::kApply;
  } else if (strategic && media == "application/strategic-merge-patch+json") {
    patch.type = PatchType::kStrategicMergePatch;
  } else {
    return StatusResult(
        415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml" +
            std::string(strategic ? ", application/strategic-merge-patch+json" : ""));
  }
  if (patch.type == PatchType::kApply) {
    auto parsed = ParseYaml(body);
    if (!parsed) return StatusResult(400, "BadRequest", "apply patch: " + parsed.error().message());
    patch.body = std::move(*parsed);
    if (!patch.body.is_object()) {
      return StatusResult(400, "BadRequest", "apply patch: not an object");
    }
    return std::nullopt;
  }
  patch.body = Json::parse(body, nullptr, false);
  if (patch.body.is_discarded()) {
    return StatusResult(400, "BadRequest", "the patch is not valid JSON");
  }
  return std::nullopt;
}

std::optional<ApiResult> ApplyPatch(const DecodedPatch& patch, const Json& target, Json& patched) {
  try {
    if (patch.type == PatchType::kJsonPatch) {
      patched = target.patch(patch.body);
    } else {
      if (!patch.body.is_object()) {
        return StatusResult(400, "BadRequest", "the patch must be an object");
      }
      patched = target;
      patched.merge_patch(patch.body);
    }
  } catch (const std::exception& e) {
    return StatusResult(422, "Invalid", std::string("the patch could not be applied: ") + e.what());
  }
  return std::nullopt;
}

std::optional<ApiResult> MergeApplied(const ResourceDef& def, const std::string& ns,
                                      const std::string& name, const std::string& manager,
                                      bool force, const Json& live, const Json& configuration,
                                      Json& merged) {
  // A complete configuration is compared with its defaults filled in, like the live object; a
  // partial one (e.g. just spec.replicas) as it is.
  Json intent = configuration;
  Meta(intent)["name"] = name;
  if (def.namespaced) Meta(intent)["namespace"] = ns;
  if (!intent.contains("apiVersion")) intent["apiVersion"] = def.GroupVersion();
  if (!intent.contains("kind")) intent["kind"] = def.kind;
  Json defaulted = intent;
  if (!StrategyFor(def).Admit(defaulted, false).errors.empty()) defaulted = intent;
  auto outcome = ApplyConfiguration(live, intent, defaulted, manager, force, def.GroupVersion());
  if (!outcome.conflicts.empty()) {
    std::string message = "Apply failed with " + std::to_string(outcome.conflicts.size()) +
                          " conflict" + (outcome.conflicts.size() > 1 ? "s" : "") + ": ";
    for (size_t i = 0; i < outcome.conflicts.size(); ++i) {
      message += (i ? "; " : "") + outcome.conflicts[i];
    }
    Json causes = Json::array();
    for (const auto& c : outcome.conflicts) {
      causes.push_back({{"reason", "FieldManagerConflict"}, {"message", c}});
    }
    return StatusResult(
        409, "Conflict", message,
        {{"name", name}, {"group", def.group}, {"kind", def.plural}, {"causes", causes}});
  }
  merged = std::move(outcome.object);
  return std::nullopt;
}

Json AppliedObject(const ResourceDef& def, const std::string& name, const std::string& manager,
                   const Json& configuration) {
  Json object = configuration;
  Meta(object)["name"] = name;
  Meta(object)["managedFields"] =
      Json::array({{{"manager", manager},
                    {"operation", "Apply"},
                    {"apiVersion", def.GroupVersion()},
                    {"time", NowTime()},
                    {"fieldsType", "FieldsV1"},
                    {"fieldsV1", ToFieldsV1(FieldsOf(configuration))}}});
  return object;
}

}  // namespace wcloud::apiserver
