#include "apiserver/openapi.h"

#include "api/codec.h"
#include "apiserver/resources.h"

namespace wcloud::apiserver {
namespace {

Json QueryParam(const std::string& name) {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}}}, {"uniqueItems", true}};
}

Json Operation(const ResourceDef& d, const std::string& action, bool with_body) {
  Json ref = {{"$ref", "#/components/schemas/" + OpenApiSchemaName(d)}};
  Json op = {
      {"operationId", action + d.kind},
      {"x-kubernetes-action", action},
      {"x-kubernetes-group-version-kind", OpenApiGvk(d)},
      {"parameters", Json::array({QueryParam("dryRun"), QueryParam("fieldManager"),
                                  QueryParam("fieldValidation")})},
      {"responses",
       {{"200", {{"description", "OK"}, {"content", {{"application/json", {{"schema", ref}}}}}}}}}};
  if (with_body) {
    op["requestBody"] = {{"content", {{"application/json", {{"schema", ref}}}}}};
  }
  return op;
}

}  // namespace

std::string OpenApiPathOf(const ResourceDef& d) {
  return d.group.empty() ? "api/" + d.version : "apis/" + d.group + "/" + d.version;
}

std::string OpenApiSchemaName(const ResourceDef& d) {
  std::string group = d.group.empty() ? "core" : d.group;
  return "io.wcloud." + group + "." + d.version + "." + d.kind;
}

Json OpenApiGvk(const ResourceDef& d) {
  return {{"group", d.group}, {"version", d.version}, {"kind", d.kind}};
}

Json OpenApiObjectSchema(const ResourceDef& d) {
  return d.group == api::kGroup
             ? api::ObjectSchema(d.kind)
             : Json({{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}});
}

Json OpenApiIndex() {
  Json paths = Json::object();
  for (const auto& d : AllResources()) {
    std::string p = OpenApiPathOf(d);
    paths[p] = {{"serverRelativeURL", "/openapi/v3/" + p}};
  }
  return {{"paths", paths}};
}

Json OpenApiGroupVersion(const std::string& group_version_path) {
  Json paths = Json::object();
  Json schemas = Json::object();
  for (const auto& d : AllResources()) {
    if (OpenApiPathOf(d) != group_version_path) continue;
    std::string base = "/" + OpenApiPathOf(d) + (d.namespaced ? "/namespaces/{namespace}" : "");
    Json item_params = Json::array({QueryParam("fieldValidation"), QueryParam("fieldManager")});
    paths[base + "/" + d.plural] = {{"parameters", item_params},
                                    {"get", Operation(d, "list", false)},
                                    {"post", Operation(d, "post", true)}};
    paths[base + "/" + d.plural + "/{name}"] = {{"parameters", item_params},
                                                {"get", Operation(d, "get", false)},
                                                {"put", Operation(d, "put", true)},
                                                {"patch", Operation(d, "patch", true)},
                                                {"delete", Operation(d, "delete", false)}};
    Json schema = OpenApiObjectSchema(d);
    schema["x-kubernetes-group-version-kind"] = Json::array({OpenApiGvk(d)});
    schemas[OpenApiSchemaName(d)] = schema;
  }
  if (paths.empty()) return nullptr;
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "wcloud"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"components", {{"schemas", schemas}}}};
}

}  // namespace wcloud::apiserver
