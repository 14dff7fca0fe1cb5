#include "ingress/header_list.h"

#include <gtest/gtest.h>

namespace wcloud::ingress {
namespace {

TEST(HeaderListTest, KeepsOrderSpellingAndDuplicates) {
  HeaderList h;
  h.Add("X-One", "1");
  h.Add("set-cookie", "a=b");
  h.Add("Set-Cookie", "c=d");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].name, "X-One");
  EXPECT_EQ(h[1].value, "a=b");
  EXPECT_EQ(h[2].name, "Set-Cookie");
  EXPECT_EQ(h.Count("SET-COOKIE"), 2u);
  EXPECT_EQ(h.Find("x-one").value_or(""), "1");
  EXPECT_EQ(h.Find("Set-Cookie").value_or(""), "a=b");
  EXPECT_FALSE(h.Find("missing").has_value());
  std::string names;
  for (HeaderField f : h) names += std::string(f.name) + ",";
  EXPECT_EQ(names, "X-One,set-cookie,Set-Cookie,");
}

TEST(HeaderListTest, ViewsSurviveGrowthAndClearReuses) {
  HeaderList h{{"a", "b"}};
  for (int i = 0; i < 100; ++i) h.Add("name" + std::to_string(i), std::string(100, 'v'));
  EXPECT_EQ(h[0].name, "a");
  EXPECT_EQ(h[100].name, "name99");
  h.Clear();
  EXPECT_TRUE(h.empty());
  h.Add("", "");
  EXPECT_EQ(h[0].name, "");
}

TEST(HeaderListTest, EqualsIgnoreCaseIsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-LENGTH"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "abd"));
  EXPECT_FALSE(EqualsIgnoreCase("abc", "ab"));
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x84", "\xc3\xa4"));
}

}  // namespace
}  // namespace wcloud::ingress
