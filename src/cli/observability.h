// What the commands share for observability: the NATS connection's state as a metric
// (wcloud_nats_connected) and a readiness check, and the --metrics-listen flag's endpoint.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "metrics/endpoint.h"
#include "metrics/health.h"
#include "metrics/registry.h"
#include "nats/connection.h"
#include "util/result.h"

namespace wcloud::cli {

// --metrics-listen HOST:PORT; off when empty.
void AddMetricsListenFlag(CLI::App& cmd, std::string& listen);

// wcloud_nats_connected, read at each scrape, and the readiness check "nats" when `health` is
// given. The connection must outlive the returned hook and the checks.
[[nodiscard]] metrics::ScrapeHook ObserveNats(metrics::Registry& registry,
                                              metrics::HealthChecks* health,
                                              const nats::Connection& nats);

// The endpoint on `listen`, or none when it is empty.
Result<std::unique_ptr<metrics::Endpoint>> StartMetricsEndpoint(
    const std::string& listen, metrics::Registry& registry, const metrics::HealthChecks& health);

}  // namespace wcloud::cli
