#include "apiserver/registry.h"

#include <openssl/rand.h>

#include <algorithm>

#include "api/codec.h"
#include "apiserver/field_ownership.h"
#include "apiserver/field_selector.h"
#include "apiserver/object_meta.h"
#include "apiserver/patch.h"
#include "apiserver/subresources.h"
#include "util/random.h"
#include "util/timestamp.h"

namespace wcloud::apiserver {
namespace {

// Kubernetes' generateName suffix alphabet: no vowels, no look-alikes.
std::string RandomSuffix() {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  unsigned char b[5];
  RAND_bytes(b, sizeof b);
  std::string out;
  for (unsigned char c : b) out += kAlphabet[c % (sizeof kAlphabet - 1)];
  return out;
}

std::string Hex(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

std::optional<std::string> Unhex(const std::string& s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto v = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    int hi = v(s[i]), lo = v(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Metadata with fields of the wrong type is refused before anything reads it (names and
// namespaces are read before admission); null fields count as absent, as in Kubernetes.
std::optional<ApiResult> CheckMetadataTypes(const ResourceDef& def, Json& body) {
  auto decoded = api::DecodeObjectMeta(body);
  if (decoded.errors.empty()) {
    if (body.contains("metadata") && body["metadata"].is_object()) {
      Json& meta = body["metadata"];
      for (auto it = meta.begin(); it != meta.end();) {
        it = it->is_null() ? meta.erase(it) : std::next(it);
      }
    }
    return std::nullopt;
  }
  // With the rule errors of the fields that did decode, so one answer names every problem.
  api::FieldErrors errors = decoded.errors;
  for (auto& e : api::ValidateObjectMeta(decoded.meta, StrategyFor(def).NameRule())) {
    bool typed = std::any_of(decoded.errors.begin(), decoded.errors.end(),
                             [&](const auto& t) { return e.path.rfind(t.path, 0) == 0; });
    if (!typed) errors.push_back(std::move(e));
  }
  return InvalidResult(def, decoded.meta.name, errors);
}

bool SameSpec(const Json& a, const Json& b) {
  Json sa = a.contains("spec") ? a["spec"] : Json();
  Json sb = b.contains("spec") ? b["spec"] : Json();
  return sa == sb;
}

}  // namespace

ObjectKey KeyOf(const ResourceDef& def, const std::string& ns, const std::string& name) {
  return {def.StoreKey(), def.namespaced ? ns : "", name};
}

namespace {
// A write that failed because another writer changed the object since it was read.
bool LostARace(const ApiResult& r) {
  return r.code == 409 && r.body.value("reason", "") == "Conflict" &&
         r.body.value("message", "").find("has been modified") != std::string::npos;
}
}  // namespace

ApiResult Registry::EnsureNamespace(const std::string& ns) {
  const ResourceDef* def = FindResource("", "v1", "namespaces");
  auto got = store_.Get(KeyOf(*def, "", ns));
  if (got) {
    if (!MetaString(*got, "deletionTimestamp").empty()) {
      return StatusResult(
          403, "Forbidden",
          "unable to create new content in namespace " + ns + " because it is being terminated");
    }
    return {200, *got, {}};
  }
  if (ns != "default") {
    return StatusResult(404, "NotFound", "namespaces \"" + ns + "\" not found",
                        {{"name", ns}, {"kind", "namespaces"}});
  }
  Json obj = {{"apiVersion", "v1"},
              {"kind", "Namespace"},
              {"metadata", {{"name", ns}, {"uid", RandomUuid()}, {"creationTimestamp", NowTime()}}},
              {"spec", {{"finalizers", Json::array({"kubernetes"})}}}};
  StrategyFor(*def).PrepareForCreate(obj);
  auto created = store_.Create(KeyOf(*def, "", ns), obj);
  if (!created && created.error().code() != ErrorCode::kAlreadyExists)
    return FromStoreError(created.error(), *def, ns);
  return {200, created ? *created : obj, {}};
}

ApiResult Registry::Admit(const RequestScope& scope, Json& object) {
  bool strict = scope.field_validation == "Strict";
  auto admission = StrategyFor(*scope.def).Admit(object, strict);
  if (!admission.errors.empty())
    return InvalidResult(*scope.def, MetaString(object, "name"), admission.errors);
  ApiResult ok;
  if (scope.field_validation != "Ignore") {
    for (const auto& w : admission.warnings)
      ok.warnings.push_back("unknown field \"" + w.path + "\"");
  }
  return ok;
}

ApiResult Registry::Create(const RequestScope& scope, Json body) {
  const ResourceDef& def = *scope.def;
  const Strategy& strategy = StrategyFor(def);
  if (!body.is_object())
    return StatusResult(400, "BadRequest", "the request body is not an object");
  if (auto bad = CheckMetadataTypes(def, body)) return *bad;
  for (const char* field : {"apiVersion", "kind"}) {
    if (body.contains(field) && !body[field].is_string()) {
      return StatusResult(400, "BadRequest", std::string(field) + ": expected string");
    }
  }
  std::string api_version = body.value("apiVersion", def.GroupVersion());
  std::string kind = body.value("kind", def.kind);
  if (api_version != def.GroupVersion() || kind != def.kind) {
    return StatusResult(400, "BadRequest",
                        "the API version in the data (" + api_version + ") and kind (" + kind +
                            ") do not match " + def.GroupVersion() + ", " + def.kind);
  }
  body["apiVersion"] = def.GroupVersion();
  body["kind"] = def.kind;
  Json& meta = Meta(body);
  if (def.namespaced) {
    std::string ns = meta.value("namespace", "");
    if (!ns.empty() && ns != scope.ns) {
      return StatusResult(400, "BadRequest",
                          "the namespace of the provided object does not match the namespace sent "
                          "on the request");
    }
    meta["namespace"] = scope.ns;
  } else {
    meta.erase("namespace");
  }
  std::string name = meta.value("name", "");
  if (name.empty() && meta.contains("generateName") && meta["generateName"].is_string()) {
    name = meta["generateName"].get<std::string>() + RandomSuffix();
    meta["name"] = name;
  }
  if (name.empty())
    return InvalidResult(def, "",
                         {{"metadata.name", "Required value: name or generateName is required"}});
  meta["uid"] = RandomUuid();
  meta["creationTimestamp"] = NowTime();
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  if (strategy.CountsGeneration()) meta["generation"] = 1;
  // With a status subresource, status is the controllers' to write, not the creator's.
  if (strategy.StatusIsSubresource()) body.erase("status");
  strategy.PrepareForCreate(body);
  if (!scope.field_manager.empty()) {
    Meta(body).erase("managedFields");
    RecordUpdate(Json::object(), body, scope.field_manager, def.GroupVersion());
  }

  ApiResult admitted = Admit(scope, body);
  if (!admitted.ok()) return admitted;
  if (auto errors = strategy.ValidateCreate(body); !errors.empty()) {
    return InvalidResult(def, name, errors);
  }
  if (def.namespaced) {
    ApiResult ns = EnsureNamespace(scope.ns);
    if (!ns.ok()) return ns;
  }
  if (scope.dry_run) return {201, body, admitted.warnings};
  auto created = store_.Create(KeyOf(def, scope.ns, name), ToStorage(def, body));
  if (!created) return FromStoreError(created.error(), def, name);
  return {201, FromStorage(def, std::move(*created)), admitted.warnings};
}

ApiResult Registry::Get(const RequestScope& scope) {
  auto got = store_.Get(KeyOf(*scope.def, scope.ns, scope.name));
  if (!got) return FromStoreError(got.error(), *scope.def, scope.name);
  if (scope.subresource == "scale") return {200, ScaleOf(*got), {}};
  return {200, FromStorage(*scope.def, std::move(*got)), {}};
}

// Stores `updated` over `existing`: keeps what clients may not change, counts generations,
// and finishes deletions whose finalizers are gone.
ApiResult Registry::Write(const RequestScope& scope, const Json& existing, Json updated) {
  const ResourceDef& def = *scope.def;
  const Strategy& strategy = StrategyFor(def);
  Json& meta = Meta(updated);
  const Json& old_meta = existing["metadata"];
  for (const char* keep : {"uid", "creationTimestamp", "deletionTimestamp",
                           "deletionGracePeriodSeconds", "generation"}) {
    if (old_meta.contains(keep)) {
      meta[keep] = old_meta[keep];
    } else {
      meta.erase(keep);
    }
  }
  meta["name"] = scope.name;
  if (def.namespaced) meta["namespace"] = scope.ns;
  strategy.PrepareForUpdate(updated);
  updated["apiVersion"] = def.GroupVersion();
  updated["kind"] = def.kind;
  ApiResult admitted = Admit(scope, updated);
  if (!admitted.ok()) return admitted;
  // After admission, so defaults filled in again do not count as a change.
  if (strategy.CountsGeneration() && !SameSpec(existing, updated)) {
    Meta(updated)["generation"] = old_meta.value("generation", int64_t{0}) + 1;
  }
  if (scope.dry_run) return {200, updated, admitted.warnings};

  auto key = KeyOf(def, scope.ns, scope.name);
  bool finalized =
      !MetaString(updated, "deletionTimestamp").empty() &&
      (!updated["metadata"].contains("finalizers") || updated["metadata"]["finalizers"].empty());
  if (finalized) {
    auto deleted = store_.Delete(key, RevisionOf(existing));
    if (!deleted) return FromStoreError(deleted.error(), def, scope.name);
    return {200, FromStorage(def, std::move(*deleted)), admitted.warnings};
  }
  auto stored = store_.Update(key, ToStorage(def, updated), RevisionOf(existing));
  if (!stored) return FromStoreError(stored.error(), def, scope.name);
  if (scope.subresource == "scale") return {200, ScaleOf(*stored), admitted.warnings};
  return {200, FromStorage(def, std::move(*stored)), admitted.warnings};
}

ApiResult Registry::Update(const RequestScope& scope, Json body) {
  const ResourceDef& def = *scope.def;
  const Strategy& strategy = StrategyFor(def);
  if (!body.is_object())
    return StatusResult(400, "BadRequest", "the request body is not an object");
  if (auto bad = CheckMetadataTypes(def, body)) return *bad;
  auto got = store_.Get(KeyOf(def, scope.ns, scope.name));
  if (!got) return FromStoreError(got.error(), def, scope.name);
  const Json existing = FromStorage(def, std::move(*got));
  std::string body_name = MetaString(body, "name");
  if (scope.subresource != "scale" && !body_name.empty() && body_name != scope.name) {
    return StatusResult(400, "BadRequest",
                        "the name of the object (" + body_name +
                            ") does not match the name on the URL (" + scope.name + ")");
  }
  int64_t precondition = RevisionOf(body);
  if (precondition < 0) return StatusResult(400, "BadRequest", "invalid resourceVersion");
  if (precondition == 0 && !strategy.AllowUnconditionalUpdate() && scope.subresource != "scale") {
    return StatusResult(
        422, "Invalid",
        Qualified(def) + " \"" + scope.name +
            "\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for "
            "an update",
        {{"name", scope.name},
         {"group", def.group},
         {"kind", def.kind},
         {"causes",
          Json::array({{{"reason", "FieldValueInvalid"},
                        {"message", "Invalid value: 0x0: must be specified for an update"},
                        {"field", "metadata.resourceVersion"}}})}});
  }
  if (precondition != 0 && precondition != RevisionOf(existing)) {
    return StatusResult(409, "Conflict",
                        "Operation cannot be fulfilled on " + Qualified(def) + " \"" + scope.name +
                            "\": the object has been modified; please apply your changes to the "
                            "latest version and try again",
                        {{"name", scope.name}, {"group", def.group}, {"kind", def.plural}});
  }
  Json updated;
  if (scope.subresource == "status") {
    updated = WithStatusOf(existing, body);
  } else if (scope.subresource == "scale") {
    if (!def.has_scale)
      return StatusResult(404, "NotFound", "the server could not find the requested resource");
    if (auto bad = ScaleTo(def, scope.name, existing, body, updated)) return *bad;
  } else {
    updated = std::move(body);
    if (strategy.StatusIsSubresource()) updated = WithStatusOf(updated, existing);
    // Ownership is the server's record: a writer gains the fields it changed, and may rewrite
    // managedFields. Internal writes (server-side apply) arrive with them already computed.
    if (!scope.field_manager.empty()) {
      if (auto errors = CheckManagedFields(updated); !errors.empty()) {
        return InvalidResult(def, scope.name, errors);
      }
      RecordUpdate(existing, updated, scope.field_manager, def.GroupVersion());
    }
  }
  return Write(scope, existing, std::move(updated));
}

ApiResult Registry::Patch(const RequestScope& scope, const std::string& content_type,
                          const std::string& body, bool force) {
  DecodedPatch patch;
  if (auto bad = DecodePatch(StrategyFor(*scope.def), content_type, body, patch)) return *bad;
  if (patch.type == PatchType::kApply) {
    if (auto bad = CheckMetadataTypes(*scope.def, patch.body)) return *bad;
    if (scope.field_manager.empty()) {
      return StatusResult(400, "BadRequest",
                          "PATCH with apply requires a fieldManager query parameter");
    }
  }
  // A patch that does not name a resourceVersion applies to whatever is current: when another
  // writer got in between our read and write, read again and re-apply (like Kubernetes'
  // GuaranteedUpdate), instead of failing the client with a conflict it did not ask for.
  for (int attempt = 0;; ++attempt) {
    ApiResult r = PatchOnce(scope, patch, force);
    if (!LostARace(r) || attempt == 4) return r;
  }
}

ApiResult Registry::PatchOnce(const RequestScope& scope, const DecodedPatch& patch, bool force) {
  const ResourceDef& def = *scope.def;
  const bool apply = patch.type == PatchType::kApply;
  auto got = store_.Get(KeyOf(def, scope.ns, scope.name));
  if (!got) {
    if (apply && got.error().code() == ErrorCode::kNotFound && scope.subresource.empty()) {
      // Apply creates: the applier owns every field it set.
      RequestScope create = scope;
      create.field_manager.clear();
      return Create(create, AppliedObject(def, scope.name, scope.field_manager, patch.body));
    }
    return FromStoreError(got.error(), def, scope.name);
  }
  Json existing = FromStorage(def, std::move(*got));
  RequestScope update_scope = scope;
  Json patched;
  if (apply) {
    if (auto conflict = MergeApplied(def, scope.ns, scope.name, scope.field_manager, force,
                                     existing, patch.body, patched)) {
      return *conflict;
    }
    update_scope.field_manager.clear();  // ownership already computed
  } else {
    Json target = scope.subresource == "scale" ? ScaleOf(existing) : existing;
    if (auto bad = ApplyPatch(patch, target, patched)) return *bad;
  }
  if (!patch.NamesResourceVersion()) {
    Meta(patched)["resourceVersion"] = MetaString(existing, "resourceVersion");
  }
  return Update(update_scope, std::move(patched));
}
ApiResult Registry::Delete(const RequestScope& scope, const Json& options) {
  // Like a patch: a writer that got in between our read and write (a controller adding a
  // finalizer or status) is no reason to fail the delete. A failed precondition is not that race
  // and is returned.
  for (int attempt = 0;; ++attempt) {
    ApiResult r = DeleteOnce(scope, options);
    if (!LostARace(r) || attempt == 4) return r;
  }
}

ApiResult Registry::DeleteOnce(const RequestScope& scope, const Json& options) {
  const ResourceDef& def = *scope.def;
  auto key = KeyOf(def, scope.ns, scope.name);
  auto got = store_.Get(key);
  if (!got) return FromStoreError(got.error(), def, scope.name);
  Json existing = FromStorage(def, *got);
  std::string policy;  // empty: none asked for
  if (options.is_object()) {
    // The API server checked these fields' types (ReadDeleteOptions) before they got here.
    policy = options.value("propagationPolicy", policy);
    if (options.value("orphanDependents", false)) policy = "Orphan";
    if (options.contains("preconditions") && options["preconditions"].is_object()) {
      const Json& pre = options["preconditions"];
      if (pre.contains("uid") && pre["uid"].is_string() &&
          pre["uid"].get<std::string>() != MetaString(existing, "uid")) {
        return StatusResult(
            409, "Conflict",
            "Precondition failed: UID in precondition: " + pre["uid"].get<std::string>() +
                ", UID in object meta: " + MetaString(existing, "uid"));
      }
      if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string() &&
          pre["resourceVersion"].get<std::string>() != MetaString(existing, "resourceVersion")) {
        return StatusResult(409, "Conflict", "Precondition failed: resourceVersion mismatch");
      }
    }
  }
  if (!policy.empty() && policy != "Background" && policy != "Foreground" && policy != "Orphan") {
    return StatusResult(400, "BadRequest", "invalid propagationPolicy \"" + policy + "\"");
  }
  if (scope.dry_run) return {200, existing, {}};

  if (StrategyFor(def).DeletesNamespaceContents()) {
    // Everything in the namespace goes with it.
    for (const auto& r : AllResources()) {
      if (!r.namespaced || !r.OwnsStorage()) continue;
      auto items = store_.List(r.StoreKey(), scope.name, "", 0);
      if (!items) continue;
      for (const auto& item : items->items) {
        RequestScope child{&r, scope.name, MetaString(item, "name"), "", "", "", false};
        Delete(child, Json::object());
      }
    }
  }
  // As Kubernetes: the policy becomes the garbage collector's finalizer on the object (none for
  // Background, the default), which the collector removes once the dependents are deleted or
  // released. Without a policy, one a previous deletion asked for stands.
  const Json before = Meta(existing).value("finalizers", Json::array());
  Json finalizers = before.is_array() ? before : Json::array();
  if (!policy.empty()) {
    for (const char* gc : {kOrphanFinalizer, kForegroundFinalizer}) {
      finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), Json(gc)),
                       finalizers.end());
    }
    if (policy == "Orphan") finalizers.push_back(kOrphanFinalizer);
    if (policy == "Foreground") finalizers.push_back(kForegroundFinalizer);
  }
  if (!finalizers.empty()) {
    if (!MetaString(existing, "deletionTimestamp").empty() && finalizers == before) {
      return {200, *got, {}};  // already being deleted as asked
    }
    Meta(existing)["finalizers"] = finalizers;
    if (MetaString(existing, "deletionTimestamp").empty()) {
      Meta(existing)["deletionTimestamp"] = NowTime();
      Meta(existing)["deletionGracePeriodSeconds"] = 0;
    }
    auto stored = store_.Update(key, ToStorage(def, existing), RevisionOf(*got));
    if (!stored) return FromStoreError(stored.error(), def, scope.name);
    return {200, FromStorage(def, std::move(*stored)), {}};
  }
  auto deleted = store_.Delete(key, RevisionOf(*got));
  if (!deleted) return FromStoreError(deleted.error(), def, scope.name);
  return {200, FromStorage(def, std::move(*deleted)), {}};
}

ApiResult Registry::List(const ResourceDef& def, const std::string& ns, const ListQuery& query) {
  auto selection = Selection::Parse(def, query.label_selector, query.field_selector);
  if (!selection) return StatusResult(400, "BadRequest", selection.error().message());
  std::string after;
  int64_t list_rv = 0;
  if (!query.continue_token.empty()) {
    auto raw = Unhex(query.continue_token);
    Json token = raw ? Json::parse(*raw, nullptr, false) : Json();
    if (!token.is_object() || !token.contains("k") || !token["k"].is_string() ||
        !token.contains("rv") || !token["rv"].is_number_integer()) {
      return StatusResult(400, "BadRequest", "invalid continue token");
    }
    after = token["k"].get<std::string>();
    list_rv = token["rv"].get<int64_t>();
  }
  auto keep = [&](const Json& o) { return selection->Matches(o); };
  auto listed = store_.List(def.StoreKey(), def.namespaced ? ns : "", after, query.limit, keep);
  if (!listed) return FromStoreError(listed.error(), def, "");
  if (list_rv == 0) list_rv = listed->revision;
  Json meta = {{"resourceVersion", std::to_string(list_rv)}};
  if (!listed->next_key.empty()) {
    meta["continue"] = Hex(Json({{"k", listed->next_key}, {"rv", list_rv}}).dump());
  }
  Json items = Json::array();
  for (auto& item : listed->items) items.push_back(FromStorage(def, std::move(item)));
  return {200,
          {{"kind", def.list_kind},
           {"apiVersion", def.GroupVersion()},
           {"metadata", meta},
           {"items", std::move(items)}},
          {}};
}

}  // namespace wcloud::apiserver
