#include "operator/object_types.h"

#include "util/timestamp.h"

namespace wcloud::operator_ {

Json MakeCondition(const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message, const Json& object) {
  std::string since = NowTime();
  if (object.contains("status") && object["status"].is_object()) {
    for (const auto& c : object["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == type && c.value("status", "") == status) {
        since = c.value("lastTransitionTime", since);
      }
    }
  }
  Json c = {{"type", type},
            {"status", status},
            {"lastTransitionTime", since},
            {"reason", reason},
            {"message", message}};
  if (object.contains("metadata") && object["metadata"].contains("generation")) {
    c["observedGeneration"] = object["metadata"]["generation"];
  }
  return c;
}

api::Condition MakeCondition(const std::string& type, const std::string& status,
                             const std::string& reason, const std::string& message,
                             const api::ObjectMeta& meta,
                             const std::vector<api::Condition>& conditions) {
  api::Condition c;
  c.type = type;
  c.status = status;
  c.reason = reason;
  c.message = message;
  c.observed_generation = meta.generation;
  c.last_transition_time = NowTime();
  for (const api::Condition& old : conditions) {
    if (old.type == type && old.status == status && !old.last_transition_time.empty()) {
      c.last_transition_time = old.last_transition_time;
    }
  }
  return c;
}

Json EncodeStatus(const api::AnyObject& object) {
  Json encoded = api::EncodeObject(object);
  return encoded.contains("status") ? encoded["status"] : Json::object();
}

Status PatchStatus(kube::Client& client, const kube::ResourceType& type,
                   const api::ObjectMeta& meta, const Json& old_status, const Json& status) {
  if (old_status == status) return Ok();
  Json patch = {{"status", status}};
  auto r = client.Do("PATCH",
                     kube::ObjectPath(type, meta.namespace_, meta.name, "status") +
                         "?fieldManager=" + kFieldManager,
                     &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return Ok();  // deleted meanwhile
  if (!r) return r.error();
  return Ok();
}

std::vector<std::string> OwnerUids(const api::ObjectMeta& meta) {
  std::vector<std::string> uids;
  for (const auto& ref : meta.owner_references) uids.push_back(ref.uid);
  return uids;
}

std::string ControllerName(const api::ObjectMeta& meta, const std::string& kind) {
  for (const auto& ref : meta.owner_references) {
    if (ref.kind == kind && ref.controller.value_or(false)) return ref.name;
  }
  return "";
}

std::string ConditionStatus(const std::vector<api::Condition>& conditions,
                            const std::string& type) {
  for (const auto& c : conditions) {
    if (c.type == type) return c.status;
  }
  return "";
}

void RecordEvent(kube::EventRecorder* events, const api::AnyObject& object, const std::string& type,
                 const std::string& reason, const std::string& message) {
  if (events) events->Record(api::EncodeObject(object), type, reason, message);
}

}  // namespace wcloud::operator_
