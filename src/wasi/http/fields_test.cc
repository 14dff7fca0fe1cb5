#include "wasi/http/fields.h"

#include <gtest/gtest.h>

namespace wcloud::wasi::http {
namespace {

HeaderError ErrorOf(const HeaderStatus& s) {
  EXPECT_FALSE(s.has_value());
  return s.has_value() ? HeaderError::kInvalidSyntax : s.error();
}

TEST(FieldsTest, KeepsOrderAndDuplicatesAndMatchesNamesIgnoringCase) {
  Fields f;
  ASSERT_TRUE(f.Append("X-A", "1").has_value());
  ASSERT_TRUE(f.Append("x-b", "2").has_value());
  ASSERT_TRUE(f.Append("x-a", "3").has_value());
  EXPECT_EQ(f.entries(), (FieldList{{"x-a", "1"}, {"x-b", "2"}, {"x-a", "3"}}));
  EXPECT_EQ(f.Get("X-a"), (std::vector<std::string>{"1", "3"}));
  EXPECT_TRUE(f.Has("X-B"));
  EXPECT_FALSE(f.Has("x-c"));
  EXPECT_TRUE(f.Get("x-c").empty());
}

TEST(FieldsTest, SetReplacesEveryValueInPlaceAndDeleteRemovesThem) {
  Fields f;
  ASSERT_TRUE(f.Append("a", "1").has_value());
  ASSERT_TRUE(f.Append("b", "2").has_value());
  ASSERT_TRUE(f.Append("a", "3").has_value());
  ASSERT_TRUE(f.Set("A", {"x", "y"}).has_value());
  EXPECT_EQ(f.entries(), (FieldList{{"a", "x"}, {"a", "y"}, {"b", "2"}}));
  ASSERT_TRUE(f.Delete("a").has_value());
  EXPECT_EQ(f.entries(), (FieldList{{"b", "2"}}));
  ASSERT_TRUE(f.Delete("absent").has_value());
}

TEST(FieldsTest, InvalidNamesAndValuesAreInvalidSyntax) {
  Fields f;
  EXPECT_EQ(ErrorOf(f.Append("bad name", "v")), HeaderError::kInvalidSyntax);
  EXPECT_EQ(ErrorOf(f.Append("", "v")), HeaderError::kInvalidSyntax);
  EXPECT_EQ(ErrorOf(f.Append("x:y", "v")), HeaderError::kInvalidSyntax);
  EXPECT_EQ(ErrorOf(f.Append("x", "a\r\nb")), HeaderError::kInvalidSyntax);
  EXPECT_EQ(ErrorOf(f.Append("x", std::string("a\0b", 3))), HeaderError::kInvalidSyntax);
  EXPECT_EQ(ErrorOf(f.Set("x", {"ok", "bad\n"})), HeaderError::kInvalidSyntax);
  EXPECT_TRUE(f.Append("x", "tab\tand \xff obs-text").has_value());
  EXPECT_TRUE(f.Append("x", "").has_value());
  EXPECT_EQ(f.entries().size(), 2u);
}

TEST(FieldsTest, HopByHopNamesAreForbidden) {
  Fields f;
  for (const char* name : {"Connection", "keep-alive", "Transfer-Encoding", "upgrade", "Host",
                           "proxy-connection", "proxy-authorization", "http2-settings"}) {
    EXPECT_EQ(ErrorOf(f.Append(name, "x")), HeaderError::kForbidden) << name;
    EXPECT_EQ(ErrorOf(f.Set(name, {"x"})), HeaderError::kForbidden) << name;
    EXPECT_EQ(ErrorOf(f.Delete(name)), HeaderError::kForbidden) << name;
  }
  EXPECT_TRUE(f.entries().empty());
  auto from_list = Fields::FromGuest({{"a", "1"}, {"connection", "close"}});
  ASSERT_FALSE(from_list.has_value());
  EXPECT_EQ(from_list.error(), HeaderError::kForbidden);
  auto bad = Fields::FromGuest({{"a b", "1"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error(), HeaderError::kInvalidSyntax);
}

TEST(FieldsTest, HostFieldsAreImmutableAndTheirCloneIsNot) {
  Fields f = Fields::FromHost({{"Host", "example.com"}, {"X-A", "1"}}, true);
  EXPECT_EQ(f.entries(), (FieldList{{"host", "example.com"}, {"x-a", "1"}}));
  EXPECT_EQ(ErrorOf(f.Append("x-b", "2")), HeaderError::kImmutable);
  EXPECT_EQ(ErrorOf(f.Set("x-a", {"2"})), HeaderError::kImmutable);
  EXPECT_EQ(ErrorOf(f.Delete("x-a")), HeaderError::kImmutable);
  // Immutability is checked first, whatever else is wrong with the call.
  EXPECT_EQ(ErrorOf(f.Append("bad name", "x")), HeaderError::kImmutable);
  Fields copy = f.Clone();
  EXPECT_FALSE(copy.immutable());
  EXPECT_TRUE(copy.Append("x-b", "2").has_value());
  EXPECT_EQ(f.entries().size(), 2u);
}

TEST(FieldsTest, ContentLengthIsOneDecimalValue) {
  EXPECT_EQ(Fields::FromHost({{"content-length", "42"}}, false).ContentLength(), 42u);
  EXPECT_FALSE(Fields::FromHost({{"content-length", "4x"}}, false).ContentLength());
  EXPECT_FALSE(
      Fields::FromHost({{"content-length", "1"}, {"Content-Length", "1"}}, false).ContentLength());
  EXPECT_FALSE(Fields().ContentLength());
}

}  // namespace
}  // namespace wcloud::wasi::http
