#include "apiserver/openapi_v2.h"

#include "api/types.h"
#include "apiserver/api_result.h"
#include "apiserver/openapi.h"
#include "apiserver/openapi_v2_proto.h"
#include "util/sha256.h"

namespace wcloud::apiserver {
namespace {

// What kubectl sends, and what Kubernetes answers with (a dot where the request has '@').
constexpr char kProtobufAccept[] = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
constexpr char kProtobufAcceptDot[] = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

// Swagger 2.0 has no anyOf: an int-or-string keeps only x-kubernetes-int-or-string, as
// Kubernetes publishes CRD schemas in v2.
Json ToV2Schema(Json schema) {
  if (!schema.is_object()) return schema;
  schema.erase("anyOf");
  schema.erase("nullable");
  if (auto it = schema.find("properties"); it != schema.end() && it->is_object()) {
    for (auto& p : it->items()) p.value() = ToV2Schema(std::move(p.value()));
  }
  for (const char* key : {"items", "additionalProperties"}) {
    if (auto it = schema.find(key); it != schema.end()) *it = ToV2Schema(std::move(*it));
  }
  return schema;
}

Json Ref(const ResourceDef& d) { return {{"$ref", "#/definitions/" + OpenApiSchemaName(d)}}; }

Json QueryParam(const std::string& name) {
  return {{"name", name}, {"in", "query"}, {"type", "string"}, {"uniqueItems", true}};
}

Json PathParam(const std::string& name) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"type", "string"},
          {"uniqueItems", true}};
}

Json BodyParam(Json schema) {
  return {{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", std::move(schema)}};
}

// The patch types the server takes: strategic merge only for the core kinds, as Kubernetes.
Json PatchTypes(const ResourceDef& d) {
  Json types = Json::array({"application/json-patch+json", "application/merge-patch+json",
                            "application/apply-patch+yaml"});
  if (d.group != api::kGroup) types.push_back("application/strategic-merge-patch+json");
  return types;
}

Json Operation(const ResourceDef& d, const std::string& action, const std::string& verb) {
  Json params = Json::array();
  const bool write = action == "post" || action == "put" || action == "patch";
  if (action == "post" || action == "put") params.push_back(BodyParam(Ref(d)));
  if (action == "patch") params.push_back(BodyParam({{"type", "object"}}));
  if (write || action == "delete") {
    params.push_back(QueryParam("dryRun"));
  }
  if (write) {
    params.push_back(QueryParam("fieldManager"));
    params.push_back(QueryParam("fieldValidation"));
  }
  if (action == "patch") params.push_back(QueryParam("force"));
  if (action == "list") {
    for (const char* name : {"labelSelector", "fieldSelector", "limit", "continue",
                             "resourceVersion", "timeoutSeconds", "watch"}) {
      params.push_back(QueryParam(name));
    }
  }
  Json response = action == "list" ? Json({{"type", "object"}}) : Ref(d);
  Json op = {{"operationId", verb + d.kind},
             {"consumes", action == "patch" ? PatchTypes(d) : Json::array({"*/*"})},
             {"produces", Json::array({"application/json", "application/yaml"})},
             {"schemes", Json::array({"https"})},
             {"parameters", params},
             {"responses", {{"200", {{"description", "OK"}, {"schema", response}}}}},
             {"x-kubernetes-action", action},
             {"x-kubernetes-group-version-kind", OpenApiGvk(d)}};
  return op;
}

struct Bodies {
  std::string json;
  std::string protobuf;
  std::string json_etag;
  std::string protobuf_etag;
  std::string error;  // set when the protobuf encoding failed (a bug of ours)
};

Bodies MakeBodies() {
  Bodies b;
  Json doc = OpenApiV2Document();
  b.json = doc.dump();
  b.json_etag = "\"" + Sha256Hex(b.json) + "\"";
  auto proto = EncodeOpenApiV2Protobuf(doc);
  if (proto) {
    b.protobuf = std::move(*proto);
    b.protobuf_etag = "\"" + Sha256Hex(b.protobuf) + "\"";
  } else {
    b.error = proto.error().message();
  }
  return b;
}

}  // namespace

Json OpenApiV2Document() {
  Json paths = Json::object();
  Json definitions = Json::object();
  for (const auto& d : AllResources()) {
    std::string base = "/" + OpenApiPathOf(d) + (d.namespaced ? "/namespaces/{namespace}" : "");
    Json collection_params = Json::array();
    if (d.namespaced) collection_params.push_back(PathParam("namespace"));
    Json item_params = Json::array({PathParam("name")});
    if (d.namespaced) item_params.push_back(PathParam("namespace"));
    const std::string scope = d.namespaced ? "Namespaced" : "";
    paths[base + "/" + d.plural] = {{"get", Operation(d, "list", "list" + scope)},
                                    {"post", Operation(d, "post", "create" + scope)},
                                    {"parameters", collection_params}};
    paths[base + "/" + d.plural + "/{name}"] = {
        {"get", Operation(d, "get", "read" + scope)},
        {"put", Operation(d, "put", "replace" + scope)},
        {"patch", Operation(d, "patch", "patch" + scope)},
        {"delete", Operation(d, "delete", "delete" + scope)},
        {"parameters", item_params}};
    Json schema = ToV2Schema(OpenApiObjectSchema(d));
    if (d.group == api::kGroup) {
      schema["x-kubernetes-group-version-kind"] = Json::array({OpenApiGvk(d)});
    }
    definitions[OpenApiSchemaName(d)] = std::move(schema);
  }
  return {{"swagger", "2.0"},
          {"info", {{"title", "wcloud"}, {"version", "v1.32.0"}}},
          {"paths", paths},
          {"definitions", definitions}};
}

HttpResponse ServeOpenApiV2(const HttpRequest& req) {
  static const Bodies bodies = MakeBodies();  // immutable: the types are compiled in
  if (req.method != "GET") {
    return HttpResponse::Text(
        405, StatusBody(405, "MethodNotAllowed", "/openapi/v2 is read-only: use GET").dump(),
        "application/json");
  }
  const std::string accept = req.Header("accept");
  const bool protobuf = accept.find(kProtobufAccept) != std::string::npos ||
                        accept.find(kProtobufAcceptDot) != std::string::npos;
  const bool json = accept.empty() || accept.find("application/json") != std::string::npos ||
                    accept.find("*/*") != std::string::npos;
  if (!protobuf && !json) {
    return HttpResponse::Text(406,
                              StatusBody(406, "NotAcceptable",
                                         "/openapi/v2 is served as application/json or " +
                                             std::string(kProtobufAccept) + ", not " + accept)
                                  .dump(),
                              "application/json");
  }
  if (protobuf && !bodies.error.empty()) {
    return HttpResponse::Text(500, StatusBody(500, "InternalError", bodies.error).dump(),
                              "application/json");
  }
  const std::string& etag = protobuf ? bodies.protobuf_etag : bodies.json_etag;
  HttpResponse r;
  r.headers.emplace_back("Content-Type", protobuf ? kProtobufAcceptDot : "application/json");
  r.headers.emplace_back("ETag", etag);
  r.headers.emplace_back("Vary", "Accept");
  r.headers.emplace_back("Cache-Control", "no-cache, private");
  if (req.Header("if-none-match") == etag) {
    r.status = 304;
  } else {
    r.body = protobuf ? bodies.protobuf : bodies.json;
  }
  return r;
}

}  // namespace wcloud::apiserver
