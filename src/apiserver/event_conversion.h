// events.k8s.io/v1 Events are core v1 Events in another shape, as on a real server: one store
// (holding core Events), two representations. regarding is involvedObject, note is message,
// reportingController is reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count
// are source, firstTimestamp, lastTimestamp and count; the other fields share their names.
#pragma once

#include <optional>
#include <string>

#include "api/field_error.h"
#include "util/json.h"

namespace wcloud::apiserver {

// Each converts only an object in its source version (apiVersion "v1" or "events.k8s.io/v1")
// and returns anything else unchanged.
Json CoreEventToEventsV1(Json event);
Json EventsV1ToCoreEvent(Json event);

// What the real server requires of an Event created through events.k8s.io/v1 (the core API keeps
// its legacy leniency): eventTime, reportingController, reportingInstance, action and reason set,
// type Normal or Warning, a note of at most 1 KiB, and a series with count >= 2.
api::FieldErrors ValidateEventsV1(const Json& event);

// The core Event field an events.k8s.io/v1 field selector's field reads ("regarding.name":
// "involvedObject.name"), or nullopt when events.k8s.io/v1 Events cannot be selected by it.
std::optional<std::string> CoreEventFieldLabel(const std::string& events_v1_field);

}  // namespace wcloud::apiserver
