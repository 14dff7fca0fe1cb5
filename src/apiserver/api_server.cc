#include "apiserver/api_server.h"

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "apiserver/crd_resource.h"
#include "apiserver/field_selector.h"
#include "apiserver/openapi.h"
#include "apiserver/openapi_v2.h"
#include "apiserver/protobuf_body.h"
#include "apiserver/reviews.h"
#include "apiserver/table.h"
#include "apiserver/watch_task.h"
#include "util/json_depth.h"
#include "util/version.h"

namespace wcloud::apiserver {
namespace {

const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kReadVerbs = {"get", "list", "watch"};

HttpResponse JsonResponse(int status, const Json& body,
                          const std::vector<std::string>& warnings = {}) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-cache, private");
  for (const auto& w : warnings) {
    std::string escaped;
    for (char c : w) escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    r.headers.emplace_back("Warning", "299 - \"" + escaped + "\"");
  }
  r.body = body.dump();
  return r;
}

HttpResponse FromResult(const ApiResult& r) { return JsonResponse(r.code, r.body, r.warnings); }

HttpResponse NotFoundPath() {
  return FromResult(
      StatusResult(404, "NotFound", "the server could not find the requested resource"));
}

Json ResourceList(const std::string& group, const std::string& version) {
  Json resources = Json::array();
  for (const auto& d : AllResources()) {
    if (d.group != group || d.version != version) continue;
    Json r = {{"name", d.plural},
              {"singularName", d.singular},
              {"namespaced", d.namespaced},
              {"kind", d.kind},
              {"verbs", d.absent ? kReadVerbs : kVerbs},
              {"storageVersionHash", ""}};
    if (!d.short_names.empty()) r["shortNames"] = d.short_names;
    if (!d.categories.empty()) r["categories"] = d.categories;
    resources.push_back(r);
    if (d.has_status) {
      resources.push_back({{"name", d.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", d.namespaced},
                           {"kind", d.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
    if (d.has_scale) {
      resources.push_back({{"name", d.plural + "/scale"},
                           {"singularName", ""},
                           {"namespaced", d.namespaced},
                           {"group", "autoscaling"},
                           {"version", "v1"},
                           {"kind", "Scale"},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", resources}};
}

Json GroupOf(const std::string& group) {
  std::string version;
  for (const auto& d : AllResources()) {
    if (d.group == group) version = d.version;
  }
  Json gv = {{"groupVersion", group + "/" + version}, {"version", version}};
  return {{"name", group}, {"versions", Json::array({gv})}, {"preferredVersion", gv}};
}

std::vector<std::string> Groups() {
  std::vector<std::string> groups;
  for (const auto& d : AllResources()) {
    if (!d.group.empty() && std::find(groups.begin(), groups.end(), d.group) == groups.end()) {
      groups.push_back(d.group);
    }
  }
  return groups;
}

// Groups served at v1 beside our resources' (which come from AllResources): the self reviews
// and apiextensions.k8s.io for the built-in CRDs.
std::vector<std::string> V1OnlyGroups() {
  std::vector<std::string> groups = ReviewGroups();
  groups.push_back(kApiExtensionsGroup);
  return groups;
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

// Go's strconv.ParseBool, which Kubernetes decodes boolean query parameters with.
std::optional<bool> ParseBool(std::string_view v) {
  for (std::string_view t : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (v == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (v == f) return false;
  }
  return std::nullopt;
}

// A boolean query parameter: false when absent, an error when it is not a boolean.
Result<bool> BoolQuery(const HttpRequest& req, const std::string& name) {
  const std::string v = req.Query(name);
  if (v.empty()) return false;
  if (auto b = ParseBool(v)) return *b;
  return Error("invalid value for the query parameter " + name + ": \"" + v +
               "\" is not a boolean");
}

// DeleteOptions from the body (kubectl sends dryRun, propagationPolicy and gracePeriodSeconds
// there) and the query, which wins. A dry run marks the scope, so nothing is written.
Result<Json> ReadDeleteOptions(const HttpRequest& req, RequestScope& scope) {
  Json options = req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
  if (options.is_discarded() || !options.is_object()) {
    return Error("DeleteOptions: the body is not a JSON object");
  }
  for (auto it = options.begin(); it != options.end();) {  // null is absent
    it = it->is_null() ? options.erase(it) : std::next(it);
  }
  if (auto it = options.find("orphanDependents"); it != options.end() && !it->is_boolean()) {
    return Error("DeleteOptions: orphanDependents must be a boolean");
  }
  if (!req.Query("propagationPolicy").empty()) {
    options["propagationPolicy"] = req.Query("propagationPolicy");
  }
  if (auto it = options.find("propagationPolicy"); it != options.end() && !it->is_string()) {
    return Error("DeleteOptions: propagationPolicy must be a string");
  }
  if (auto it = options.find("gracePeriodSeconds");
      it != options.end() && !it->is_number_integer()) {
    return Error("DeleteOptions: gracePeriodSeconds must be an integer");
  }
  if (auto it = options.find("dryRun"); it != options.end()) {
    if (!it->is_array()) return Error("DeleteOptions: dryRun must be a list");
    for (const auto& v : *it) {
      if (v != "All") return Error("DeleteOptions: dryRun: unsupported value " + v.dump());
      scope.dry_run = true;
    }
  }
  return options;
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::Start(ObjectStore& store, Options options) {
  std::unique_ptr<ApiServer> server(new ApiServer(store, std::move(options)));
  HttpServer::Options http;
  http.listen = server->options_.listen;
  http.tls = server->options_.tls;
  http.threads = server->options_.threads;
  ApiServer* self = server.get();
  WCLOUD_ASSIGN_OR_RETURN(server->http_, HttpServer::Start(http, [self](const HttpRequest& r) {
                            return self->Handle(r);
                          }));
  // The default namespace exists from the start, as on a real cluster.
  (void)server->registry_.EnsureNamespace("default");
  server->collector_.Start();
  return server;
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::Stop() {
  if (http_) http_->Stop();  // ends every open watch response
  logs_.Stop();
  collector_.Stop();
  watches_.Stop();
}

HttpResponse ApiServer::Handle(const HttpRequest& req) {
  if (req.path == "/healthz" || req.path == "/readyz" || req.path == "/livez") {
    if (options_.health) return *options_.health->Serve(req);
    return HttpResponse::Text(200, "ok");
  }
  if (!options_.token.empty()) {
    std::string auth = req.Header("authorization");
    if (auth != "Bearer " + options_.token) {
      return FromResult(StatusResult(401, "Unauthorized", "Unauthorized"));
    }
  }
  if (!options_.metrics) return Serve(req);
  return options_.metrics->Record(req, [this](const HttpRequest& r) {
    return r.path == "/metrics" && r.method == "GET" ? options_.metrics->Scrape() : Serve(r);
  });
}

HttpResponse ApiServer::Serve(const HttpRequest& req) {
  const std::string& path = req.path;
  // Discovery answers with or without a trailing slash, as Kubernetes' does.
  if (path == "/version/" || path == "/api/" || path == "/apis/") {
    HttpRequest trimmed = req;
    trimmed.path.pop_back();
    return Serve(trimmed);
  }
  if (path == "/version") {
    return JsonResponse(200, {{"major", "1"},
                              {"minor", "32"},
                              {"gitVersion", "v1.32.0+wcloud." + std::string(Version())},
                              {"gitCommit", std::string(GitCommit())},
                              {"platform", "linux/amd64"}});
  }
  if (path == "/openapi/v2") return ServeOpenApiV2(req);
  if (path == "/openapi/v3") return JsonResponse(200, OpenApiIndex());
  if (path.rfind("/openapi/v3/", 0) == 0) {
    Json doc = OpenApiGroupVersion(path.substr(std::string("/openapi/v3/").size()));
    if (doc.is_null()) return NotFoundPath();
    return JsonResponse(200, doc);
  }
  if (path == "/api") {
    return JsonResponse(200, {{"kind", "APIVersions"}, {"versions", {"v1"}}});
  }
  if (auto review = ServeReview(req.method, path, req.body)) {
    return JsonResponse(review->status, review->body);
  }
  if (path == "/apis") {
    Json groups = Json::array();
    for (const auto& g : Groups()) groups.push_back(GroupOf(g));
    for (const auto& g : V1OnlyGroups()) {
      Json gv = {{"groupVersion", g + "/v1"}, {"version", "v1"}};
      groups.push_back({{"name", g}, {"versions", Json::array({gv})}, {"preferredVersion", gv}});
    }
    return JsonResponse(200, {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}});
  }
  auto parts = Split(path);
  if (parts.empty()) return NotFoundPath();

  std::string group, version;
  size_t i = 0;
  if (parts[0] == "api") {
    if (parts.size() < 2) return NotFoundPath();
    version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() == 2) {
      for (const auto& g : Groups()) {
        if (g == parts[1]) {
          Json doc = GroupOf(g);
          doc["kind"] = "APIGroup";
          doc["apiVersion"] = "v1";
          return JsonResponse(200, doc);
        }
      }
      for (const auto& g : V1OnlyGroups()) {
        if (g != parts[1]) continue;
        Json gv = {{"groupVersion", g + "/v1"}, {"version", "v1"}};
        return JsonResponse(200, {{"kind", "APIGroup"},
                                  {"apiVersion", "v1"},
                                  {"name", g},
                                  {"versions", Json::array({gv})},
                                  {"preferredVersion", gv}});
      }
      return NotFoundPath();
    }
    if (parts.size() < 3) return NotFoundPath();
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return NotFoundPath();
  }
  if (i == parts.size()) {
    Json list = ResourceList(group, version);
    for (auto& r : ReviewResources(group, version)) list["resources"].push_back(std::move(r));
    for (auto& r : CrdDiscoveryResources(group, version)) list["resources"].push_back(std::move(r));
    if (list["resources"].empty()) return NotFoundPath();
    return JsonResponse(200, list);
  }

  // [namespaces/{ns}/]{resource}[/{name}[/{subresource}]]
  std::vector<std::string> rest(parts.begin() + static_cast<long>(i), parts.end());
  RequestScope scope;
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    scope.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  scope.def = FindResource(group, version, rest[0]);
  if (!scope.def && group == CrdResource().group && version == CrdResource().version &&
      rest[0] == CrdResource().plural && scope.ns.empty() && rest.size() <= 2) {
    scope.def = &CrdResource();
    if (rest.size() > 1) scope.name = rest[1];
    return ServeCrds(req, scope);
  }
  if (!scope.def) return NotFoundPath();
  if (rest.size() > 1) scope.name = rest[1];
  if (rest.size() > 2) scope.subresource = rest[2];
  if (rest.size() > 3) return NotFoundPath();
  if (scope.subresource == "log" && scope.def->kind == "Workload" && !scope.ns.empty()) {
    RequestScope object = scope;
    object.subresource.clear();
    ApiResult got = registry_.Get(object);
    return got.ok() ? logs_.Serve(req, got.body) : FromResult(got);
  }
  if (!scope.subresource.empty() && !(scope.subresource == "status" && scope.def->has_status) &&
      !(scope.subresource == "scale" && scope.def->has_scale)) {
    return NotFoundPath();
  }
  if (scope.def->namespaced && scope.ns.empty() && !scope.name.empty()) return NotFoundPath();
  if (scope.def->absent && req.method != "GET") return FromResult(RefuseAbsent(*scope.def));
  // Everything after this recurses per level of a body's nesting (parse, patch, compare, dump).
  if (!req.body.empty() && req.Header("content-type").find("protobuf") == std::string::npos) {
    if (auto deep = CheckJsonDepth(req.body); !deep) {
      return FromResult(
          StatusResult(400, "BadRequest", "the request body is " + deep.error().message()));
    }
  }
  scope.field_manager = req.Query("fieldManager");
  scope.field_validation = req.Query("fieldValidation");
  if (scope.field_validation.empty()) scope.field_validation = "Warn";
  scope.dry_run = req.Query("dryRun") == "All";
  if (scope.field_manager.empty()) {
    std::string agent = req.Header("user-agent");
    scope.field_manager = agent.substr(0, agent.find('/'));
  }

  const std::string& method = req.method;
  // Object bodies are JSON; kubectl's typed commands send core types as protobuf.
  auto parse_body = [&req]() -> Result<Json> {
    if (req.Header("content-type").find("protobuf") != std::string::npos) {
      return DecodeProtobufBody(req.body);
    }
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return Error("the request body is not valid JSON");
    return body;
  };
  if (scope.name.empty()) {
    if (method == "GET") {
      auto watch = BoolQuery(req, "watch");
      if (!watch) return FromResult(StatusResult(400, "BadRequest", watch.error().message()));
      if (*watch) return Watch(req, scope);
      Registry::ListQuery q;
      q.label_selector = req.Query("labelSelector");
      q.field_selector = req.Query("fieldSelector");
      q.continue_token = req.Query("continue");
      std::string limit = req.Query("limit");
      if (!limit.empty()) {
        try {
          q.limit = static_cast<size_t>(std::stoul(limit));
        } catch (...) {
          return FromResult(StatusResult(400, "BadRequest", "invalid limit"));
        }
      }
      ApiResult r = registry_.List(*scope.def, scope.ns, q);
      if (r.ok() && WantsTable(req.Header("accept"))) {
        std::vector<Json> items(r.body["items"].begin(), r.body["items"].end());
        return JsonResponse(200, ToTable(*scope.def, items, req.Query("includeObject"),
                                         r.body["metadata"]["resourceVersion"],
                                         r.body["metadata"].value("continue", "")));
      }
      return FromResult(r);
    }
    if (method == "POST") {
      if (scope.def->namespaced && scope.ns.empty()) return NotFoundPath();
      auto body = parse_body();
      if (!body) return FromResult(StatusResult(400, "BadRequest", body.error().message()));
      return FromResult(registry_.Create(scope, std::move(*body)));
    }
    if (method == "DELETE") {
      auto options = ReadDeleteOptions(req, scope);
      if (!options) return FromResult(StatusResult(400, "BadRequest", options.error().message()));
      Registry::ListQuery q;
      q.label_selector = req.Query("labelSelector");
      q.field_selector = req.Query("fieldSelector");
      ApiResult listed = registry_.List(*scope.def, scope.ns, q);
      if (!listed.ok()) return FromResult(listed);
      for (const auto& item : listed.body["items"]) {
        RequestScope one = scope;
        one.ns = item["metadata"].value("namespace", "");
        one.name = item["metadata"].value("name", "");
        registry_.Delete(one, *options);
      }
      return FromResult(listed);
    }
    return FromResult(StatusResult(405, "MethodNotAllowed", "method not allowed on a collection"));
  }

  if (method == "GET") {
    ApiResult r = registry_.Get(scope);
    if (r.ok() && scope.subresource.empty() && WantsTable(req.Header("accept"))) {
      return JsonResponse(200, ToTable(*scope.def, {r.body}, req.Query("includeObject"),
                                       r.body["metadata"].value("resourceVersion", ""), ""));
    }
    return FromResult(r);
  }
  if (method == "PUT") {
    auto body = parse_body();
    if (!body) return FromResult(StatusResult(400, "BadRequest", body.error().message()));
    return FromResult(registry_.Update(scope, std::move(*body)));
  }
  if (method == "PATCH") {
    auto force = BoolQuery(req, "force");
    if (!force) return FromResult(StatusResult(400, "BadRequest", force.error().message()));
    return FromResult(registry_.Patch(scope, req.Header("content-type"), req.body, *force));
  }
  if (method == "DELETE") {
    auto options = ReadDeleteOptions(req, scope);
    if (!options) return FromResult(StatusResult(400, "BadRequest", options.error().message()));
    return FromResult(registry_.Delete(scope, *options));
  }
  return FromResult(StatusResult(405, "MethodNotAllowed", "method not allowed"));
}

HttpResponse ApiServer::ServeCrds(const HttpRequest& req, const RequestScope& scope) {
  const std::string& method = req.method;
  const bool table = WantsTable(req.Header("accept"));
  if (method == "GET" && scope.name.empty()) {
    auto watch = BoolQuery(req, "watch");
    if (!watch) return FromResult(StatusResult(400, "BadRequest", watch.error().message()));
    if (*watch) return Watch(req, scope);
    ApiResult r =
        crds_.List(req.Query("labelSelector"), req.Query("fieldSelector"), store_.revision());
    if (!r.ok() || !table) return FromResult(r);
    std::vector<Json> items(r.body["items"].begin(), r.body["items"].end());
    return JsonResponse(200, ToTable(*scope.def, items, req.Query("includeObject"),
                                     r.body["metadata"]["resourceVersion"], ""));
  }
  if (method == "GET") {
    ApiResult r = crds_.Get(scope.name);
    if (!r.ok() || !table) return FromResult(r);
    return JsonResponse(200, ToTable(*scope.def, {r.body}, req.Query("includeObject"),
                                     r.body["metadata"].value("resourceVersion", ""), ""));
  }
  std::string name = scope.name;
  if (method == "POST") {  // the name a create asked for, when the body says
    Json body = Json::parse(req.body, nullptr, false);
    if (body.is_object() && body.contains("metadata") && body["metadata"].is_object()) {
      name = body["metadata"].value("name", "");
    }
  }
  const std::string verb = method == "POST"     ? "create"
                           : method == "PUT"    ? "update"
                           : method == "PATCH"  ? "patch"
                           : method == "DELETE" ? (name.empty() ? "deletecollection" : "delete")
                                                : "";
  if (verb.empty()) return FromResult(StatusResult(405, "MethodNotAllowed", "method not allowed"));
  return FromResult(BuiltInCrds::RefuseWrite(verb, name));
}

HttpResponse ApiServer::Watch(const HttpRequest& req, const RequestScope& scope) {
  const ResourceDef& def = *scope.def;
  std::string rv = req.Query("resourceVersion");
  auto selection = Selection::Parse(def, req.Query("labelSelector"), req.Query("fieldSelector"));
  if (!selection) return FromResult(StatusResult(400, "BadRequest", selection.error().message()));
  bool table = WantsTable(req.Header("accept"));
  auto bookmarks_query = BoolQuery(req, "allowWatchBookmarks");
  if (!bookmarks_query) {
    return FromResult(StatusResult(400, "BadRequest", bookmarks_query.error().message()));
  }
  const bool bookmarks = *bookmarks_query;
  std::string include_object = req.Query("includeObject");
  int timeout_seconds = 1800;
  if (!req.Query("timeoutSeconds").empty()) {
    try {
      timeout_seconds = std::stoi(req.Query("timeoutSeconds"));
    } catch (...) {
      return FromResult(StatusResult(400, "BadRequest", "invalid timeoutSeconds"));
    }
  }

  // Without a resourceVersion (or "0"), a watch starts with the current objects as ADDED.
  std::vector<Json> initial;
  int64_t from = 0;
  Registry::ListQuery q;
  q.label_selector = req.Query("labelSelector");
  q.field_selector = req.Query("fieldSelector");
  const bool initial_list = rv.empty() || rv == "0";
  if (!initial_list) {
    try {
      from = std::stoll(rv);
    } catch (...) {
      return FromResult(StatusResult(400, "BadRequest", "invalid resourceVersion"));
    }
  }
  // A selective watch tells apart objects that stop matching (sent as DELETED) from ones the
  // client never held: those it holds are the initial list's, or else the ones matching now.
  const bool crds = &def == &CrdResource();
  std::set<std::string> held;
  if (initial_list || !selection->empty()) {
    ApiResult listed = crds ? crds_.List(q.label_selector, q.field_selector, store_.revision())
                            : registry_.List(def, scope.ns, q);
    if (!listed.ok()) return FromResult(listed);
    for (const auto& item : listed.body["items"]) held.insert(WatchFilter::KeyOf(item));
    if (initial_list) {
      initial.assign(listed.body["items"].begin(), listed.body["items"].end());
      from = std::stoll(listed.body["metadata"]["resourceVersion"].get<std::string>());
    }
  }
  // The built-in CRDs never change, so no revision is too old to watch them from.
  if (crds) from = store_.revision();
  auto stream = store_.Watch(def.StoreKey(), def.namespaced ? scope.ns : "", from);

  HttpResponse r;
  r.headers.emplace_back("Content-Type", "application/json");
  r.headers.emplace_back("Cache-Control", "no-cache, private");
  auto encode = [=, &def](const std::string& type, const Json& object) {
    Json o = type == "ERROR" || type == "BOOKMARK" ? object : FromStorage(def, object);
    if (table && type != "ERROR" && type != "BOOKMARK") {
      o = ToTable(def, {o}, include_object, object["metadata"].value("resourceVersion", ""), "");
    }
    return Json({{"type", type}, {"object", o}}).dump() + "\n";
  };
  WatchPlan plan;
  plan.encode = encode;
  if (!selection->empty()) {
    plan.filter.emplace([selection = *selection](const Json& o) { return selection.Matches(o); },
                        std::move(held));
  }
  plan.initial = std::move(initial);
  if (!stream) {
    // Too old: answer like Kubernetes, with an ERROR event carrying 410 Gone.
    plan.gone = StatusBody(410, "Expired", stream.error().message());
  } else {
    plan.events = *stream;
  }
  plan.from_revision = from;
  if (bookmarks) plan.bookmark = Json{{"kind", def.kind}, {"apiVersion", def.GroupVersion()}};
  plan.bookmark_interval = options_.bookmark_interval;
  plan.deadline = WatchHub::Clock::now() + std::chrono::seconds(timeout_seconds);
  r.stream = [this, plan = std::move(plan)](std::shared_ptr<ResponseStream> out) mutable {
    auto task = std::make_shared<WatchTask>(std::move(plan), std::move(out));
    task->Attach(watches_);
    watches_.Add(std::move(task));
  };
  return r;
}

}  // namespace wcloud::apiserver
