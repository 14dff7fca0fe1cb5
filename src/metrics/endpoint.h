// The observability endpoints of a process: /metrics (`MetricsResponse`, also served by the API
// server of `wcloud up` on its own listener) and, on a listener of their own (--metrics-listen of
// `wcloud operator` and `wcloud host`), /metrics with /healthz, /livez and /readyz.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "metrics/health.h"
#include "metrics/registry.h"
#include "util/http_server.h"
#include "util/result.h"

namespace wcloud::metrics {

// A scrape of `registry`, with the text format's content type.
HttpResponse MetricsResponse(Registry& registry);

class Endpoint {
 public:
  // Serves plain HTTP on `listen` (host:port; port 0 picks one) until Stop or destruction.
  static Result<std::unique_ptr<Endpoint>> Start(const std::string& listen, Registry& registry,
                                                 const HealthChecks& health);
  ~Endpoint() { Stop(); }
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  uint16_t port() const { return http_->port(); }
  void Stop() { http_->Stop(); }

 private:
  Endpoint() = default;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace wcloud::metrics
