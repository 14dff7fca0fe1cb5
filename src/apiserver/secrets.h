// What Kubernetes' Secret strategy does on every write: stringData merged into base64 data and
// never stored, type defaulted to Opaque, data that must be base64 checked, and the keys a typed
// Secret must carry (a pull secret's .dockerconfigjson, a TLS secret's tls.crt and tls.key, …).
#pragma once

#include "api/field_error.h"
#include "util/json.h"

namespace wcloud::apiserver {

// Normalizes `secret` in place; what is wrong goes to `errors`, each naming its field.
void NormalizeSecret(Json& secret, api::FieldErrors& errors);

}  // namespace wcloud::apiserver
