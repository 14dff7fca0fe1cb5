#include "util/random.h"

#include <gtest/gtest.h>

#include <regex>

namespace wcloud {
namespace {

TEST(RandomTest, HexAndUuidShapes) {
  EXPECT_EQ(RandomHex(16).size(), 32u);
  EXPECT_NE(RandomHex(16), RandomHex(16));
  std::string uuid = RandomUuid();
  EXPECT_TRUE(std::regex_match(
      uuid, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
      << uuid;
}

}  // namespace
}  // namespace wcloud
