// Which component answers a request: one ingress listener per address, shared by every
// workload replica on this host that serves on it (round-robin between replicas), and on each
// listener routes by Host header (`config.host`) with the unnamed route as the fallback. A
// listener closes when its last route goes.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/http_service.h"
#include "ingress/ingress_server.h"
#include "util/mutex.h"

namespace wcloud::host {

class HttpRouter {
 public:
  struct Options {
    int threads = 0;  // network threads per listener; 0: one per core
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  };

  HttpRouter(HttpService& service, Options options) : service_(service), options_(options) {}
  ~HttpRouter();
  HttpRouter(const HttpRouter&) = delete;
  HttpRouter& operator=(const HttpRouter&) = delete;

  // Serves `component` for `owner` (a workload key) on `address` ("0.0.0.0:8080"), for requests
  // whose Host is `host` (empty: any host no other route claims). Binds the listener if it is
  // the address's first route; an Error names the address when it cannot.
  Status Add(const std::string& owner, const std::string& address, const std::string& host,
             std::shared_ptr<const HttpComponent> component);
  // Removes every route of `owner`; closes listeners left without routes.
  void RemoveOwner(const std::string& owner);
  // The port a listener is bound to (for "0" ports), or 0.
  uint16_t PortOf(const std::string& address) const;
  void StopAll();

 private:
  struct Route {
    std::string owner;
    std::string host;  // lower case, without port; empty: the fallback
    std::shared_ptr<const HttpComponent> component;
  };
  struct Table {
    std::vector<Route> routes;
  };
  struct Listener {
    std::unique_ptr<ingress::IngressServer> server;
    std::shared_ptr<const Table> table;  // replaced whole under mu_, read by a copy
    std::atomic<uint64_t> next{0};       // round-robin between a host's replicas
  };

  void Dispatch(Listener& listener, ingress::Exchange exchange);
  std::shared_ptr<const Table> Snapshot(const Listener& listener) const;

  HttpService& service_;
  Options options_;
  mutable Mutex mu_;  // also guards each Listener's `table`
  std::map<std::string, std::unique_ptr<Listener>> listeners_ GUARDED_BY(mu_);  // by address
};

}  // namespace wcloud::host
