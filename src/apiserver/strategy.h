// What differs between kinds when objects are written, as Kubernetes' REST strategies
// (rest.RESTCreateStrategy, RESTUpdateStrategy) hold it: admission (decode, defaults, validation),
// what the server sets on create and on update, whether generation counts spec changes, whether
// status is a subresource, and which preconditions and patch types a kind takes. The registry
// (registry.h) runs the same flow for every kind and asks the kind's strategy at each step.
#pragma once

#include "api/field_error.h"
#include "api/validation.h"
#include "apiserver/resources.h"
#include "util/json.h"

namespace wcloud::apiserver {

struct Admission {
  api::FieldErrors errors;
  api::FieldErrors warnings;  // unknown fields, when not strict
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // What the kind's object names must be.
  virtual api::NameRule NameRule() const { return api::NameRule::kDnsSubdomain; }
  // Decodes, defaults and validates `object` in place (re-encoded with defaults where the kind
  // has them). Core kinds: ObjectMeta's rules.
  virtual Admission Admit(Json& object, bool strict) const;
  // metadata.generation is 1 on create and counts changes of spec.
  virtual bool CountsGeneration() const { return false; }
  // Status is written through /status only: dropped on create, kept on updates of the object.
  virtual bool StatusIsSubresource() const { return false; }
  // Whether a PUT may leave out metadata.resourceVersion.
  virtual bool AllowUnconditionalUpdate() const { return true; }
  // Whether PATCH takes application/strategic-merge-patch+json.
  virtual bool AcceptsStrategicMergePatch() const { return true; }
  // Whether deleting an object deletes the namespaced objects in the namespace it names.
  virtual bool DeletesNamespaceContents() const { return false; }

  // Create, before admission: what the server sets on a new object beyond common metadata.
  virtual void PrepareForCreate(Json& /*object*/) const {}
  // Every update (PUT, PATCH, /status, /scale), before admission: what the server derives.
  virtual void PrepareForUpdate(Json& /*object*/) const {}
  // Create, after admission: what a new object must hold beyond the kind's validation.
  virtual api::FieldErrors ValidateCreate(const Json& /*object*/) const { return {}; }
};

// The strategy of `def`'s kind; kinds without rules of their own (absent ones, the built-in CRDs,
// never written) get the core one.
const Strategy& StrategyFor(const ResourceDef& def);

}  // namespace wcloud::apiserver
