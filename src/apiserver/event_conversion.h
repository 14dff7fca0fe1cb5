// events.k8s.io/v1 Events are core v1 Events in another shape, as on a real server: one store
// (holding core Events), two representations. regarding is involvedObject, note is message,
// reportingController is reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count
// are source, firstTimestamp, lastTimestamp and count; the other fields share their names.
#pragma once

#include <optional>
#include <string>

#include "util/json.h"

namespace wcloud::apiserver {

// Each converts only an object in its source version (apiVersion "v1" or "events.k8s.io/v1")
// and returns anything else unchanged.
Json CoreEventToEventsV1(Json event);
Json EventsV1ToCoreEvent(Json event);

// The core Event field an events.k8s.io/v1 field selector's field reads ("regarding.name":
// "involvedObject.name"), or nullopt when events.k8s.io/v1 Events cannot be selected by it.
std::optional<std::string> CoreEventFieldLabel(const std::string& events_v1_field);

}  // namespace wcloud::apiserver
