#include "component/string_transcode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wcloud::component {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::optional<size_t> Invalid(std::string_view s) { return FindInvalidUtf8(Bytes(s)); }

std::string Utf8Of(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

TEST(FindInvalidUtf8, AcceptsWellFormedBoundaries) {
  for (char32_t c :
       {0x0u, 0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xD7FFu, 0xE000u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    EXPECT_EQ(Invalid(Utf8Of(c)), std::nullopt) << std::hex << static_cast<uint32_t>(c);
  }
  EXPECT_EQ(Invalid(""), std::nullopt);
  EXPECT_EQ(Invalid("plain ascii, longer than one eight-byte word"), std::nullopt);
}

TEST(FindInvalidUtf8, RejectsIllFormedSequencesAtTheirStart) {
  EXPECT_EQ(Invalid("\xC0\x80"), 0u);                // overlong NUL
  EXPECT_EQ(Invalid("\xC1\xBF"), 0u);                // overlong
  EXPECT_EQ(Invalid("a\xE0\x80\x80"), 1u);           // overlong 3-byte
  EXPECT_EQ(Invalid("ab\xE0\x9F\xBF"), 2u);          // overlong 3-byte, top
  EXPECT_EQ(Invalid("\xED\xA0\x80"), 0u);            // surrogate U+D800
  EXPECT_EQ(Invalid("\xED\xBF\xBF"), 0u);            // surrogate U+DFFF
  EXPECT_EQ(Invalid("\xF0\x80\x80\x80"), 0u);        // overlong 4-byte
  EXPECT_EQ(Invalid("\xF4\x90\x80\x80"), 0u);        // U+110000
  EXPECT_EQ(Invalid("\xF5\x80\x80\x80"), 0u);        // invalid lead
  EXPECT_EQ(Invalid("\xFF"), 0u);                    // invalid lead
  EXPECT_EQ(Invalid("\x80"), 0u);                    // lone continuation
  EXPECT_EQ(Invalid("abc\xE2\x82"), 3u);             // truncated at the end
  EXPECT_EQ(Invalid("\xE2\x28\xA1"), 0u);            // bad continuation
  EXPECT_EQ(Invalid("\xF0\x9F\x98"), 0u);            // truncated 4-byte
  EXPECT_EQ(Invalid("12345678\xC3\xA9x\xFF"), 11u);  // after the ASCII fast path
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
