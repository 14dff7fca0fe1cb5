#include "util/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace wcloud {
namespace {

std::optional<size_t> Invalid(std::string_view s) { return FindInvalidUtf8(s); }

std::string Utf8Of(char32_t c) {
  std::string out;
  AppendUtf8(out, c);
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

}  // namespace
}  // namespace wcloud
