#include "host/host_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/registry.h"

namespace wcloud::host {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

const char kLabels[] = "component=\"web\",namespace=\"ns\",workload=\"hello\"";

TEST(HostMetricsTest, RequestsCountByStatusClassWithTheirLatency) {
  metrics::Registry registry;
  HostMetrics host(registry);
  auto web = host.ForComponent({"ns", "hello", "web"});
  web->RequestStarted();
  web->RequestStarted();
  EXPECT_THAT(registry.Scrape(),
              HasSubstr("wcloud_http_requests_in_flight{" + std::string(kLabels) + "} 2\n"));
  web->RequestFinished(204, 3ms);
  web->RequestFinished(503, 200ms);
  const std::string text = registry.Scrape();
  const std::string labels = kLabels;
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"2xx\"," + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"4xx\"," + labels + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"5xx\"," + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_in_flight{" + labels + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_request_duration_seconds_count{" + labels + "} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_request_duration_seconds_bucket{" + labels +
                              ",le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_request_duration_seconds_bucket{" + labels +
                              ",le=\"0.25\"} 2\n"));
}

TEST(HostMetricsTest, InstancesAndTheirMemoryFollowThePools) {
  metrics::Registry registry;
  HostMetrics host(registry);
  auto web = host.ForComponent({"ns", "hello", "web"});
  web->InstanceCreated(100us, 1 << 20);
  web->InstanceCreated(100us, 1 << 20);
  web->IdleAdded();
  web->InstanceReset();
  web->InstanceDropped(1 << 20, /*used=*/true);
  web->Trapped();
  web->DeadlineKilled();
  const std::string text = registry.Scrape();
  const std::string labels = kLabels;
  EXPECT_THAT(text, HasSubstr("wcloud_instances{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instances_idle{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instances_created_total{" + labels + "} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instance_resets_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instances_discarded_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instantiation_duration_seconds_count{" + labels + "} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_guest_memory_bytes{" + labels + "} 1048576\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_guest_traps_total{" + labels + "} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_guest_deadline_kills_total{" + labels + "} 1\n"));
}

TEST(HostMetricsTest, HoldersOfTheSameLabelsShareSeriesRemovedWithTheLast) {
  metrics::Registry registry;
  HostMetrics host(registry);
  auto old_revision = host.ForComponent({"ns", "hello", "web"});
  auto other = host.ForComponent({"ns", "other", "web"});
  old_revision->RequestStarted();
  old_revision->RequestFinished(200, 1ms);
  auto new_revision = host.ForComponent({"ns", "hello", "web"});
  EXPECT_EQ(new_revision, old_revision);
  old_revision.reset();
  new_revision->RequestStarted();
  new_revision->RequestFinished(200, 1ms);
  EXPECT_THAT(registry.Scrape(), HasSubstr("wcloud_http_requests_total{code=\"2xx\"," +
                                           std::string(kLabels) + "} 2\n"));
  new_revision.reset();
  const std::string text = registry.Scrape();
  EXPECT_THAT(text, Not(HasSubstr("workload=\"hello\"")));
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"2xx\",component=\"web\","
                              "namespace=\"ns\",workload=\"other\"} 0\n"));
  // The labels again: new series from zero.
  auto again = host.ForComponent({"ns", "hello", "web"});
  EXPECT_THAT(registry.Scrape(), HasSubstr("wcloud_http_requests_total{code=\"2xx\"," +
                                           std::string(kLabels) + "} 0\n"));
}

}  // namespace
}  // namespace wcloud::host
