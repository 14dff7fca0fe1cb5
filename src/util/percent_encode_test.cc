#include "util/percent_encode.h"

#include <gtest/gtest.h>

namespace wcloud {
namespace {

TEST(PercentEncode, KeepsUnreservedBytesAndEncodesTheRest) {
  EXPECT_EQ(PercentEncode("app-1_x.y~z"), "app-1_x.y~z");
  EXPECT_EQ(PercentEncode("app in (a,b),tier!=db"), "app%20in%20%28a%2Cb%29%2Ctier%21%3Ddb");
  EXPECT_EQ(PercentEncode("a/b?c&d=e#f"), "a%2Fb%3Fc%26d%3De%23f");
  EXPECT_EQ(PercentEncode("\xc3\xa9"), "%C3%A9");  // bytes, never locale-dependent letters
  EXPECT_EQ(PercentEncode(""), "");
}

}  // namespace
}  // namespace wcloud
