#include "cli/observability.h"

#include "prometheus/gauge.h"

namespace wcloud::cli {

void AddMetricsListenFlag(CLI::App& cmd, std::string& listen) {
  cmd.add_option("--metrics-listen", listen,
                 "serve /metrics, /healthz, /livez and /readyz over plain HTTP here, e.g. "
                 "127.0.0.1:8080 (off unless given)");
}

metrics::ScrapeHook ObserveNats(metrics::Registry& registry, metrics::HealthChecks* health,
                                const nats::Connection& nats) {
  prometheus::Gauge& connected =
      prometheus::BuildGauge()
          .Name("wcloud_nats_connected")
          .Help("1 while the NATS connection is up, 0 while it reconnects.")
          .Register(registry.families())
          .Add({});
  if (health) {
    health->AddReadiness("nats", [&nats]() -> Status {
      if (!nats.connected()) return Error("not connected to NATS " + nats.display_urls());
      return Ok();
    });
  }
  return registry.OnScrape([&connected, &nats] { connected.Set(nats.connected() ? 1 : 0); });
}

Result<std::unique_ptr<metrics::Endpoint>> StartMetricsEndpoint(
    const std::string& listen, metrics::Registry& registry, const metrics::HealthChecks& health) {
  if (listen.empty()) return std::unique_ptr<metrics::Endpoint>();
  auto endpoint = metrics::Endpoint::Start(listen, registry, health);
  if (!endpoint) return endpoint.error().Wrap("--metrics-listen " + listen);
  return endpoint;
}

}  // namespace wcloud::cli
