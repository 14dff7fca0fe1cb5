// An in-memory Kubernetes API for unit tests of controllers (client-go's fake clientset, by
// path): objects kept per resource and namespace with uids, resourceVersions, generations,
// generateName, finalizers and status subresources for our group; merge and JSON patches;
// list and watch with label selectors. Records every request, and lets a test make any of them
// fail. Not a validating server: integration tests run against the real one.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kube/client.h"
#include "util/mutex.h"

namespace wcloud::kube {

class FakeClient : public Client {
 public:
  struct Action {
    std::string method;
    std::string path;  // with its query
    Json body;         // null when the request had none
  };
  // Sees each request before it is served; an answer (a Json or an Error) replaces it.
  using Reactor = std::function<std::optional<Result<Json>>(const Action&)>;

  FakeClient() = default;
  FakeClient(const FakeClient&) = delete;
  FakeClient& operator=(const FakeClient&) = delete;

  Result<Json> Do(std::string_view method, const std::string& path, const Json* body = nullptr,
                  std::string_view content_type = "application/json") override;
  using Client::Get;
  // Serves events after the query's resourceVersion until `stop` is set or `on_event` declines.
  Status Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
               const std::atomic<bool>* stop = nullptr) override;

  // Stores `object` as a create would, but keeping its status and creationTimestamp, without
  // an Action.
  Json Seed(const ResourceType& type, Json object);
  void AddReactor(Reactor reactor);
  std::vector<Action> Actions() const;
  // The write requests (POST, PUT, PATCH, DELETE) since the last ClearActions.
  std::vector<Action> Writes() const;
  void ClearActions();

 private:
  struct Target {
    std::string resource;  // "group/plural"
    bool ours = false;     // runtime.wasmcloud.dev: status is a subresource
    std::string ns;
    std::string name;
    std::string subresource;
    std::map<std::string, std::string> query;
  };
  struct Event {
    uint64_t rv;
    std::string resource;
    std::string ns;
    std::string type;
    Json object;
  };
  using Key = std::tuple<std::string, std::string, std::string>;  // resource, ns, name

  static Result<Target> ParsePath(const std::string& path);
  Result<Json> Serve(std::string_view method, const Target& t, const Json* body,
                     std::string_view content_type) REQUIRES(mu_);
  Result<Json> List(const Target& t) REQUIRES(mu_);
  Result<Json> Create(const Target& t, Json object) REQUIRES(mu_);
  Result<Json> Write(const Target& t, Json object, const Json& old) REQUIRES(mu_);
  Result<Json> Delete(const Target& t) REQUIRES(mu_);
  void Stamp(Json& object) REQUIRES(mu_);
  void Record(const std::string& type, const Target& t, const Json& object) REQUIRES(mu_);

  mutable Mutex mu_;
  CondVar changed_;
  std::map<Key, Json> objects_ GUARDED_BY(mu_);
  std::vector<Event> events_ GUARDED_BY(mu_);
  std::vector<Action> actions_ GUARDED_BY(mu_);
  std::vector<Reactor> reactors_ GUARDED_BY(mu_);
  uint64_t resource_version_ GUARDED_BY(mu_) = 1;
};

}  // namespace wcloud::kube
