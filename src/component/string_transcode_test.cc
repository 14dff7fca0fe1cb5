#include "component/string_transcode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wcloud::component {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::string Utf8Of(char32_t c) {
  std::string out;
  AppendUtf8(out, c);
  return out;
}

TEST(Utf16, EveryScalarValueRoundTrips) {
  std::string all;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    all += Utf8Of(c);
  }
  ASSERT_EQ(FindInvalidUtf8(Bytes(all)), std::nullopt);
  std::vector<uint8_t> utf16(2 * all.size());
  const size_t units = Utf8ToUtf16Le(all, utf16.data());
  // 0x10000 - 0x800 BMP scalars, plus two units for each of the 0x100000 astral ones.
  EXPECT_EQ(units, (0x10000u - 0x800u) + 2u * 0x100000u);
  utf16.resize(2 * units);
  Result<std::string> back = Utf16LeToUtf8(utf16);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(*back == all);
}

TEST(Utf16, EncodesSurrogatePairsLittleEndian) {
  std::vector<uint8_t> out(16);
  const size_t units = Utf8ToUtf16Le("a\xE2\x82\xAC\xF0\x9F\x98\x80", out.data());  // a € 😀
  ASSERT_EQ(units, 4u);
  out.resize(8);
  EXPECT_EQ(out, (std::vector<uint8_t>{0x61, 0x00, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE}));
}

TEST(Utf16, RejectsUnpairedSurrogates) {
  Result<std::string> lone_high = Utf16LeToUtf8(std::vector<uint8_t>{0x61, 0x00, 0x00, 0xD8});
  ASSERT_FALSE(lone_high);
  EXPECT_EQ(lone_high.error().message(), "unpaired surrogate 0xD800 at code unit 1");
  Result<std::string> high_then_ascii = Utf16LeToUtf8(std::vector<uint8_t>{0x00, 0xD8, 0x61, 0x00});
  EXPECT_FALSE(high_then_ascii);
  Result<std::string> lone_low = Utf16LeToUtf8(std::vector<uint8_t>{0x00, 0xDC});
  ASSERT_FALSE(lone_low);
  EXPECT_EQ(lone_low.error().message(), "unpaired surrogate 0xDC00 at code unit 0");
}

TEST(Latin1, EveryByteIsItsCodePoint) {
  std::vector<uint8_t> bytes;
  std::string expected;
  for (int b = 0; b < 256; ++b) {
    bytes.push_back(static_cast<uint8_t>(b));
    expected += Utf8Of(static_cast<char32_t>(b));
  }
  EXPECT_EQ(Latin1ToUtf8(bytes), expected);
  EXPECT_EQ(Latin1ToUtf8({}), "");
}

TEST(NextCodePoint, DecodesEachLength) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  size_t pos = 0;
  EXPECT_EQ(NextCodePoint(s, &pos), U'a');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\u00E9');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\u20AC');
  EXPECT_EQ(NextCodePoint(s, &pos), U'\U0001F600');
  EXPECT_EQ(pos, s.size());
}

}  // namespace
}  // namespace wcloud::component
