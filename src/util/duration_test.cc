#include "util/duration.h"

#include <gtest/gtest.h>

namespace wcloud {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesGoDurations) {
  EXPECT_EQ(*ParseDuration("500ms"), 500ms);
  EXPECT_EQ(*ParseDuration("2s"), 2s);
  EXPECT_EQ(*ParseDuration("1m30s"), 90s);
  EXPECT_EQ(*ParseDuration("1.5h"), 90min);
  EXPECT_EQ(*ParseDuration("250us"), 250us);
  EXPECT_EQ(*ParseDuration("0"), 0ns);
  EXPECT_EQ(*ParseDuration(".5s"), 500ms);
}

TEST(DurationTest, RefusesWhatGoRefuses) {
  for (const char* text : {"", "5", "s", "-1s", "1x", "1..5s", "1s ", "1e3s"}) {
    auto d = ParseDuration(text);
    ASSERT_FALSE(d) << text;
    EXPECT_NE(d.error().message().find("duration \"" + std::string(text) + "\""), std::string::npos)
        << d.error().message();
  }
}

}  // namespace
}  // namespace wcloud
