#include "host/restart_policy.h"

#include <gtest/gtest.h>

namespace wcloud::host {
namespace {

using std::chrono::milliseconds;
using Decision = RestartPolicy::Decision;

TEST(RestartPolicyTest, ExitZeroCompletesWithoutRestart) {
  RestartPolicy policy(3, {});
  EXPECT_EQ(policy.AfterExit(true).decision, Decision::kCompleted);
  EXPECT_EQ(policy.restarts(), 0u);
}

TEST(RestartPolicyTest, FailuresRestartWithDoublingBackoffThenFail) {
  RestartPolicy policy(3, {milliseconds(1000), milliseconds(60000)});
  for (const milliseconds want : {milliseconds(1000), milliseconds(2000), milliseconds(4000)}) {
    const RestartPolicy::Next next = policy.AfterExit(false);
    EXPECT_EQ(next.decision, Decision::kRestart);
    EXPECT_EQ(next.delay, want);
  }
  EXPECT_EQ(policy.AfterExit(false).decision, Decision::kFailed);
  EXPECT_EQ(policy.restarts(), 3u);
}

TEST(RestartPolicyTest, BackoffIsCapped) {
  RestartPolicy policy(10, {milliseconds(1000), milliseconds(3000)});
  milliseconds last{0};
  for (int i = 0; i < 10; ++i) last = policy.AfterExit(false).delay;
  EXPECT_EQ(last, milliseconds(3000));
}

TEST(RestartPolicyTest, ZeroMaxRestartsFailsOnTheFirstFailure) {
  RestartPolicy policy(0, {});
  EXPECT_EQ(policy.AfterExit(false).decision, Decision::kFailed);
  EXPECT_EQ(policy.restarts(), 0u);
}

TEST(RestartPolicyTest, ASuccessAfterRestartsCompletes) {
  RestartPolicy policy(5, {});
  EXPECT_EQ(policy.AfterExit(false).decision, Decision::kRestart);
  EXPECT_EQ(policy.AfterExit(true).decision, Decision::kCompleted);
  EXPECT_EQ(policy.restarts(), 1u);
}

}  // namespace
}  // namespace wcloud::host
