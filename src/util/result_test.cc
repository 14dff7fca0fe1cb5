#include "util/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace wcloud {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return Error("value: must be positive, got " + std::to_string(v));
  return v;
}

Result<int> Doubled(int v) {
  WCLOUD_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  WCLOUD_TRY_STATUS(ParsePositive(v));
  return Ok();
}

TEST(ResultTest, CarriesValueOrError) {
  auto good = ParsePositive(3);
  ASSERT_TRUE(good);
  EXPECT_EQ(*good, 3);
  auto bad = ParsePositive(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "value: must be positive, got -1");
}

TEST(ResultTest, MacrosPropagate) {
  EXPECT_EQ(*Doubled(4), 8);
  EXPECT_FALSE(Doubled(0));
  EXPECT_TRUE(Check(1));
  EXPECT_EQ(Check(0).error().message(), "value: must be positive, got 0");
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultTest, WrapAddsContext) {
  EXPECT_EQ(Error("bad").Wrap("file.yaml").message(), "file.yaml: bad");
}

}  // namespace
}  // namespace wcloud
