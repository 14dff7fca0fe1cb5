#include "api/label_selector.h"

#include <gtest/gtest.h>

namespace wcloud::api {
namespace {

LabelSelector Must(std::string_view text) {
  auto s = LabelSelector::Parse(text);
  EXPECT_TRUE(s) << text << ": " << s.error().message();
  return s ? *s : LabelSelector();
}

TEST(LabelSelectorTest, EmptyMatchesEverything) {
  EXPECT_TRUE(Must("").Matches({}));
  EXPECT_TRUE(Must("  ").Matches({{"a", "b"}}));
}

TEST(LabelSelectorTest, EqualityAndInequality) {
  Labels web{{"app", "web"}, {"tier", "front"}};
  EXPECT_TRUE(Must("app=web").Matches(web));
  EXPECT_TRUE(Must("app==web").Matches(web));
  EXPECT_FALSE(Must("app=db").Matches(web));
  EXPECT_TRUE(Must("app!=db").Matches(web));
  EXPECT_TRUE(Must("missing!=x").Matches(web));
  EXPECT_TRUE(Must("app=web,tier=front").Matches(web));
  EXPECT_FALSE(Must("app=web,tier=back").Matches(web));
}

TEST(LabelSelectorTest, SetBasedAndExistence) {
  Labels l{{"env", "prod"}, {"hostgroup", "default"}};
  EXPECT_TRUE(Must("env in (prod, staging)").Matches(l));
  EXPECT_FALSE(Must("env notin (prod)").Matches(l));
  EXPECT_TRUE(Must("env notin (dev)").Matches(l));
  EXPECT_TRUE(Must("hostgroup").Matches(l));
  EXPECT_FALSE(Must("!hostgroup").Matches(l));
  EXPECT_TRUE(Must("!canary").Matches(l));
  EXPECT_TRUE(Must("runtime.wasmcloud.dev/zone notin (a)").Matches(l));
}

TEST(LabelSelectorTest, NumericComparisons) {
  EXPECT_TRUE(Must("gen>3").Matches({{"gen", "4"}}));
  EXPECT_FALSE(Must("gen>3").Matches({{"gen", "3"}}));
  EXPECT_TRUE(Must("gen<3").Matches({{"gen", "2"}}));
  EXPECT_FALSE(Must("gen<3").Matches({{"gen", "x"}}));
}

TEST(LabelSelectorTest, CanonicalString) {
  EXPECT_EQ(Must("tier in (b, a),app=web,!x").ToString(), "app=web,tier in (a,b),!x");
  EXPECT_EQ(LabelSelector::FromEquals({{"b", "2"}, {"a", "1"}}).ToString(), "a=1,b=2");
  // The canonical form parses back to the same selector.
  EXPECT_EQ(Must(Must("z notin (q),y,a>1").ToString()).ToString(), "a>1,y,z notin (q)");
}

TEST(LabelSelectorTest, MalformedIsAnErrorWithPosition) {
  for (const char* bad : {"app=", "=web", "app in web", "app in (a", "app in ()", "a,,b", "-bad=x",
                          "a=b c", "key=has space", "gen>x", "a/b/c=1"}) {
    auto s = LabelSelector::Parse(bad);
    if (std::string(bad) == "app=") {
      // An empty value is valid: it matches an empty label value.
      EXPECT_TRUE(s) << bad;
      continue;
    }
    EXPECT_FALSE(s) << bad;
    if (!s) {
      EXPECT_NE(s.error().message().find("label selector"), std::string::npos);
    }
  }
}

TEST(LabelSelectorTest, FromMatch) {
  auto s = LabelSelector::FromMatch({{"app", "web"}}, {{"env", {"prod", "qa"}}});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->ToString(), "app=web,env in (prod,qa)");
  EXPECT_FALSE(LabelSelector::FromMatch({{"bad key", "x"}}));
}

}  // namespace
}  // namespace wcloud::api
