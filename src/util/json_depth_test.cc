#include "util/json_depth.h"

#include <gtest/gtest.h>

#include <string>

namespace wcloud {
namespace {

std::string Nested(size_t levels,
                   const std::string& open = "{\"a\":", const std::string& close = "}") {
  std::string s;
  for (size_t i = 0; i < levels; ++i) s += open;
  s += "1";
  for (size_t i = 0; i < levels; ++i) s += close;
  return s;
}

TEST(JsonDepth, AcceptsUpToTheLimitAndRefusesPastIt) {
  EXPECT_TRUE(CheckJsonDepth(Nested(10), 10));
  EXPECT_TRUE(CheckJsonDepth(Nested(10, "[", "]"), 10));
  auto deep = CheckJsonDepth(Nested(11, "[", "]"), 10);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().message(), "nested deeper than 10 levels (at byte 10)");
  EXPECT_FALSE(CheckJsonDepth(Nested(100000)));
  EXPECT_TRUE(CheckJsonDepth(Nested(kMaxJsonDepth)));
}

TEST(JsonDepth, BracketsInStringsDoNotCount) {
  EXPECT_TRUE(CheckJsonDepth(R"({"a": "[[[[{{{{", "b": "\"[[[[\\"})", 1));
  EXPECT_FALSE(CheckJsonDepth(R"({"a": "\"", "b": [1]})", 1));
  // Siblings do not add up.
  EXPECT_TRUE(CheckJsonDepth("[[1],[2],[3],{\"a\":[4]}]", 3));
}

}  // namespace
}  // namespace wcloud
