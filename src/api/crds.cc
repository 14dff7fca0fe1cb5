#include "api/crds.h"

#include "api/codec.h"
#include "api/kinds.h"
#include "api/types.h"

namespace wcloud::api {

std::vector<Json> GenerateCrds() {
  std::vector<Json> crds;
  for (const auto& k : AllKinds()) {
    Json columns = Json::array();
    for (const auto& c : k.columns) {
      Json col = {{"name", c.name}, {"type", c.type}, {"jsonPath", c.json_path}};
      if (!c.description.empty()) col["description"] = c.description;
      if (c.priority != 0) col["priority"] = c.priority;
      columns.push_back(std::move(col));
    }
    Json subresources = {{"status", Json::object()}};
    if (k.scale) {
      subresources["scale"] = {{"specReplicasPath", ".spec.replicas"},
                               {"statusReplicasPath", ".status.replicas"},
                               {"labelSelectorPath", ".status.selector"}};
    }
    Json version = {{"name", kVersion},
                    {"served", true},
                    {"storage", true},
                    {"schema", {{"openAPIV3Schema", ObjectSchema(k.kind)}}},
                    {"subresources", subresources},
                    {"additionalPrinterColumns", columns}};
    Json crd = {{"apiVersion", "apiextensions.k8s.io/v1"},
                {"kind", "CustomResourceDefinition"},
                {"metadata", {{"name", k.plural + "." + kGroup}}},
                {"spec",
                 {{"group", kGroup},
                  {"names",
                   {{"kind", k.kind},
                    {"listKind", k.list_kind},
                    {"plural", k.plural},
                    {"singular", k.singular},
                    {"shortNames", k.short_names},
                    {"categories", k.categories}}},
                  {"scope", "Namespaced"},
                  {"versions", Json::array({version})}}}};
    crds.push_back(std::move(crd));
  }
  return crds;
}

}  // namespace wcloud::api
