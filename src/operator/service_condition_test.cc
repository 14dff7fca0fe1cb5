#include "operator/service_condition.h"

#include <gtest/gtest.h>

namespace wcloud::operator_ {
namespace {

api::Workload WithService(int32_t max_restarts) {
  api::Workload w;
  w.metadata.name = "w";
  w.metadata.namespace_ = "default";
  api::Service service;
  service.image = "ghcr.io/example/svc:1";
  service.max_restarts = max_restarts;
  w.spec.service = service;
  return w;
}

TEST(ServiceConditionTest, AWorkloadWithoutAServiceGetsNoCondition) {
  api::Workload w;
  const ServiceReport report = ReportService(w, hostapi::ServiceStatus{"Running", 0, ""});
  EXPECT_FALSE(report.condition);
  EXPECT_FALSE(report.restarts);
  EXPECT_FALSE(report.event);
}

TEST(ServiceConditionTest, UnreportedIsUnknownAndKeepsTheCount) {
  api::Workload w = WithService(3);
  w.status.service_restarts = 2;
  const ServiceReport report = ReportService(w, std::nullopt);
  ASSERT_TRUE(report.condition);
  EXPECT_EQ(report.condition->type, "ServiceReady");
  EXPECT_EQ(report.condition->status, "Unknown");
  EXPECT_EQ(report.restarts, 2);
  EXPECT_FALSE(report.event);
}

TEST(ServiceConditionTest, ARisingRestartCountIsABackOffEvent) {
  api::Workload w = WithService(3);
  w.status.service_restarts = 1;
  const ServiceReport report =
      ReportService(w, hostapi::ServiceStatus{"BackOff", 2, "exited with status 1"});
  EXPECT_EQ(report.condition->status, "False");
  EXPECT_EQ(report.condition->reason, "BackOff");
  EXPECT_EQ(report.restarts, 2);
  ASSERT_TRUE(report.event);
  EXPECT_EQ(report.event->type, "Warning");
  EXPECT_EQ(report.event->reason, "BackOff");
  EXPECT_NE(report.event->message.find("2 of 3"), std::string::npos) << report.event->message;

  // Seen again with the same count: nothing new to record.
  w.status.service_restarts = 2;
  w.status.conditions = {*report.condition};
  EXPECT_FALSE(ReportService(w, hostapi::ServiceStatus{"Running", 2, ""}).event);
}

TEST(ServiceConditionTest, FailedAndCompletedAreRecordedOnce) {
  api::Workload w = WithService(2);
  w.status.service_restarts = 2;
  ServiceReport failed = ReportService(w, hostapi::ServiceStatus{"Failed", 2, "trapped: x"});
  EXPECT_EQ(failed.condition->reason, "Failed");
  EXPECT_EQ(failed.condition->status, "False");
  ASSERT_TRUE(failed.event);
  EXPECT_EQ(failed.event->reason, "Failed");
  w.status.conditions = {*failed.condition};
  EXPECT_FALSE(ReportService(w, hostapi::ServiceStatus{"Failed", 2, "trapped: x"}).event);

  api::Workload once = WithService(0);
  ServiceReport completed = ReportService(once, hostapi::ServiceStatus{"Completed", 0, ""});
  EXPECT_EQ(completed.condition->reason, "Completed");
  ASSERT_TRUE(completed.event);
  EXPECT_EQ(completed.event->type, "Normal");
  EXPECT_EQ(completed.restarts, 0);
}

TEST(ServiceConditionTest, RunningIsReady) {
  const ServiceReport report =
      ReportService(WithService(1), hostapi::ServiceStatus{"Running", 0, ""});
  EXPECT_EQ(report.condition->status, "True");
  EXPECT_EQ(report.condition->reason, "Running");
  EXPECT_FALSE(report.event);
}

}  // namespace
}  // namespace wcloud::operator_
