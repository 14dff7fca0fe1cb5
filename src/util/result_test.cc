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

TEST(ResultTest, WrapAddsContextAndKeepsCodeAndDetails) {
  EXPECT_EQ(Error("bad").Wrap("file.yaml").message(), "file.yaml: bad");
  Error exit("the guest exited with status 3", ErrorCode::kAborted,
             ErrorDetails::Guest(GuestStop::kExit, 3));
  Error wrapped = exit.Wrap("component web");
  EXPECT_EQ(wrapped.code(), ErrorCode::kAborted);
  EXPECT_EQ(wrapped.details(), ErrorDetails::Guest(GuestStop::kExit, 3));
  EXPECT_EQ(Error("x").code(), ErrorCode::kUnknown);
}

TEST(ResultTest, EveryCodeHasItsName) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kNotFound), "NotFound");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kDeadlineExceeded), "DeadlineExceeded");
  for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    const auto name = ErrorCodeName(static_cast<ErrorCode>(c));
    EXPECT_TRUE(c == 0 || name != "Unknown") << c;
  }
}

}  // namespace
}  // namespace wcloud
