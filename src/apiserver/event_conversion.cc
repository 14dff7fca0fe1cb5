#include "apiserver/event_conversion.h"

#include <array>
#include <string_view>
#include <utility>

namespace wcloud::apiserver {
namespace {

// {core v1 field, events.k8s.io/v1 field} for the fields whose names differ.
constexpr std::array<std::pair<const char*, const char*>, 7> kRenamed = {{
    {"involvedObject", "regarding"},
    {"message", "note"},
    {"reportingComponent", "reportingController"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
}};

Json Convert(Json event, const char* from_version, const char* to_version, bool to_core) {
  if (!event.is_object() || event.value("apiVersion", "") != from_version) return event;
  Json out = Json::object();
  for (auto it = event.begin(); it != event.end(); ++it) {
    std::string name = it.key();
    for (const auto& [core, v1] : kRenamed) {
      if (name == (to_core ? v1 : core)) {
        name = to_core ? core : v1;
        break;
      }
    }
    out[name] = std::move(it.value());
  }
  out["apiVersion"] = to_version;
  return out;
}

}  // namespace

Json CoreEventToEventsV1(Json event) {
  return Convert(std::move(event), "v1", "events.k8s.io/v1", false);
}

Json EventsV1ToCoreEvent(Json event) {
  return Convert(std::move(event), "events.k8s.io/v1", "v1", true);
}

api::FieldErrors ValidateEventsV1(const Json& event) {
  api::FieldErrors errors;
  auto text = [&](const char* field) -> std::string {
    auto it = event.find(field);
    if (it == event.end() || it->is_null()) return "";
    if (!it->is_string()) {
      errors.push_back({field, "expected string"});
      return "";
    }
    return it->get<std::string>();
  };
  for (const char* field :
       {"eventTime", "reportingController", "reportingInstance", "action", "reason"}) {
    std::string value = text(field);
    if (value.empty()) {
      errors.push_back({field, "Required value"});
    } else if (value.size() > 128 && std::string_view(field) != "eventTime") {
      errors.push_back({field, "Too long: may not be more than 128 bytes"});
    }
  }
  if (std::string type = text("type"); type != "Normal" && type != "Warning") {
    errors.push_back(
        {"type", "Unsupported value: \"" + type + "\": supported values: \"Normal\", \"Warning\""});
  }
  if (text("note").size() > 1024) {
    errors.push_back({"note", "Too long: may not be more than 1024 bytes"});
  }
  if (auto series = event.find("series"); series != event.end() && !series->is_null()) {
    if (!series->is_object()) {
      errors.push_back({"series", "expected object"});
    } else {
      auto count = series->find("count");
      if (count == series->end() || !count->is_number_integer() || count->get<int64_t>() < 2) {
        errors.push_back({"series.count", "Invalid value: should be at least 2"});
      }
      auto last = series->find("lastObservedTime");
      if (last == series->end() || !last->is_string() || last->get<std::string>().empty()) {
        errors.push_back({"series.lastObservedTime", "Required value"});
      }
    }
  }
  return errors;
}

std::optional<std::string> CoreEventFieldLabel(const std::string& events_v1_field) {
  static constexpr std::string_view kRegarding = "regarding.";
  if (events_v1_field.rfind(kRegarding, 0) == 0) {
    std::string rest = events_v1_field.substr(kRegarding.size());
    for (const char* f :
         {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"}) {
      if (rest == f) return "involvedObject." + rest;
    }
    return std::nullopt;
  }
  if (events_v1_field == "reportingController") return "reportingComponent";
  for (const char* same : {"reason", "type", "metadata.name", "metadata.namespace"}) {
    if (events_v1_field == same) return events_v1_field;
  }
  return std::nullopt;
}

}  // namespace wcloud::apiserver
