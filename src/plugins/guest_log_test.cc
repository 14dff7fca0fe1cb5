#include "plugins/guest_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>
#include <vector>

namespace wcloud::plugins {
namespace {

using Clock = TokenBucket::Clock;

TEST(TokenBucketTest, BurstThenRefill) {
  auto t0 = Clock::now();
  TokenBucket b(10, 3, t0);
  EXPECT_TRUE(b.TryTake(t0));
  EXPECT_TRUE(b.TryTake(t0));
  EXPECT_TRUE(b.TryTake(t0));
  EXPECT_FALSE(b.TryTake(t0));
  EXPECT_FALSE(b.TryTake(t0 + std::chrono::milliseconds(50)));  // half a token
  EXPECT_TRUE(b.TryTake(t0 + std::chrono::milliseconds(100)));
  EXPECT_FALSE(b.TryTake(t0 + std::chrono::milliseconds(100)));
  // Idle time refills up to the burst, not beyond.
  auto later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.TryTake(later));
  EXPECT_FALSE(b.TryTake(later));
}

class GuestLogTest : public ::testing::Test {
 protected:
  GuestLogTest() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    logger_ = std::make_shared<spdlog::logger>("test", sink);
    logger_->set_pattern("%l|%v");
    logger_->set_level(spdlog::level::trace);
  }
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(GuestLogTest, LinesCarryWorkloadComponentLevelAndAreEscapedAndRedacted) {
  EnvironmentInputs env;
  env.secrets = {{{"token", "t0ps3cret"}}};
  auto config = std::make_shared<const RuntimeConfig>(api::StringMap{}, api::StringMap{}, env);
  auto log = std::make_shared<GuestLog>(logger_, "ns/app", "api", config);
  GuestLog::Instance instance(log);
  EXPECT_TRUE(instance.Log(GuestLevel::kWarn, "db", "token is t0ps3cret\nFAKE|line"));
  EXPECT_TRUE(instance.Log(GuestLevel::kCritical, "", "down"));
  EXPECT_EQ(
      out_.str(),
      "warning|guest workload=ns/app component=api context=db: token is [redacted]\\nFAKE|line\n"
      "critical|guest workload=ns/app component=api context=: down\n");
}

TEST_F(GuestLogTest, LinesThatGetThroughAreCopiedEscapedAndRedacted) {
  EnvironmentInputs env;
  env.secrets = {{{"token", "t0ps3cret"}}};
  auto config = std::make_shared<const RuntimeConfig>(api::StringMap{}, api::StringMap{}, env);
  std::vector<std::string> copied;
  GuestLogOptions options{.lines_per_second = 1, .burst = 1};
  options.copy_to = [&](GuestLevel level, std::string_view context, std::string_view text) {
    copied.push_back(std::string(GuestLevelName(level)) + "|" + std::string(context) + "|" +
                     std::string(text));
  };
  auto log = std::make_shared<GuestLog>(logger_, "ns/app", "api", config, options);
  GuestLog::Instance instance(log);
  const auto t0 = Clock::now();
  EXPECT_TRUE(instance.Log(GuestLevel::kInfo, "db", "token t0ps3cret\n", t0));
  EXPECT_FALSE(instance.Log(GuestLevel::kInfo, "db", "dropped", t0));
  EXPECT_EQ(copied, (std::vector<std::string>{"info|db|token [redacted]\\n"}));
}

TEST_F(GuestLogTest, RateLimitDropsAndCountsAndReportsDrops) {
  auto log = std::make_shared<GuestLog>(logger_, "ns/app", "api", nullptr,
                                        GuestLogOptions{.lines_per_second = 1, .burst = 5});
  GuestLog::Instance a(log);
  GuestLog::Instance b(log);
  auto now = Clock::now();
  int written = 0;
  for (int i = 0; i < 1000; ++i) written += a.Log(GuestLevel::kInfo, "", "flood", now);
  EXPECT_EQ(written, 5);
  EXPECT_EQ(a.dropped(), 995u);
  // Another instance has its own bucket.
  EXPECT_TRUE(b.Log(GuestLevel::kInfo, "", "b", now));
  EXPECT_EQ(log->dropped(), 995u);
  out_.str("");
  EXPECT_TRUE(a.Log(GuestLevel::kInfo, "", "back", now + std::chrono::seconds(2)));
  EXPECT_NE(out_.str().find("back (995 lines dropped before)"), std::string::npos) << out_.str();
}

TEST(EscapeLogTextTest, ControlCharactersAndLength) {
  EXPECT_EQ(EscapeLogText("a\tb\x01\x7f", 100), "a\\tb\\x01\\x7f");
  EXPECT_EQ(EscapeLogText("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace wcloud::plugins
