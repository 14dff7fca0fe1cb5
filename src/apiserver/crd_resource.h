// customresourcedefinitions of apiextensions.k8s.io/v1, read-only: the five CRDs `wcloud crds`
// prints (api/crds.h), each as a real server shows it once established. They are compiled into
// wcloud, so the server answers get, list and watch, and refuses every write with 405
// MethodNotAllowed naming the CRD: a CRD changes with the wcloud binary, never through the API.
#pragma once

#include <string>
#include <vector>

#include "apiserver/api_result.h"
#include "apiserver/resources.h"
#include "util/json.h"

namespace wcloud::apiserver {

inline constexpr char kApiExtensionsGroup[] = "apiextensions.k8s.io";

// Cluster-scoped, short name "crd", one printer column (Created At, a timestamp as Kubernetes
// prints it). Not among AllResources(): the store never holds these objects.
const ResourceDef& CrdResource();

// The APIResourceList entries of group/version: the resource (get, list, watch) under
// apiextensions.k8s.io/v1, nothing elsewhere.
Json CrdDiscoveryResources(const std::string& group, const std::string& version);

class BuiltInCrds {
 public:
  // `established`: RFC 3339, when this server began serving them (creationTimestamp and the
  // conditions' lastTransitionTime).
  explicit BuiltInCrds(const std::string& established);

  // A CustomResourceDefinitionList at `resource_version` (the store's revision, as every list);
  // selectors as on any list (fields: metadata.name).
  ApiResult List(const std::string& label_selector, const std::string& field_selector,
                 int64_t resource_version) const;
  ApiResult Get(const std::string& name) const;
  // The refusal of a write: `verb` is Kubernetes' (create, update, patch, delete,
  // deletecollection), `name` empty for the collection.
  static ApiResult RefuseWrite(const std::string& verb, const std::string& name);

 private:
  std::vector<Json> crds_;
};

}  // namespace wcloud::apiserver
