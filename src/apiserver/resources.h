// The resources the embedded API server serves: our five kinds plus the core and coordination
// types controllers and kubectl need (Namespace, ConfigMap, Secret, Event, Lease), Events in
// events.k8s.io/v1 too, and, always empty, the workload kinds kubectl expects of any cluster.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/kinds.h"
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
  // Set when served over another group's stored objects (events.k8s.io Events are core Events,
  // as on a real server): that group. Objects convert on their way in and out of the store.
  std::optional<std::string> storage_group;
  // Discoverable, always empty and refusing writes: Pods, Services and the other kinds kubectl's
  // `get all`, `cluster-info` and `apply --prune` expect of a cluster. This server runs none.
  bool absent = false;

  std::string GroupVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string StoreKey() const { return storage_group.value_or(group) + "/" + plural; }
  // Whether objects are stored under this resource's own key (what garbage collection and
  // namespace deletion go through).
  bool OwnsStorage() const { return !storage_group && !absent; }
};

const std::vector<ResourceDef>& AllResources();
const ResourceDef* FindResource(std::string_view group, std::string_view version,
                                std::string_view plural);

// An object as stored, from `def`'s representation, and back.
Json ToStorage(const ResourceDef& def, Json object);
Json FromStorage(const ResourceDef& def, Json stored);

}  // namespace wcloud::apiserver
