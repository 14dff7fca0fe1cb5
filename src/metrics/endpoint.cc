#include "metrics/endpoint.h"

namespace wcloud::metrics {

HttpResponse MetricsResponse(Registry& registry) {
  return HttpResponse::Text(200, registry.Scrape(), "text/plain; version=0.0.4; charset=utf-8");
}

Result<std::unique_ptr<Endpoint>> Endpoint::Start(const std::string& listen, Registry& registry,
                                                  const HealthChecks& health) {
  HttpServer::Options options;
  options.listen = listen;
  options.threads = 1;
  options.max_body_bytes = 4096;  // nothing here takes a body
  std::unique_ptr<Endpoint> endpoint(new Endpoint());
  WCLOUD_ASSIGN_OR_RETURN(
      endpoint->http_,
      HttpServer::Start(options, [&registry, &health](const HttpRequest& req) -> HttpResponse {
        if (req.method != "GET") {
          return HttpResponse::Text(405, "method not allowed\n");
        }
        if (req.path == "/metrics") return MetricsResponse(registry);
        if (auto answer = health.Serve(req)) return *answer;
        return HttpResponse::Text(404, "not found: " + req.path +
                                           " (try /metrics, /healthz, "
                                           "/readyz)\n");
      }));
  return endpoint;
}

}  // namespace wcloud::metrics
