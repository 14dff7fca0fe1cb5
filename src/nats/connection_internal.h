// For the nats layer's own clients built on libnats (the object store): the libnats connection
// behind a Connection, libnats' words for a status, and the bookkeeping every asynchronous
// subscription needs. Not for other layers, which see no libnats type.
#pragma once

#include <nats/nats.h>

#include <string>
#include <thread>

#include "nats/connection.h"
#include "util/mutex.h"

namespace wcloud::nats {

// Owned by `connection`; valid while it lives. libnats reconnects it on its own.
natsConnection* NativeHandle(Connection& connection);

// libnats' words for `s`, with the detail it recorded for this thread when that is about `s`
// ("Authorization Violation" behind NATS_CONNECTION_AUTH_FAILED, the server's description of a
// JetStream error), as the rest of a message: "no server available for connection".
std::string Describe(natsStatus s);

// An asynchronous subscription and libnats' delivery thread: which thread delivers (so it is
// never closed from its own handler) and whether libnats' completion callback has run (after
// which no handler call follows, so what the handler uses may go).
class AsyncDelivery {
 public:
  // Before each message, on the delivery thread.
  void Entering();
  // For natsSubscription_SetOnCompleteCB, with this AsyncDelivery as the closure.
  static void OnComplete(void* closure);
  // Unsubscribes `sub`, waits for the completion callback, destroys it. Not from the handler.
  void Close(natsSubscription* sub);

 private:
  Mutex mu_;
  CondVar cv_;
  bool done_ GUARDED_BY(mu_) = false;
  std::thread::id thread_ GUARDED_BY(mu_);
};

}  // namespace wcloud::nats
