// PATCH bodies: the four patch types a real server takes (JSON patch, merge patch, strategic
// merge patch, server-side apply) decoded from a request, applied to the live object or its Scale,
// and server-side apply's merge by field ownership (field_ownership.h) with its conflicts.
#pragma once

#include <optional>
#include <string>

#include "apiserver/api_result.h"
#include "apiserver/resources.h"
#include "apiserver/strategy.h"
#include "util/json.h"

namespace wcloud::apiserver {

enum class PatchType { kJsonPatch, kMergePatch, kStrategicMergePatch, kApply };

struct DecodedPatch {
  PatchType type = PatchType::kMergePatch;
  Json body;  // JSON patch: the operations; merge patches: an object; apply: the configuration

  // Whether the patch is conditional on a resourceVersion: only when it names one (kubectl's
  // upgrade from client-side apply replaces it in a JSON patch). An apply never is.
  bool NamesResourceVersion() const;
};

// The patch of a request's Content-Type and body into `patch`, or the answer refusing it: 415 for
// a media type the kind's strategy does not take, 400 for a body that does not parse (an apply
// configuration is YAML or JSON and must be an object).
std::optional<ApiResult> DecodePatch(const Strategy& strategy, const std::string& content_type,
                                     const std::string& body, DecodedPatch& patch);

// A JSON, merge or strategic merge patch (taken as a merge patch) applied to `target`, into
// `patched`; 400 or 422 when it cannot be applied.
std::optional<ApiResult> ApplyPatch(const DecodedPatch& patch, const Json& target, Json& patched);

// What server-side apply stores when `manager` applies `configuration` to `live` object `name`
// (in namespace `ns`) of `def`, managedFields computed: into `merged`, or 409 Conflict naming each
// field another manager owns (none with `force`, which takes them over).
std::optional<ApiResult> MergeApplied(const ResourceDef& def, const std::string& ns,
                                      const std::string& name, const std::string& manager,
                                      bool force, const Json& live, const Json& configuration,
                                      Json& merged);

// What an apply to an absent object creates: the configuration named `name`, every field it sets
// owned by `manager`.
Json AppliedObject(const ResourceDef& def, const std::string& name, const std::string& manager,
                   const Json& configuration);

}  // namespace wcloud::apiserver
