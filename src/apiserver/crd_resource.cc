#include "apiserver/crd_resource.h"

#include "api/crds.h"
#include "api/label_selector.h"
#include "util/sha256.h"

namespace wcloud::apiserver {
namespace {

constexpr char kResource[] = "customresourcedefinitions";
constexpr char kApiVersion[] = "apiextensions.k8s.io/v1";

ResourceDef MakeCrdResource() {
  ResourceDef d;
  d.group = kApiExtensionsGroup;
  d.version = "v1";
  d.kind = "CustomResourceDefinition";
  d.list_kind = "CustomResourceDefinitionList";
  d.plural = kResource;
  d.singular = "customresourcedefinition";
  d.namespaced = false;
  d.has_spec = true;
  d.has_status = true;
  d.short_names = {"crd", "crds"};
  d.categories = {"api-extensions"};
  // A timestamp, not an age: kubectl shows Kubernetes' "Created At" column as it is.
  d.columns = {{"Created At", "string", ".metadata.creationTimestamp",
                "CreationTimestamp is when this CRD was established", 0}};
  return d;
}

// The same uid on every start: the CRD is the same object as long as its name is.
std::string StableUid(const std::string& name) {
  std::string h = Sha256Hex(std::string(kResource) + "/" + name);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

// What a real server adds once a CRD is stored and its names accepted: metadata, the defaulted
// conversion strategy, and the status the established controller writes.
Json Established(Json crd, const std::string& established) {
  const std::string name = crd["metadata"]["name"];
  crd["metadata"] = {{"name", name},
                     {"uid", StableUid(name)},
                     {"resourceVersion", "1"},
                     {"generation", 1},
                     {"creationTimestamp", established}};
  crd["spec"]["conversion"] = {{"strategy", "None"}};
  Json stored = Json::array();
  for (const auto& v : crd["spec"]["versions"]) {
    if (v.value("storage", false)) stored.push_back(v["name"]);
  }
  crd["status"] = {
      {"conditions", Json::array({{{"type", "NamesAccepted"},
                                   {"status", "True"},
                                   {"lastTransitionTime", established},
                                   {"reason", "NoConflicts"},
                                   {"message", "no conflicts found"}},
                                  {{"type", "Established"},
                                   {"status", "True"},
                                   {"lastTransitionTime", established},
                                   {"reason", "InitialNamesAccepted"},
                                   {"message", "the initial names have been accepted"}}})},
      {"acceptedNames", crd["spec"]["names"]},
      {"storedVersions", stored}};
  return crd;
}

Json Details(const std::string& name) {
  Json d = {{"group", kApiExtensionsGroup}, {"kind", kResource}};
  if (!name.empty()) d["name"] = name;
  return d;
}

// "metadata.name=x", "metadata.name==x" or "metadata.name!=x", comma-separated.
struct NameRequirement {
  std::string name;
  bool equal = true;
};
Result<std::vector<NameRequirement>> ParseFieldSelector(const std::string& selector) {
  std::vector<NameRequirement> out;
  size_t start = 0;
  while (start < selector.size()) {
    size_t comma = selector.find(',', start);
    std::string term = selector.substr(start, comma == std::string::npos ? comma : comma - start);
    start = comma == std::string::npos ? selector.size() : comma + 1;
    if (term.empty()) continue;
    size_t op = term.find_first_of("!=");
    if (op == std::string::npos) {
      return Error("invalid field selector \"" + term + "\": expected field=value");
    }
    std::string field = term.substr(0, op);
    NameRequirement r;
    r.equal = term[op] == '=';
    size_t value =
        term.compare(op, 2, "!=") == 0 || term.compare(op, 2, "==") == 0 ? op + 2 : op + 1;
    if (field != "metadata.name") {
      return Error("field label not supported: \"" + field + "\" (only metadata.name)");
    }
    r.name = term.substr(value);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

const ResourceDef& CrdResource() {
  static const ResourceDef def = MakeCrdResource();
  return def;
}

Json CrdDiscoveryResources(const std::string& group, const std::string& version) {
  const ResourceDef& d = CrdResource();
  if (group != d.group || version != d.version) return Json::array();
  return Json::array({{{"name", d.plural},
                       {"singularName", d.singular},
                       {"namespaced", false},
                       {"kind", d.kind},
                       {"verbs", {"get", "list", "watch"}},
                       {"shortNames", d.short_names},
                       {"categories", d.categories}}});
}

BuiltInCrds::BuiltInCrds(const std::string& established) {
  for (auto& crd : api::GenerateCrds()) crds_.push_back(Established(std::move(crd), established));
}

ApiResult BuiltInCrds::List(const std::string& label_selector, const std::string& field_selector,
                            int64_t resource_version) const {
  auto labels = api::LabelSelector::Parse(label_selector);
  if (!labels) return StatusResult(400, "BadRequest", labels.error().message());
  auto names = ParseFieldSelector(field_selector);
  if (!names) return StatusResult(400, "BadRequest", names.error().message());
  Json items = Json::array();
  for (const auto& crd : crds_) {
    api::Labels object_labels;
    if (auto it = crd["metadata"].find("labels"); it != crd["metadata"].end()) {
      for (const auto& [k, v] : it->items()) object_labels[k] = v.get<std::string>();
    }
    if (!labels->Matches(object_labels)) continue;
    const std::string& name = crd["metadata"]["name"].get_ref<const std::string&>();
    bool keep = true;
    for (const auto& r : *names) keep = keep && ((name == r.name) == r.equal);
    if (keep) items.push_back(crd);
  }
  return {200,
          {{"kind", CrdResource().list_kind},
           {"apiVersion", kApiVersion},
           {"metadata", {{"resourceVersion", std::to_string(resource_version)}}},
           {"items", std::move(items)}},
          {}};
}

ApiResult BuiltInCrds::Get(const std::string& name) const {
  for (const auto& crd : crds_) {
    if (crd["metadata"]["name"] == name) return {200, crd, {}};
  }
  return StatusResult(
      404, "NotFound",
      std::string(kResource) + "." + kApiExtensionsGroup + " \"" + name + "\" not found",
      Details(name));
}

ApiResult BuiltInCrds::RefuseWrite(const std::string& verb, const std::string& name) {
  std::string done = verb == "create"   ? "created"
                     : verb == "update" ? "updated"
                     : verb == "patch"  ? "patched"
                                        : "deleted";
  std::string what = std::string(kResource) + "." + kApiExtensionsGroup;
  if (!name.empty()) what += " \"" + name + "\"";
  return StatusResult(405, "MethodNotAllowed",
                      what + " cannot be " + done +
                          ": wcloud serves only its five built-in CustomResourceDefinitions "
                          "(those `wcloud crds` prints), which change with the wcloud binary, "
                          "never through the API",
                      Details(name));
}

}  // namespace wcloud::apiserver
