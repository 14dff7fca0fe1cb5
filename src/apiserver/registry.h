// The verbs of the Kubernetes API on top of ObjectStore: create, get, update, patch, delete and
// list, each running the same flow for every kind — metadata types and rules (uid,
// creationTimestamp, names, resourceVersion preconditions), the kind's strategy (strategy.h:
// admission, generation, status, what the server sets), field managers, the status and scale
// subresources (subresources.h), patches (patch.h), finalizers, and the finalizers deletion
// options ask the garbage collector (garbage_collector.h) for. Answers are HTTP-shaped
// (api_result.h).
#pragma once

#include <string>
#include <vector>

#include "apiserver/api_result.h"
#include "apiserver/object_store.h"
#include "apiserver/patch.h"
#include "apiserver/resources.h"
#include "util/json.h"

namespace wcloud::apiserver {

// The finalizers of Kubernetes' garbage collector: set on an owner deleted with the Orphan or
// Foreground propagation policy, removed by the collector once its dependents are dealt with.
inline constexpr char kOrphanFinalizer[] = "orphan";
inline constexpr char kForegroundFinalizer[] = "foregroundDeletion";

struct RequestScope {
  const ResourceDef* def = nullptr;
  std::string ns;
  std::string name;
  std::string subresource;  // "", "status", "scale"
  std::string field_manager;
  std::string field_validation;  // Strict, Warn (default), Ignore
  bool dry_run = false;
};

class Registry {
 public:
  explicit Registry(ObjectStore& store) : store_(store) {}

  ApiResult Create(const RequestScope& scope, Json body);
  ApiResult Get(const RequestScope& scope);
  ApiResult Update(const RequestScope& scope, Json body);
  ApiResult Patch(const RequestScope& scope, const std::string& content_type,
                  const std::string& body, bool force);
  ApiResult Delete(const RequestScope& scope, const Json& options);

  struct ListQuery {
    std::string label_selector;
    std::string field_selector;
    size_t limit = 0;
    std::string continue_token;
  };
  // A {Kind}List; body.metadata carries resourceVersion and continue.
  ApiResult List(const ResourceDef& def, const std::string& ns, const ListQuery& query);

  // Namespaces are created on demand for "default"; others must exist.
  ApiResult EnsureNamespace(const std::string& ns);

  ObjectStore& store() { return store_; }

 private:
  ApiResult Write(const RequestScope& scope, const Json& existing, Json updated);
  ApiResult PatchOnce(const RequestScope& scope, const DecodedPatch& patch, bool force);
  ApiResult Admit(const RequestScope& scope, Json& object);
  ApiResult DeleteOnce(const RequestScope& scope, const Json& options);

  ObjectStore& store_;
};

ObjectKey KeyOf(const ResourceDef& def, const std::string& ns, const std::string& name);

}  // namespace wcloud::apiserver
