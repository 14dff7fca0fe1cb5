#include "kube/fake_client.h"

#include <boost/url/parse.hpp>
#include <cassert>
#include <chrono>

#include "api/codec.h"
#include "api/label_selector.h"
#include "util/random.h"
#include "util/timestamp.h"

namespace wcloud::kube {
namespace {

std::string Plural(const std::string& resource) { return resource.substr(resource.find('/') + 1); }

api::Labels LabelsOf(const Json& object) { return api::DecodeObjectMeta(object).meta.labels; }

// Everything but metadata and status: what moves metadata.generation.
Json SpecPart(Json object) {
  object.erase("metadata");
  object.erase("status");
  return object;
}

}  // namespace

Result<FakeClient::Target> FakeClient::ParsePath(const std::string& path) {
  auto parsed = boost::urls::parse_origin_form(path);
  if (!parsed) return ApiError(400, "BadRequest", "fake client: not a request target: " + path);
  Target t;
  for (auto param : parsed->params()) t.query[param.key] = param.value;
  std::vector<std::string> seg(parsed->segments().begin(), parsed->segments().end());
  if (seg.empty()) return ApiError(404, "NotFound", "fake client: no resource at " + path);
  std::string group;
  size_t at;
  if (seg[0] == "api" && seg.size() >= 3) {
    at = 2;
  } else if (seg[0] == "apis" && seg.size() >= 4) {
    group = seg[1];
    at = 3;
  } else {
    return ApiError(404, "NotFound", "fake client: no resource at " + path);
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(at), seg.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    t.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  if (rest.empty() || rest.size() > 3)
    return ApiError(404, "NotFound", "fake client: no resource at " + path);
  t.resource = group + "/" + rest[0];
  t.ours = group == api::kGroup;
  if (rest.size() > 1) t.name = rest[1];
  if (rest.size() > 2) t.subresource = rest[2];
  return t;
}

void FakeClient::AddReactor(Reactor reactor) {
  MutexLock lock(mu_);
  reactors_.push_back(std::move(reactor));
}

std::vector<FakeClient::Action> FakeClient::Actions() const {
  MutexLock lock(mu_);
  return actions_;
}

std::vector<FakeClient::Action> FakeClient::Writes() const {
  std::vector<Action> writes;
  for (Action& a : Actions()) {
    if (a.method != "GET" && a.method != "WATCH") writes.push_back(std::move(a));
  }
  return writes;
}

void FakeClient::ClearActions() {
  MutexLock lock(mu_);
  actions_.clear();
}

Result<Json> FakeClient::Do(std::string_view method, const std::string& path, const Json* body,
                            std::string_view content_type) {
  Action action{std::string(method), path, body ? *body : Json()};
  std::vector<Reactor> reactors;
  {
    MutexLock lock(mu_);
    actions_.push_back(action);
    reactors = reactors_;
  }
  for (const Reactor& reactor : reactors) {
    if (auto answer = reactor(action)) return *answer;
  }
  WCLOUD_ASSIGN_OR_RETURN(Target t, ParsePath(path));
  MutexLock lock(mu_);
  auto result = Serve(method, t, body, content_type);
  if (!result) {
    const Error& e = result.error();
    return Error(e.message() + " (" + std::string(method) + " " + path + ")", e.code(),
                 e.details());
  }
  return result;
}

Json FakeClient::Seed(const ResourceType& type, Json object) {
  const Json meta = object.value("metadata", Json::object());
  auto t = ParsePath(CollectionPath(type, meta.value("namespace", "")));
  assert(t && "a ResourceType always makes a valid path");
  const Json status = object.value("status", Json());
  MutexLock lock(mu_);
  auto created = Create(*t, std::move(object));
  if (!created) return Json();
  // Seeded objects may start with a status, as if a controller had written it, and with an
  // age of the test's choosing.
  Json& stored = objects_[{t->resource, t->ns, (*created)["metadata"]["name"]}];
  if (!status.is_null()) stored["status"] = status;
  if (meta.contains("creationTimestamp")) {
    stored["metadata"]["creationTimestamp"] = meta["creationTimestamp"];
  }
  events_.back().object = stored;
  return stored;
}

Result<Json> FakeClient::Serve(std::string_view method, const Target& t, const Json* body,
                               std::string_view content_type) {
  if (method == "GET") {
    if (t.name.empty()) return List(t);
    auto it = objects_.find({t.resource, t.ns, t.name});
    if (it == objects_.end()) {
      return ApiError(404, "NotFound", Plural(t.resource) + " \"" + t.name + "\" not found");
    }
    return it->second;
  }
  if (method == "POST") {
    if (!body || !body->is_object()) return ApiError(400, "BadRequest", "no object in the body");
    return Create(t, *body);
  }
  if (method == "DELETE") return Delete(t);
  auto it = objects_.find({t.resource, t.ns, t.name});
  if (it == objects_.end()) {
    return ApiError(404, "NotFound", Plural(t.resource) + " \"" + t.name + "\" not found");
  }
  const Json old = it->second;
  if (!body) return ApiError(400, "BadRequest", "no body");
  if (method == "PUT") {
    const std::string rv =
        body->contains("metadata") ? (*body)["metadata"].value("resourceVersion", "") : "";
    if (!rv.empty() && rv != old["metadata"].value("resourceVersion", "")) {
      return ApiError(409, "Conflict",
                      "Operation cannot be fulfilled on " + Plural(t.resource) + " \"" + t.name +
                          "\": the object has been modified; please apply your changes to the "
                          "latest version and try again");
    }
    return Write(t, *body, old);
  }
  if (method == "PATCH") {
    Json patched = old;
    if (content_type == "application/merge-patch+json" ||
        content_type == "application/strategic-merge-patch+json") {
      patched.merge_patch(*body);
    } else if (content_type == "application/json-patch+json") {
      try {
        patched = old.patch(*body);
      } catch (const std::exception& e) {
        return ApiError(422, "Invalid", std::string("json patch: ") + e.what());
      }
    } else {
      return ApiError(415, "UnsupportedMediaType",
                      "the fake client does not serve " + std::string(content_type));
    }
    return Write(t, std::move(patched), old);
  }
  return ApiError(405, "MethodNotAllowed", std::string(method));
}

Result<Json> FakeClient::List(const Target& t) {
  std::optional<api::LabelSelector> selector;
  if (auto it = t.query.find("labelSelector"); it != t.query.end() && !it->second.empty()) {
    auto parsed = api::LabelSelector::Parse(it->second);
    if (!parsed) return ApiError(400, "BadRequest", parsed.error().message());
    selector = std::move(*parsed);
  }
  Json items = Json::array();
  for (const auto& [key, object] : objects_) {
    const auto& [resource, ns, name] = key;
    if (resource != t.resource || (!t.ns.empty() && ns != t.ns)) continue;
    if (selector && !selector->Matches(LabelsOf(object))) continue;
    items.push_back(object);
  }
  return Json{{"apiVersion", "v1"},
              {"kind", "List"},
              {"metadata", {{"resourceVersion", std::to_string(resource_version_)}}},
              {"items", std::move(items)}};
}

void FakeClient::Stamp(Json& object) {
  object["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
}

void FakeClient::Record(const std::string& type, const Target& t, const Json& object) {
  events_.push_back(Event{resource_version_, t.resource, t.ns, type, object});
  changed_.notify_all();
}

Result<Json> FakeClient::Create(const Target& t, Json object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = Json::object();
  }
  Json& meta = object["metadata"];
  std::string name = meta.value("name", "");
  if (name.empty()) {
    const std::string prefix = meta.value("generateName", "");
    if (prefix.empty()) return ApiError(422, "Invalid", "metadata.name: Required value");
    name = prefix + RandomHex(3).substr(0, 5);
    meta["name"] = name;
  }
  Target at = t;
  at.name = name;
  if (objects_.count({t.resource, t.ns, name})) {
    return ApiError(409, "AlreadyExists", Plural(t.resource) + " \"" + name + "\" already exists");
  }
  if (!t.ns.empty()) meta["namespace"] = t.ns;
  meta["uid"] = RandomUuid();
  meta["creationTimestamp"] = NowTime();
  meta["generation"] = 1;
  meta.erase("deletionTimestamp");
  if (t.ours) object.erase("status");
  Stamp(object);
  objects_[{t.resource, t.ns, name}] = object;
  Record("ADDED", at, object);
  return object;
}

Result<Json> FakeClient::Write(const Target& t, Json object, const Json& old) {
  Json next;
  if (t.subresource == "status") {
    next = old;
    if (object.contains("status")) next["status"] = object["status"];
  } else {
    next = std::move(object);
    Json meta = next.value("metadata", Json::object());
    for (const char* kept :
         {"name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "generation"}) {
      if (old["metadata"].contains(kept)) {
        meta[kept] = old["metadata"][kept];
      } else {
        meta.erase(kept);
      }
    }
    next["metadata"] = meta;
    if (t.ours) {
      if (old.contains("status")) {
        next["status"] = old["status"];
      } else {
        next.erase("status");
      }
    }
    if (SpecPart(next) != SpecPart(old)) {
      next["metadata"]["generation"] = old["metadata"].value("generation", 1) + 1;
    }
  }
  next["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"];
  if (next == old) return old;  // a no-op write changes nothing, not even the version
  Stamp(next);
  const Key key{t.resource, t.ns, t.name};
  if (next["metadata"].contains("deletionTimestamp") &&
      next["metadata"].value("finalizers", Json::array()).empty()) {
    objects_.erase(key);
    Record("DELETED", t, next);
    return next;
  }
  objects_[key] = next;
  Record("MODIFIED", t, next);
  return next;
}

Result<Json> FakeClient::Delete(const Target& t) {
  const Key key{t.resource, t.ns, t.name};
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return ApiError(404, "NotFound", Plural(t.resource) + " \"" + t.name + "\" not found");
  }
  Json object = it->second;
  if (!object["metadata"].value("finalizers", Json::array()).empty()) {
    if (object["metadata"].contains("deletionTimestamp")) return object;
    object["metadata"]["deletionTimestamp"] = NowTime();
    Stamp(object);
    it->second = object;
    Record("MODIFIED", t, object);
    return object;
  }
  objects_.erase(it);
  Stamp(object);
  Record("DELETED", t, object);
  return Json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Success"}};
}

Status FakeClient::Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
                         const std::atomic<bool>* stop) {
  WCLOUD_ASSIGN_OR_RETURN(Target t, ParsePath(path));
  {
    MutexLock lock(mu_);
    actions_.push_back(Action{"WATCH", path, Json()});
  }
  std::optional<api::LabelSelector> selector;
  if (auto it = t.query.find("labelSelector"); it != t.query.end() && !it->second.empty()) {
    WCLOUD_ASSIGN_OR_RETURN(selector, api::LabelSelector::Parse(it->second));
  }
  uint64_t after = 0;
  if (auto it = t.query.find("resourceVersion"); it != t.query.end() && !it->second.empty()) {
    after = std::stoull(it->second);
  }
  size_t next = 0;  // index into events_
  for (;;) {
    std::vector<Json> batch;
    {
      MutexLock lock(mu_);
      if (next >= events_.size()) {
        changed_.WaitUntil(lock, std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
      }
      for (; next < events_.size(); ++next) {
        const Event& e = events_[next];
        if (e.rv <= after || e.resource != t.resource || (!t.ns.empty() && e.ns != t.ns)) {
          continue;
        }
        if (selector && !selector->Matches(LabelsOf(e.object))) continue;
        batch.push_back(Json{{"type", e.type}, {"object", e.object}});
      }
    }
    for (const Json& event : batch) {
      if (!on_event(event)) return Ok();
    }
    if (stop && stop->load()) return Ok();
  }
}

}  // namespace wcloud::kube
