// A connection to NATS (core publish, request/reply and subscriptions) over libnats, for the
// rest of wcloud: no libnats type shows above this header.
//
// Once connected it reconnects on its own, with backoff and forever, and keeps its
// subscriptions across reconnects; only the first connect fails, so a bad URL or bad
// credentials are an Error at start-up rather than a silent retry loop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::nats {

struct ConnectOptions {
  std::vector<std::string> urls;  // "nats://127.0.0.1:4222", "tls://..."; at least one
  std::string name;               // the client name the server shows
  // Authentication: a .creds file (user JWT + seed), a file holding a user NKey seed ("SU..."),
  // user and password, or a token.
  std::string credentials_file;
  std::string nkey_seed_file;
  std::string user, password, token;
  // TLS: a CA bundle to trust, and a client certificate with its key for mutual TLS. Setting
  // any of them requires TLS.
  std::string tls_ca_file, tls_cert_file, tls_key_file;
  std::chrono::milliseconds connect_timeout{5000};
  // Told false when the connection drops and true when it is back; runs on libnats' callback
  // thread, never during ~Connection. May be empty.
  std::function<void(bool connected)> on_state;
};

class Connection {
 public:
  // Runs on the subscription's own delivery thread (libnats starts one per subscription), one
  // message at a time; `reply` is empty when the sender wants none.
  using MessageHandler = std::function<void(const std::string& subject, std::string_view data,
                                            const std::string& reply)>;

  // Interest in a subject. Destroying it unsubscribes and waits until its handler is no longer
  // running, so what the handler uses may be destroyed next; it must therefore not be destroyed
  // from its own handler.
  class Subscription {
   public:
    ~Subscription();
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    struct State;  // libnats' side, in connection.cc

   private:
    friend class Connection;
    explicit Subscription(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };

  // Connects to one of `options.urls`. Fails naming the URLs and libnats' reason: kUnavailable
  // when no server answers ("nats://127.0.0.1:1: no server available for connection"),
  // kUnauthenticated when the server refuses the credentials ("authorization violation"),
  // kInvalidArgument for unusable options (no URL, an unreadable NKey seed file).
  static Result<std::unique_ptr<Connection>> Connect(const ConnectOptions& options);
  // Closes the connection (pending publishes are flushed briefly). Subscriptions should be
  // destroyed first; one that outlives its connection is closed and only waits to be destroyed.
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // While disconnected, publishes are buffered (up to libnats' reconnect buffer) and sent after
  // the reconnect.
  Status Publish(const std::string& subject, std::string_view data);
  // The reply's payload. kDeadlineExceeded when no reply came within `timeout`, kUnavailable
  // when nobody subscribes to `subject` ("no responders"), while disconnected (at once, rather
  // than waiting out the timeout) or when the connection drops meanwhile.
  Result<std::string> Request(const std::string& subject, std::string_view data,
                              std::chrono::milliseconds timeout);
  Result<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                  MessageHandler handler);
  // True while connected (false while reconnecting).
  bool connected() const;
  // Waits until the server has processed everything sent so far (subscriptions included).
  Status Flush(std::chrono::milliseconds timeout);
  // The URLs as given, with any user:password@ taken out, for messages.
  const std::string& display_urls() const;

  struct State;  // libnats' side, in connection.cc

 private:
  friend struct ConnectionInternals;  // connection_internal.h's NativeHandle
  explicit Connection(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace wcloud::nats
