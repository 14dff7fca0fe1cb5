#include "operator/guest_failures.h"

#include <gtest/gtest.h>

namespace wcloud::operator_ {
namespace {

api::Workload WithFailures(int64_t traps, int64_t deadlines, int64_t memory) {
  api::Workload w;
  w.metadata.name = "w";
  w.metadata.namespace_ = "default";
  w.status.guest_failures = api::GuestFailures{.traps = traps,
                                               .deadline_exceeded = deadlines,
                                               .memory_limit = memory,
                                               .last_failure_time = "2026-12-07T20:00:00Z",
                                               .last_failure_message = "before"};
  return w;
}

hostapi::GuestFailures Reported(uint64_t traps, uint64_t deadlines, uint64_t memory) {
  return {.traps = traps,
          .deadline_exceeded = deadlines,
          .memory_limit = memory,
          .last_time = "2026-12-07T21:00:00Z",
          .last_message = "component c: GET /: trapped"};
}

TEST(GuestFailuresTest, NothingFailedNothingShows) {
  api::Workload w;
  const GuestFailureReport report = ReportGuestFailures(w, true, std::nullopt);
  EXPECT_FALSE(report.failures);
  EXPECT_FALSE(report.event);
}

TEST(GuestFailuresTest, AHostThatDidNotAnswerLeavesTheCounts) {
  api::Workload w = WithFailures(3, 1, 0);
  const GuestFailureReport report = ReportGuestFailures(w, false, std::nullopt);
  EXPECT_EQ(report.failures, w.status.guest_failures);
  EXPECT_FALSE(report.event);
}

TEST(GuestFailuresTest, AnAnswerWithoutFailuresClearsThem) {
  // A new start (another host, another revision) counts from nothing.
  api::Workload w = WithFailures(3, 1, 0);
  EXPECT_FALSE(ReportGuestFailures(w, true, std::nullopt).failures);
}

TEST(GuestFailuresTest, RisingCountsAreOneWarningNamedByTheWorst) {
  api::Workload w = WithFailures(3, 1, 0);
  GuestFailureReport report = ReportGuestFailures(w, true, Reported(5, 1, 0));
  ASSERT_TRUE(report.failures);
  EXPECT_EQ(report.failures->traps, 5);
  EXPECT_EQ(report.failures->deadline_exceeded, 1);
  EXPECT_EQ(report.failures->last_failure_message, "component c: GET /: trapped");
  ASSERT_TRUE(report.event);
  EXPECT_EQ(report.event->reason, "GuestTrapped");
  EXPECT_EQ(report.event->message, "2 request(s) trapped; the last: component c: GET /: trapped");

  report = ReportGuestFailures(w, true, Reported(4, 3, 0));
  ASSERT_TRUE(report.event);
  EXPECT_EQ(report.event->reason, "DeadlineExceeded");
  EXPECT_EQ(report.event->message.rfind("2 request(s) stopped at the request deadline", 0), 0u);

  report = ReportGuestFailures(w, true, Reported(4, 3, 1));
  ASSERT_TRUE(report.event);
  EXPECT_EQ(report.event->reason, "MemoryLimitExceeded");

  // The same counts again: no new Event.
  EXPECT_FALSE(ReportGuestFailures(w, true, Reported(3, 1, 0)).event);
}

TEST(GuestFailuresTest, CountsBelowTheShownOnesAreANewStart) {
  api::Workload w = WithFailures(10, 0, 0);
  GuestFailureReport report = ReportGuestFailures(w, true, Reported(2, 0, 0));
  EXPECT_EQ(report.failures->traps, 2);
  ASSERT_TRUE(report.event);
  EXPECT_EQ(report.event->message.rfind("2 request(s) trapped", 0), 0u);
}

}  // namespace
}  // namespace wcloud::operator_
