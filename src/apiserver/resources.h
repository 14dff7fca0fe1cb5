// The resources the embedded API server serves: our five kinds plus the core and coordination
// types controllers and kubectl need (Namespace, ConfigMap, Secret, Event, Lease).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_error.h"
#include "api/kinds.h"
#include "api/validation.h"
#include "util/json.h"

namespace wcloud::apiserver {

struct ResourceDef {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  bool has_spec = false;    // generation counts spec changes
  bool has_status = false;  // status is written through /status only
  bool has_scale = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<api::PrinterColumn> columns;  // after NAME

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string StoreKey() const { return group + "/" + plural; }
};

const std::vector<ResourceDef>& AllResources();
const ResourceDef* FindResource(std::string_view group, std::string_view version,
                                std::string_view plural);

// What the kind's object names must be (a Namespace's: a DNS label).
api::NameRule NameRuleOf(const ResourceDef& def);

// Decodes, defaults and validates an object of one of our kinds in place (it is re-encoded
// with defaults). Errors and, when not strict, warnings (unknown fields) are returned.
struct Admission {
  api::FieldErrors errors;
  api::FieldErrors warnings;
};
Admission AdmitObject(const ResourceDef& def, Json& object, bool strict);

}  // namespace wcloud::apiserver
