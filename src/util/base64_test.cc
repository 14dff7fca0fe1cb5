#include "util/base64.h"

#include <gtest/gtest.h>

#include <vector>

namespace wcloud {
namespace {

TEST(Base64Test, RoundTripsAndRejectsJunk) {
  for (const std::string& s :
       std::vector<std::string>{"", "f", "fo", "foo", "user:pass", std::string("\0\xff\x10", 3)}) {
    auto back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_EQ(*Base64Decode("dXNl\ncjpw\nYXNz"), "user:pass");
  EXPECT_FALSE(Base64Decode("abc"));
  EXPECT_FALSE(Base64Decode("!!!!"));
}

}  // namespace
}  // namespace wcloud
