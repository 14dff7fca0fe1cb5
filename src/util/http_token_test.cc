#include "util/http_token.h"

#include <gtest/gtest.h>

#include <string>

namespace wcloud {
namespace {

TEST(HttpToken, TakesExactlyRfc9110TokenCharacters) {
  const std::string tchar = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    const bool expected = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                          (c >= 'A' && c <= 'Z') ||
                          tchar.find(static_cast<char>(c)) != std::string::npos;
    EXPECT_EQ(IsHttpToken(std::string(1, static_cast<char>(c))), expected) << c;
  }
}

TEST(HttpToken, NamesAndMethods) {
  EXPECT_TRUE(IsHttpToken("Content-Type"));
  EXPECT_TRUE(IsHttpToken("x-b3-traceid"));
  EXPECT_TRUE(IsHttpToken("PURGE"));
  EXPECT_FALSE(IsHttpToken(""));
  EXPECT_FALSE(IsHttpToken("bad name"));
  EXPECT_FALSE(IsHttpToken("name:"));
  EXPECT_FALSE(IsHttpToken("x\r\ny"));
  EXPECT_FALSE(IsHttpToken(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace wcloud
