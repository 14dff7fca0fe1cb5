#include "util/leb128.h"

#include <gtest/gtest.h>

#include <vector>

namespace wcloud {
namespace {

LebRead Read(const std::vector<uint8_t>& b, int bits) {
  return ReadLeb128(b.data(), b.data() + b.size(), bits);
}

TEST(Leb128, ReadsTheValueAndItsLength) {
  EXPECT_EQ(Read({0x00}, 32).value, 0u);
  LebRead r = Read({0xe5, 0x8e, 0x26, 0xff}, 32);  // 624485, then another byte
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 624485u);
  EXPECT_EQ(r.length, 3u);
  // Padded with continuation bytes up to the width's limit is still well-formed.
  r = Read({0x80, 0x80, 0x80, 0x80, 0x00}, 32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 0u);
  r = Read({0xff, 0xff, 0xff, 0xff, 0x0f}, 32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 0xffffffffu);
  r = Read({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, ~uint64_t{0});
}

TEST(Leb128, FailuresSayWhatAndWhere) {
  LebRead r = Read({0x80, 0x80}, 32);
  EXPECT_EQ(r.status, LebStatus::kTruncated);
  EXPECT_EQ(r.length, 2u);
  EXPECT_EQ(Read({}, 32).status, LebStatus::kTruncated);
  r = Read({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32);
  EXPECT_EQ(r.status, LebStatus::kTooLong);
  EXPECT_EQ(r.length, 5u);
  r = Read({0xff, 0xff, 0xff, 0xff, 0x1f}, 32);  // bit 32 set
  EXPECT_EQ(r.status, LebStatus::kTooLarge);
  EXPECT_EQ(r.length, 5u);
  EXPECT_EQ(Read({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 64).status,
            LebStatus::kTooLarge);
}

TEST(Leb128, SkippingTakesSignedValuesWhole) {
  const std::vector<uint8_t> minus_one = {0xff, 0xff, 0xff, 0xff, 0x7f};  // s32 -1
  EXPECT_EQ(Read(minus_one, 32).status, LebStatus::kTooLarge);
  LebRead r = SkipLeb128(minus_one.data(), minus_one.data() + minus_one.size(), 32);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.length, 5u);
  const std::vector<uint8_t> six = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  EXPECT_EQ(SkipLeb128(six.data(), six.data() + six.size(), 32).status, LebStatus::kTooLong);
}

}  // namespace
}  // namespace wcloud
