#include "apiserver/field_ownership.h"

#include <optional>

#include "util/timestamp.h"

namespace wcloud::apiserver {
namespace {

std::string Escape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void Collect(const Json& v, const FieldPath& path, FieldSet& out) {
  if (v.is_object() && !v.empty()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      Collect(it.value(), path + "/" + Escape(it.key()), out);
  } else {
    out.insert(path);
  }
}

const Json* At(const Json& root, const FieldPath& path) {
  Json::json_pointer ptr(path);
  if (!root.contains(ptr)) return nullptr;
  return &root.at(ptr);
}

void SetAt(Json& root, const FieldPath& path, const Json& value) {
  root[Json::json_pointer(path)] = value;
}

void RemoveAt(Json& root, const FieldPath& path) {
  Json::json_pointer ptr(path);
  if (!root.contains(ptr)) return;
  Json::json_pointer parent = ptr.parent_pointer();
  root.at(parent).erase(ptr.back());
  // Drop maps left empty by the removal, as if the field had never been set.
  while (!parent.empty() && root.at(parent).is_object() && root.at(parent).empty()) {
    Json::json_pointer up = parent.parent_pointer();
    root.at(up).erase(parent.back());
    parent = up;
  }
}

bool SameValue(const Json& a, const Json& b, const FieldPath& path) {
  const Json* x = At(a, path);
  const Json* y = At(b, path);
  if (!x || !y) return x == y;
  // Key order is presentation, not value.
  return nlohmann::json::parse(x->dump()) == nlohmann::json::parse(y->dump());
}

// Converts "/spec/replicas" into kubectl's ".spec.replicas" for messages.
std::string Dotted(const FieldPath& path) {
  std::string out;
  for (char c : path) out += c == '/' ? '.' : c;
  return out;
}

Json ManagedFields(const Json& object) {
  if (object.contains("metadata") && object["metadata"].contains("managedFields") &&
      object["metadata"]["managedFields"].is_array()) {
    return object["metadata"]["managedFields"];
  }
  return Json::array();
}

Json Entry(const std::string& manager, const std::string& operation, const std::string& api_version,
           const FieldSet& fields) {
  return {{"manager", manager}, {"operation", operation},   {"apiVersion", api_version},
          {"time", NowTime()},  {"fieldsType", "FieldsV1"}, {"fieldsV1", ToFieldsV1(fields)}};
}

// Replaces (or adds) the entry of manager+operation and drops entries that own nothing.
Json WithEntry(const Json& managed, const Json& entry) {
  Json out = Json::array();
  bool placed = false;
  for (const auto& e : managed) {
    if (e.value("manager", "") == entry["manager"] &&
        e.value("operation", "") == entry["operation"]) {
      if (!placed) out.push_back(entry);
      placed = true;
    } else if (!FromFieldsV1(e.value("fieldsV1", Json::object())).empty()) {
      out.push_back(e);
    }
  }
  if (!placed) out.push_back(entry);
  return out;
}

constexpr char kKubectl[] = "kubectl";
constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";

struct Conflict {
  std::string manager;
  FieldPath path;  // the other manager's field
};

struct Merged {
  Json object;
  std::vector<Conflict> conflicts;
};

// Server-side apply proper: conflicts, or the merged object with its new managedFields.
Merged Merge(const Json& live, const Json& applied, const Json& values, const std::string& manager,
             bool force, const std::string& api_version) {
  Merged out;
  FieldSet intent = FieldsOf(applied);
  FieldSet previously;
  Json kept = Json::array();
  for (auto e : ManagedFields(live)) {
    FieldSet owned = FromFieldsV1(e.value("fieldsV1", Json::object()));
    std::string owner = e.value("manager", "");
    if (owner == manager && e.value("operation", "") == "Apply") {
      previously = owned;
      continue;
    }
    FieldSet taken;
    for (const auto& path : intent) {
      // A field owned by someone else may be applied only with the value it has, or by force.
      for (const auto& o : owned) {
        bool overlaps = o == path || o.rfind(path + "/", 0) == 0 || path.rfind(o + "/", 0) == 0;
        if (!overlaps || SameValue(live, values, path)) continue;
        if (force) {
          taken.insert(o);
        } else {
          out.conflicts.push_back({owner, o});
        }
        break;
      }
    }
    for (const auto& o : taken) owned.erase(o);
    e["fieldsV1"] = ToFieldsV1(owned);
    kept.push_back(e);
  }
  if (!out.conflicts.empty()) return out;

  out.object = live;
  for (const auto& path : intent) {
    const Json* v = At(values, path);
    if (v) SetAt(out.object, path, *v);
  }
  for (const auto& path : previously) {
    if (intent.count(path)) continue;
    bool shared = false;
    for (const auto& e : kept) {
      if (FromFieldsV1(e.value("fieldsV1", Json::object())).count(path)) shared = true;
    }
    if (!shared) RemoveAt(out.object, path);
  }
  out.object["metadata"]["managedFields"] =
      WithEntry(kept, Entry(manager, "Apply", api_version, intent));
  return out;
}

// kubectl's client-side apply annotation, when the object has one.
std::optional<std::string> LastApplied(const Json& object) {
  const Json* v = At(object, "/metadata/annotations/" + Escape(kLastApplied));
  if (!v || !v->is_string() || v->get<std::string>().empty()) return std::nullopt;
  return v->get<std::string>();
}

// The fields client-side apply last set (per its annotation) that still hold the value it set.
FieldSet FieldsFromLastApplied(const Json& live, const std::string& api_version) {
  FieldSet out;
  auto annotation = LastApplied(live);
  if (!annotation) return out;
  Json last = Json::parse(*annotation, nullptr, false);
  // Written for another version, its paths may not mean the same fields.
  if (!last.is_object() || !last.contains("apiVersion") || last["apiVersion"] != api_version) {
    return out;
  }
  for (const auto& path : FieldsOf(last)) {
    if (SameValue(last, live, path)) out.insert(path);
  }
  return out;
}

// As Kubernetes does after kubectl's server-side applies: the client-side apply annotation, where
// there is one, becomes what was applied, so a later client-side apply or diff starts from there.
void SyncLastApplied(Json& object, const Json& applied) {
  if (!LastApplied(object)) return;
  Json config = applied;
  if (config.contains("metadata") && config["metadata"].is_object() &&
      config["metadata"].contains("annotations") && config["metadata"]["annotations"].is_object()) {
    config["metadata"]["annotations"].erase(kLastApplied);
  }
  // Keys sorted and a final newline, as Go's JSON encoder writes it.
  object["metadata"]["annotations"][kLastApplied] =
      nlohmann::json::parse(config.dump()).dump() + "\n";
}

// A write may set managedFields itself (kubectl moves client-side apply's fields to its
// server-side apply manager with a JSON patch); one that sends none, or an empty list, keeps the
// stored ones, so clients unaware of them cannot drop them.
Json ManagedFieldsOfWrite(const Json& live, const Json& updated) {
  Json sent = ManagedFields(updated);
  return sent.empty() ? ManagedFields(live) : sent;
}

}  // namespace

FieldSet FieldsOf(const Json& object) {
  FieldSet out;
  if (!object.is_object()) return out;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string& key = it.key();
    if (key == "apiVersion" || key == "kind" || key == "status") continue;
    if (key == "metadata") {
      for (const char* sub : {"labels", "annotations"}) {
        if (it.value().contains(sub) && it.value()[sub].is_object()) {
          for (auto l = it.value()[sub].begin(); l != it.value()[sub].end(); ++l) {
            out.insert("/metadata/" + std::string(sub) + "/" + Escape(l.key()));
          }
        }
      }
      continue;
    }
    // `spec: {}` claims nothing; deeper empty maps (`ephemeral: {}`) are values.
    if (it.value().is_object() && it.value().empty()) continue;
    Collect(it.value(), "/" + Escape(key), out);
  }
  return out;
}

Json ToFieldsV1(const FieldSet& fields) {
  Json out = Json::object();
  for (const auto& path : fields) {
    Json* cur = &out;
    Json::json_pointer ptr(path);
    std::vector<std::string> parts;
    for (auto p = ptr; !p.empty(); p = p.parent_pointer()) parts.insert(parts.begin(), p.back());
    for (const auto& part : parts) cur = &(*cur)["f:" + part];
    if (cur->is_null()) *cur = Json::object();
  }
  return out;
}

FieldSet FromFieldsV1(const Json& fields_v1) {
  FieldSet out;
  std::vector<std::pair<const Json*, FieldPath>> stack = {{&fields_v1, ""}};
  while (!stack.empty()) {
    auto [node, path] = stack.back();
    stack.pop_back();
    if (!node->is_object()) continue;
    bool leaf = true;
    for (auto it = node->begin(); it != node->end(); ++it) {
      if (it.key().rfind("f:", 0) != 0) continue;
      leaf = false;
      stack.push_back({&it.value(), path + "/" + Escape(it.key().substr(2))});
    }
    if (leaf && !path.empty()) out.insert(path);
  }
  return out;
}

ApplyOutcome ApplyConfiguration(const Json& live, const Json& applied, const Json& values,
                                const std::string& manager, bool force,
                                const std::string& api_version) {
  Merged merged = Merge(live, applied, values, manager, force, api_version);
  if (manager == kKubectl && !merged.conflicts.empty()) {
    // Kubernetes' upgrade from client-side apply: kubectl's server-side apply takes over, as if
    // forced, the fields the annotation says kubectl applied before and that still hold that
    // value. Any other conflict is reported alone.
    FieldSet allowed = FieldsFromLastApplied(live, api_version);
    std::vector<Conflict> others;
    for (const auto& c : merged.conflicts) {
      if (!allowed.count(c.path)) others.push_back(c);
    }
    merged = others.empty() ? Merge(live, applied, values, manager, true, api_version)
                            : Merged{Json(), others};
  }
  ApplyOutcome out;
  for (const auto& c : merged.conflicts) {
    out.conflicts.push_back("conflict with \"" + c.manager + "\": " + Dotted(c.path));
  }
  if (!out.conflicts.empty()) return out;
  out.object = std::move(merged.object);
  if (manager == kKubectl) SyncLastApplied(out.object, applied);
  return out;
}

api::FieldErrors CheckManagedFields(const Json& object) {
  api::FieldErrors errors;
  const Json* managed = At(object, "/metadata/managedFields");
  if (!managed || managed->is_null()) return errors;
  if (!managed->is_array()) return {{"metadata.managedFields", "expected list"}};
  for (size_t i = 0; i < managed->size(); ++i) {
    const Json& e = (*managed)[i];
    std::string at = "metadata.managedFields[" + std::to_string(i) + "]";
    if (!e.is_object()) {
      errors.push_back({at, "expected object"});
      continue;
    }
    for (const char* field : {"manager", "apiVersion", "time", "subresource"}) {
      if (e.contains(field) && !e[field].is_string()) {
        errors.push_back({at + "." + field, "expected string"});
      }
    }
    Json operation = e.value("operation", Json());
    if (operation != "Apply" && operation != "Update") {
      errors.push_back({at + ".operation", "Unsupported value: " + operation.dump() +
                                               ": supported values: \"Apply\", \"Update\""});
    }
    Json type = e.value("fieldsType", Json());
    if (type != "FieldsV1") {
      errors.push_back(
          {at + ".fieldsType", "Invalid value: " + type.dump() + ": must be `FieldsV1`"});
    }
    if (e.contains("fieldsV1") && !e["fieldsV1"].is_object()) {
      errors.push_back({at + ".fieldsV1", "expected object"});
    }
  }
  return errors;
}

void RecordUpdate(const Json& live, Json& updated, const std::string& manager,
                  const std::string& api_version) {
  if (manager.empty()) return;
  FieldSet now = FieldsOf(updated);
  FieldSet changed;
  for (const auto& path : now) {
    if (!SameValue(live, updated, path)) changed.insert(path);
  }
  Json result = Json::array();
  FieldSet mine;
  for (auto e : ManagedFieldsOfWrite(live, updated)) {
    FieldSet owned = FromFieldsV1(e.value("fieldsV1", Json::object()));
    bool is_mine = e.value("manager", "") == manager && e.value("operation", "") == "Update";
    FieldSet still;
    for (const auto& p : owned) {
      if (!now.count(p)) continue;                 // removed from the object
      if (!is_mine && changed.count(p)) continue;  // taken over by this write
      still.insert(p);
    }
    if (is_mine) {
      mine = still;
      continue;
    }
    e["fieldsV1"] = ToFieldsV1(still);
    result.push_back(e);
  }
  mine.insert(changed.begin(), changed.end());
  if (!updated.contains("metadata")) updated["metadata"] = Json::object();
  updated["metadata"]["managedFields"] =
      mine.empty() ? result : WithEntry(result, Entry(manager, "Update", api_version, mine));
}

}  // namespace wcloud::apiserver
