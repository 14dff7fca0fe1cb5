// Server-side apply: which field manager owns which fields (metadata.managedFields, FieldsV1),
// merging an applied configuration into the live object, and conflicts when another manager
// owns a field the apply would change. Lists are atomic: a list is owned and replaced whole.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "api/field_error.h"
#include "util/json.h"

namespace wcloud::apiserver {

// A field as a JSON pointer: "/spec/replicas", "/metadata/labels/app".
using FieldPath = std::string;
using FieldSet = std::set<FieldPath>;

// The leaf fields an object sets: scalars and lists, under spec/data/... and metadata labels and
// annotations (not apiVersion, kind, other metadata, or status).
FieldSet FieldsOf(const Json& object);

Json ToFieldsV1(const FieldSet& fields);
FieldSet FromFieldsV1(const Json& fields_v1);

struct ApplyOutcome {
  Json object;                         // live merged with the applied configuration
  std::vector<std::string> conflicts;  // "conflict with \"mgr\": .spec.replicas"; empty on success
};

// `applied` is the manager's whole intent: fields it applied before and omits now are removed
// unless another manager also owns them. With `force`, conflicting fields change owner. As in
// Kubernetes, the manager "kubectl" also takes over without a conflict the fields kubectl's
// client-side apply annotation says it set (the upgrade from client-side apply), and keeps that
// annotation, where there is one, equal to what it applied.
// `values` is `applied` with server defaults filled in where it could be defaulted (equal to
// `applied` otherwise): values are compared and written from it, while ownership follows only
// the fields the manager actually wrote.
ApplyOutcome ApplyConfiguration(const Json& live, const Json& applied, const Json& values,
                                const std::string& manager, bool force,
                                const std::string& api_version);

// Checks the managedFields a writer sent: a list of entries with an Apply or Update operation
// and FieldsV1 fields. None, null or an empty list is fine.
api::FieldErrors CheckManagedFields(const Json& object);

// Records an Update-operation write by `manager`: it owns the fields it changed, and other
// managers lose them. The managedFields `updated` carries (checked by CheckManagedFields) are
// taken as written when it carries any; otherwise those of `live` are kept.
void RecordUpdate(const Json& live, Json& updated, const std::string& manager,
                  const std::string& api_version);

}  // namespace wcloud::apiserver
