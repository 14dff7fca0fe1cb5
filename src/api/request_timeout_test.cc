#include "api/request_timeout.h"

#include <gtest/gtest.h>

namespace wcloud::api {
namespace {

using std::chrono::milliseconds;

TEST(RequestTimeoutTest, ParsesGoDurationsWithinBounds) {
  EXPECT_EQ(*ParseRequestTimeout("5s"), milliseconds(5000));
  EXPECT_EQ(*ParseRequestTimeout("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseRequestTimeout("1m30s"), milliseconds(90000));
  EXPECT_EQ(*ParseRequestTimeout("1h"), milliseconds(3600000));
  for (const char* bad : {"", "5", "fast", "-1s", "0", "500us", "61m", "2h"}) {
    EXPECT_FALSE(ParseRequestTimeout(bad)) << bad;
  }
  auto over = ParseRequestTimeout("2h");
  EXPECT_NE(over.error().message().find("at most 1h"), std::string::npos) << over.error().message();
}

TEST(RequestTimeoutTest, ReadsTheAnnotation) {
  EXPECT_EQ(*RequestTimeoutOf({}), std::nullopt);
  EXPECT_EQ(*RequestTimeoutOf({{"other", "x"}, {kRequestTimeoutAnnotation, "2s"}}),
            milliseconds(2000));
  auto bad = RequestTimeoutOf({{kRequestTimeoutAnnotation, "soon"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("annotation wcloud.dev/request-timeout"), std::string::npos)
      << bad.error().message();
}

}  // namespace
}  // namespace wcloud::api
