#include "host/http_router.h"

#include <algorithm>
#include <cctype>

namespace wcloud::host {
namespace {

std::string HostOnly(std::string_view authority) {
  std::string host(authority);
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = host.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

Result<std::pair<std::string, uint16_t>> SplitAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return Error("address " + address + ": expected HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  char* end = nullptr;
  const long port = std::strtol(address.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 0 || port > 65535) {
    return Error("address " + address + ": not a port");
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

}  // namespace

HttpRouter::~HttpRouter() { StopAll(); }

std::shared_ptr<const HttpRouter::Table> HttpRouter::Snapshot(const Listener& listener) const {
  MutexLock lock(mu_);
  return listener.table;
}

void HttpRouter::Dispatch(Listener& listener, ingress::Exchange exchange) {
  std::shared_ptr<const Table> table = Snapshot(listener);
  const std::string host = HostOnly(exchange.request().authority);
  std::vector<const Route*> matches;
  for (const Route& r : table->routes) {
    if (!r.host.empty() && r.host == host) matches.push_back(&r);
  }
  if (matches.empty()) {
    for (const Route& r : table->routes) {
      if (r.host.empty()) matches.push_back(&r);
    }
  }
  if (matches.empty()) {
    auto& response = exchange.response();
    const std::string body = "no workload serves " + (host.empty() ? "this address" : host) + "\n";
    ingress::HeaderList headers{{"content-type", "text/plain; charset=utf-8"}};
    headers.Add("content-length", std::to_string(body.size()));
    if (response.Start(404, headers) && response.Write(body)) (void)response.Finish();
    return;
  }
  const Route* route = matches[listener.next++ % matches.size()];
  service_.Handle(std::move(exchange), route->component);
}

Status HttpRouter::Add(const std::string& owner, const std::string& address,
                       const std::string& host, std::shared_ptr<const HttpComponent> component) {
  MutexLock lock(mu_);
  auto it = listeners_.find(address);
  if (it == listeners_.end()) {
    WCLOUD_ASSIGN_OR_RETURN(auto split, SplitAddress(address));
    auto listener = std::make_unique<Listener>();
    listener->table = std::make_shared<Table>();
    ingress::IngressOptions options;
    options.host = split.first;
    options.port = split.second;
    options.threads = options_.threads;
    // Workers answer 504 at each component's own timeout; the server's limit is a backstop.
    options.request_timeout = options_.request_timeout + std::chrono::seconds(5);
    Listener* raw = listener.get();
    // Binding happens under the lock: a second Add for the same address waits for this one.
    auto server = ingress::IngressServer::Start(
        options, [this, raw](ingress::Exchange exchange) { Dispatch(*raw, std::move(exchange)); });
    if (!server) return server.error().Wrap("listening on " + address);
    listener->server = std::move(*server);
    it = listeners_.emplace(address, std::move(listener)).first;
  }
  auto table = std::make_shared<Table>(*it->second->table);
  table->routes.push_back(Route{owner, HostOnly(host), std::move(component)});
  it->second->table = std::move(table);
  return Ok();
}

void HttpRouter::RemoveOwner(const std::string& owner) {
  std::vector<std::unique_ptr<Listener>> closing;
  {
    MutexLock lock(mu_);
    for (auto it = listeners_.begin(); it != listeners_.end();) {
      auto table = std::make_shared<Table>(*it->second->table);
      std::erase_if(table->routes, [&](const Route& r) { return r.owner == owner; });
      it->second->table = table;
      if (table->routes.empty()) {
        closing.push_back(std::move(it->second));
        it = listeners_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock: draining waits for exchanges that may be dispatching right now.
  for (auto& listener : closing) listener->server->Stop(std::chrono::seconds(5));
}

uint16_t HttpRouter::PortOf(const std::string& address) const {
  MutexLock lock(mu_);
  auto it = listeners_.find(address);
  return it == listeners_.end() ? 0 : it->second->server->port();
}

void HttpRouter::StopAll() {
  std::map<std::string, std::unique_ptr<Listener>> closing;
  {
    MutexLock lock(mu_);
    closing.swap(listeners_);
  }
  for (auto& [address, listener] : closing) listener->server->Stop(std::chrono::seconds(5));
}

}  // namespace wcloud::host
