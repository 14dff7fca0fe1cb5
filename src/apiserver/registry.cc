#include "apiserver/registry.h"

#include <openssl/rand.h>

#include <algorithm>

#include "api/codec.h"
#include "apiserver/event_conversion.h"
#include "apiserver/field_ownership.h"
#include "apiserver/field_selector.h"
#include "util/random.h"
#include "util/timestamp.h"
#include "util/yaml.h"

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

Json& Meta(Json& o) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) o["metadata"] = Json::object();
  return o["metadata"];
}

std::string MetaString(const Json& o, const char* field) {
  if (!o.is_object() || !o.contains("metadata") || !o["metadata"].is_object()) return "";
  const Json& m = o["metadata"];
  auto it = m.find(field);
  return it != m.end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t RevisionOf(const Json& o) {
  std::string rv = MetaString(o, "resourceVersion");
  try {
    return rv.empty() ? 0 : std::stoll(rv);
  } catch (...) {
    return -1;
  }
}

std::string Qualified(const ResourceDef& def) {
  return def.group.empty() ? def.plural : def.plural + "." + def.group;
}

// The one place an Error becomes an HTTP status: by its Kubernetes reason when it has one, else
// by its code.
int HttpStatus(const Error& e) {
  static const std::map<std::string, int, std::less<>> kByReason = {{"BadRequest", 400},
                                                                    {"Unauthorized", 401},
                                                                    {"Forbidden", 403},
                                                                    {"NotFound", 404},
                                                                    {"MethodNotAllowed", 405},
                                                                    {"NotAcceptable", 406},
                                                                    {"AlreadyExists", 409},
                                                                    {"Conflict", 409},
                                                                    {"Gone", 410},
                                                                    {"Expired", 410},
                                                                    {"RequestEntityTooLarge", 413},
                                                                    {"UnsupportedMediaType", 415},
                                                                    {"Invalid", 422},
                                                                    {"TooManyRequests", 429},
                                                                    {"InternalError", 500},
                                                                    {"ServiceUnavailable", 503},
                                                                    {"Timeout", 504}};
  if (auto it = kByReason.find(e.details().reason); it != kByReason.end()) return it->second;
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kResourceExhausted:
      return 413;
    case ErrorCode::kUnimplemented:
      return 501;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kCancelled:
    case ErrorCode::kUnknown:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

ApiResult FromStoreError(const Error& e, const ResourceDef& def, const std::string& name) {
  const std::string& m = e.message();
  const size_t colon = m.find(": ");
  std::string reason = e.details().reason;
  std::string message = m;
  if (!reason.empty() && m.rfind(reason + ": ", 0) == 0) message = m.substr(reason.size() + 2);
  if (reason.empty()) {
    reason = "InternalError";
    if (colon != std::string::npos) message = m.substr(colon + 2);
  }
  // The store names resources by plural; Kubernetes by plural.group.
  std::string from = def.plural + " \"" + name + "\"";
  if (size_t at = message.find(from); at != std::string::npos) {
    message.replace(at, from.size(), Qualified(def) + " \"" + name + "\"");
  }
  Json details = {{"name", name}, {"group", def.group}, {"kind", def.plural}};
  return StatusResult(HttpStatus(e), reason, message, details);
}

ApiResult Invalid(const ResourceDef& def, const std::string& name, const api::FieldErrors& errs) {
  Json causes = Json::array();
  std::string joined;
  for (const auto& e : errs) {
    causes.push_back({{"reason", "FieldValueInvalid"}, {"message", e.message}, {"field", e.path}});
    joined += (joined.empty() ? "" : ", ") + e.ToString();
  }
  std::string message = def.kind + (def.group.empty() ? "" : "." + def.group) + " \"" + name +
                        "\" is invalid: " + (errs.size() > 1 ? "[" + joined + "]" : joined);
  return StatusResult(
      422, "Invalid", message,
      {{"name", name}, {"group", def.group}, {"kind", def.kind}, {"causes", causes}});
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
  for (auto& e : api::ValidateObjectMeta(decoded.meta, NameRuleOf(def))) {
    bool typed = std::any_of(decoded.errors.begin(), decoded.errors.end(),
                             [&](const auto& t) { return e.path.rfind(t.path, 0) == 0; });
    if (!typed) errors.push_back(std::move(e));
  }
  return Invalid(def, decoded.meta.name, errors);
}

bool SameSpec(const Json& a, const Json& b) {
  Json sa = a.contains("spec") ? a["spec"] : Json();
  Json sb = b.contains("spec") ? b["spec"] : Json();
  return sa == sb;
}

Json ScaleOf(const ResourceDef& def, const Json& o) {
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
  (void)def;
}

}  // namespace

Json StatusBody(int code, const std::string& reason, const std::string& message, Json details) {
  Json s = {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", Json::object()},
            {"status", code < 300 ? "Success" : "Failure"},
            {"message", message},
            {"reason", reason},
            {"code", code}};
  if (!details.is_null()) s["details"] = details;
  return s;
}

ApiResult StatusResult(int code, const std::string& reason, const std::string& message,
                       Json details) {
  return {code, StatusBody(code, reason, message, std::move(details)), {}};
}

ApiResult RefuseAbsent(const ResourceDef& def) {
  return StatusResult(405, "MethodNotAllowed",
                      "this API server runs no " + def.plural + ": " + Qualified(def) +
                          " are served only as an empty list (wcloud runs WebAssembly "
                          "workloads: see kubectl get wasmcloud)",
                      {{"group", def.group}, {"kind", def.plural}});
}

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
              {"metadata",
               {{"name", ns},
                {"uid", RandomUuid()},
                {"creationTimestamp", NowTime()},
                {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
              {"spec", {{"finalizers", Json::array({"kubernetes"})}}},
              {"status", {{"phase", "Active"}}}};
  auto created = store_.Create(KeyOf(*def, "", ns), obj);
  if (!created && created.error().code() != ErrorCode::kAlreadyExists)
    return FromStoreError(created.error(), *def, ns);
  return {200, created ? *created : obj, {}};
}

ApiResult Registry::Admit(const RequestScope& scope, Json& object) {
  bool strict = scope.field_validation == "Strict";
  auto admission = AdmitObject(*scope.def, object, strict);
  if (!admission.errors.empty())
    return Invalid(*scope.def, MetaString(object, "name"), admission.errors);
  ApiResult ok;
  if (scope.field_validation != "Ignore") {
    for (const auto& w : admission.warnings)
      ok.warnings.push_back("unknown field \"" + w.path + "\"");
  }
  return ok;
}

ApiResult Registry::Create(const RequestScope& scope, Json body) {
  const ResourceDef& def = *scope.def;
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
    return Invalid(def, "",
                   {{"metadata.name", "Required value: name or generateName is required"}});
  meta["uid"] = RandomUuid();
  meta["creationTimestamp"] = NowTime();
  meta.erase("resourceVersion");
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  if (def.has_spec && def.kind != "Namespace") meta["generation"] = 1;
  // With a status subresource, status is the controllers' to write, not the creator's.
  if (def.has_status && def.kind != "Namespace") body.erase("status");
  if (def.kind == "Namespace") {
    body["status"] = {{"phase", "Active"}};
    // As Kubernetes' namespace strategy: selectors can pick namespaces by name.
    Meta(body)["labels"]["kubernetes.io/metadata.name"] = name;
  }
  if (!scope.field_manager.empty()) {
    Meta(body).erase("managedFields");
    RecordUpdate(Json::object(), body, scope.field_manager, def.GroupVersion());
  }

  ApiResult admitted = Admit(scope, body);
  if (!admitted.ok()) return admitted;
  // Created through events.k8s.io/v1, an Event must be complete (core v1 keeps its leniency).
  if (def.storage_group && def.kind == "Event") {
    if (auto errors = ValidateEventsV1(body); !errors.empty()) return Invalid(def, name, errors);
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
  if (scope.subresource == "scale") return {200, ScaleOf(*scope.def, *got), {}};
  return {200, FromStorage(*scope.def, std::move(*got)), {}};
}

// Stores `updated` over `existing`: keeps what clients may not change, counts generations,
// and finishes deletions whose finalizers are gone.
ApiResult Registry::Write(const RequestScope& scope, const Json& existing, Json updated) {
  const ResourceDef& def = *scope.def;
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
  if (def.kind == "Namespace" && def.group.empty()) {
    meta["labels"]["kubernetes.io/metadata.name"] = scope.name;
  }
  updated["apiVersion"] = def.GroupVersion();
  updated["kind"] = def.kind;
  ApiResult admitted = Admit(scope, updated);
  if (!admitted.ok()) return admitted;
  // After admission, so defaults filled in again do not count as a change.
  if (def.has_spec && def.kind != "Namespace" && !SameSpec(existing, updated)) {
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
  if (scope.subresource == "scale") return {200, ScaleOf(def, *stored), admitted.warnings};
  return {200, FromStorage(def, std::move(*stored)), admitted.warnings};
}

ApiResult Registry::Update(const RequestScope& scope, Json body) {
  const ResourceDef& def = *scope.def;
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
  // Custom resources allow no unconditional update (CRD strategies); core kinds here do.
  if (precondition == 0 && def.group == api::kGroup && scope.subresource != "scale") {
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
    updated = existing;
    if (body.contains("status")) {
      updated["status"] = body["status"];
    } else {
      updated.erase("status");
    }
  } else if (scope.subresource == "scale") {
    if (!def.has_scale)
      return StatusResult(404, "NotFound", "the server could not find the requested resource");
    if (!body.contains("spec") || !body["spec"].contains("replicas") ||
        !body["spec"]["replicas"].is_number_integer()) {
      return Invalid(def, scope.name, {{"spec.replicas", "Required value"}});
    }
    updated = existing;
    updated["spec"]["replicas"] = body["spec"]["replicas"];
  } else {
    updated = std::move(body);
    if (def.has_status && def.kind != "Namespace") {
      if (existing.contains("status")) {
        updated["status"] = existing["status"];
      } else {
        updated.erase("status");
      }
    }
    // Ownership is the server's record: a writer gains the fields it changed, and may rewrite
    // managedFields. Internal writes (server-side apply) arrive with them already computed.
    if (!scope.field_manager.empty()) {
      if (auto errors = CheckManagedFields(updated); !errors.empty()) {
        return Invalid(def, scope.name, errors);
      }
      RecordUpdate(existing, updated, scope.field_manager, def.GroupVersion());
    }
  }
  return Write(scope, existing, std::move(updated));
}

ApiResult Registry::Patch(const RequestScope& scope, const std::string& content_type,
                          const std::string& body, bool force) {
  // As the real server: custom resources take no strategic merge patch (it needs Go struct
  // tags), and a patch must say which kind it is.
  const std::string media = content_type.substr(0, content_type.find(';'));
  const bool custom = scope.def->group == api::kGroup;
  if (media != "application/json-patch+json" && media != "application/merge-patch+json" &&
      media != "application/apply-patch+yaml" &&
      (custom || media != "application/strategic-merge-patch+json")) {
    return StatusResult(
        415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml" +
            std::string(custom ? "" : ", application/strategic-merge-patch+json"));
  }
  // A patch that does not name a resourceVersion applies to whatever is current: when another
  // writer got in between our read and write, read again and re-apply (like Kubernetes'
  // GuaranteedUpdate), instead of failing the client with a conflict it did not ask for.
  for (int attempt = 0;; ++attempt) {
    ApiResult r = PatchOnce(scope, content_type, body, force);
    if (!LostARace(r) || attempt == 4) return r;
  }
}

ApiResult Registry::PatchOnce(const RequestScope& scope, const std::string& content_type,
                              const std::string& body, bool force) {
  const ResourceDef& def = *scope.def;
  bool apply = content_type.find("application/apply-patch") != std::string::npos;
  Json patch;
  if (apply) {
    auto parsed = ParseYaml(body);
    if (!parsed) return StatusResult(400, "BadRequest", "apply patch: " + parsed.error().message());
    patch = std::move(*parsed);
    if (!patch.is_object()) return StatusResult(400, "BadRequest", "apply patch: not an object");
    if (auto bad = CheckMetadataTypes(def, patch)) return *bad;
    if (scope.field_manager.empty()) {
      return StatusResult(400, "BadRequest",
                          "PATCH with apply requires a fieldManager query parameter");
    }
  } else {
    patch = Json::parse(body, nullptr, false);
    if (patch.is_discarded()) return StatusResult(400, "BadRequest", "the patch is not valid JSON");
  }
  auto got = store_.Get(KeyOf(def, scope.ns, scope.name));
  if (!got) {
    if (apply && got.error().code() == ErrorCode::kNotFound && scope.subresource.empty()) {
      // Apply creates: the applier owns every field it set.
      Json object = patch;
      Meta(object)["name"] = scope.name;
      Meta(object)["managedFields"] = Json::array({{{"manager", scope.field_manager},
                                                    {"operation", "Apply"},
                                                    {"apiVersion", def.GroupVersion()},
                                                    {"time", NowTime()},
                                                    {"fieldsType", "FieldsV1"},
                                                    {"fieldsV1", ToFieldsV1(FieldsOf(patch))}}});
      RequestScope create = scope;
      create.field_manager.clear();
      return Create(create, std::move(object));
    }
    return FromStoreError(got.error(), def, scope.name);
  }
  Json existing = FromStorage(def, std::move(*got));
  RequestScope update_scope = scope;
  Json patched;
  if (apply) {
    // A complete configuration is compared with its defaults filled in, like the live object;
    // a partial one (e.g. just spec.replicas) as it is.
    Json intent = patch;
    Meta(intent)["name"] = scope.name;
    if (def.namespaced) Meta(intent)["namespace"] = scope.ns;
    if (!intent.contains("apiVersion")) intent["apiVersion"] = def.GroupVersion();
    if (!intent.contains("kind")) intent["kind"] = def.kind;
    Json defaulted = intent;
    if (!AdmitObject(def, defaulted, false).errors.empty()) defaulted = intent;
    auto outcome = ApplyConfiguration(existing, intent, defaulted, scope.field_manager, force,
                                      def.GroupVersion());
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
          {{"name", scope.name}, {"group", def.group}, {"kind", def.plural}, {"causes", causes}});
    }
    patched = std::move(outcome.object);
    update_scope.field_manager.clear();  // ownership already computed
  } else {
    Json target = scope.subresource == "scale" ? ScaleOf(def, existing) : existing;
    try {
      if (content_type.find("application/json-patch+json") != std::string::npos) {
        patched = target.patch(patch);
      } else {
        if (!patch.is_object())
          return StatusResult(400, "BadRequest", "the patch must be an object");
        patched = target;
        patched.merge_patch(patch);
      }
    } catch (const std::exception& e) {
      return StatusResult(422, "Invalid",
                          std::string("the patch could not be applied: ") + e.what());
    }
  }
  // A patch is conditional on a resourceVersion only when it names one (kubectl's upgrade from
  // client-side apply replaces it in a JSON patch).
  bool names_version = !apply && patch.is_object() && patch.contains("metadata") &&
                       patch["metadata"].is_object() &&
                       patch["metadata"].contains("resourceVersion");
  if (patch.is_array()) {  // applied above, so every operation is an object with a path
    for (const auto& op : patch) names_version |= op["path"] == "/metadata/resourceVersion";
  }
  if (!names_version) Meta(patched)["resourceVersion"] = MetaString(existing, "resourceVersion");
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

  if (def.kind == "Namespace") {
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
