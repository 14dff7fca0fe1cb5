// For the nats layer's own clients built on libnats (the object store): the libnats connection
// behind a Connection. Not for other layers, which see no libnats type.
#pragma once

#include <nats/nats.h>

#include "nats/connection.h"

namespace wcloud::nats {

// Owned by `connection`; valid while it lives. libnats reconnects it on its own.
natsConnection* NativeHandle(Connection& connection);

}  // namespace wcloud::nats
