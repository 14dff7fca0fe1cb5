#include "util/timestamp.h"

#include <gtest/gtest.h>

namespace wcloud {
namespace {

TEST(TimestampTest, FormatsAndParsesBack) {
  auto t = WallClock::from_time_t(1795534417) + std::chrono::microseconds(123456);
  EXPECT_EQ(FormatTime(t), "2026-11-24T15:33:37Z");
  EXPECT_EQ(FormatMicroTime(t), "2026-11-24T15:33:37.123456Z");
  auto parsed = ParseTime("2026-11-24T15:33:37.123456Z");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, t);
  auto second = ParseTime(FormatTime(t));
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, WallClock::from_time_t(1795534417));
}

TEST(TimestampTest, Offsets) {
  auto utc = ParseTime("2026-11-24T14:53:37Z");
  auto plus = ParseTime("2026-11-24T16:53:37+02:00");
  auto minus = ParseTime("2026-11-24T09:53:37.0-05:00");
  ASSERT_TRUE(utc && plus && minus);
  EXPECT_EQ(*utc, *plus);
  EXPECT_EQ(*utc, *minus);
}

TEST(TimestampTest, RejectsMalformed) {
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24 14:53:37Z", "2026-13-24T14:53:37Z", "2026-11-24T14:53:37",
        "2026-11-24T14:53:37.Z", "2026-11-24T14:53:37Zjunk", "2026-11-24T14:53:37+0200"}) {
    EXPECT_FALSE(ParseTime(bad)) << bad;
  }
}

}  // namespace
}  // namespace wcloud
