#include "component/inline_vector.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <span>

namespace wcloud::component {
namespace {

uint32_t Sum(std::span<const uint32_t> values) {
  return std::accumulate(values.begin(), values.end(), uint32_t{0});
}

TEST(InlineVector, HoldsMoreThanItsInlineCapacity) {
  InlineVector<uint32_t, 2> v;
  EXPECT_TRUE(v.empty());
  for (uint32_t i = 1; i <= 5; ++i) v.push_back(i);
  ASSERT_EQ(v.size(), 5u);
  for (uint32_t i = 0; i < 5; ++i) EXPECT_EQ(v[i], i + 1);
  EXPECT_EQ(Sum(v), 15u);
  v.resize(1);
  EXPECT_EQ(Sum(v), 1u);
  v.push_back(9);
  EXPECT_EQ(Sum(v), 10u);
}

TEST(InlineVector, ResizeValueInitializesNewElements) {
  InlineVector<uint32_t, 4> v;
  v.push_back(7);
  v.push_back(8);
  v.resize(1);
  v.resize(3);
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(v[1], 0u);
  EXPECT_EQ(v[2], 0u);
  v.resize(6);  // past the inline capacity
  EXPECT_EQ(v[0], 7u);
  EXPECT_EQ(v[5], 0u);
  v.clear();
  EXPECT_TRUE(v.empty());
}

TEST(InlineVector, CopiesAreIndependent) {
  InlineVector<uint32_t, 2> small;
  small.push_back(1);
  InlineVector<uint32_t, 2> big;
  for (uint32_t i = 0; i < 4; ++i) big.push_back(i);
  InlineVector<uint32_t, 2> a = small;
  InlineVector<uint32_t, 2> b = big;
  small[0] = 5;
  big[3] = 5;
  EXPECT_EQ(a[0], 1u);
  EXPECT_EQ(b[3], 3u);
  std::span<uint32_t> writable = b;
  writable[0] = 4;
  EXPECT_EQ(b[0], 4u);
}

}  // namespace
}  // namespace wcloud::component
