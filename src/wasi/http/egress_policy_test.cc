#include "wasi/http/egress_policy.h"

#include <gtest/gtest.h>

namespace wcloud::wasi::http {
namespace {

bool Allows(const std::vector<std::string>& patterns, std::string_view authority,
            uint16_t default_port = 443) {
  auto policy = EgressPolicy::Create(patterns);
  EXPECT_TRUE(policy.has_value()) << policy.error().message();
  auto d = ParseAuthority(authority, default_port);
  EXPECT_TRUE(d.has_value()) << d.error().message();
  return policy->Allows(*d);
}

TEST(EgressPolicyTest, EmptyListDeniesEverything) {
  EXPECT_FALSE(Allows({}, "example.com"));
  EXPECT_FALSE(EgressPolicy::DenyAll().Allows({"127.0.0.1", 80}));
}

TEST(EgressPolicyTest, StarAllowsEverything) {
  EXPECT_TRUE(Allows({"*"}, "example.com"));
  EXPECT_TRUE(Allows({"*"}, "[::1]:8080"));
}

TEST(EgressPolicyTest, ExactHostAnyPortAndIgnoresCase) {
  EXPECT_TRUE(Allows({"Example.COM"}, "example.com"));
  EXPECT_TRUE(Allows({"example.com"}, "EXAMPLE.com:8443"));
  EXPECT_FALSE(Allows({"example.com"}, "api.example.com"));
  EXPECT_FALSE(Allows({"example.com"}, "example.com.evil.org"));
}

TEST(EgressPolicyTest, HostAndPortMatchesOnlyThatPortIncludingTheSchemeDefault) {
  EXPECT_TRUE(Allows({"example.com:8080"}, "example.com:8080"));
  EXPECT_FALSE(Allows({"example.com:8080"}, "example.com:8081"));
  EXPECT_TRUE(Allows({"example.com:443"}, "example.com", 443));
  EXPECT_FALSE(Allows({"example.com:443"}, "example.com", 80));
  EXPECT_TRUE(Allows({"127.0.0.1:9000"}, "127.0.0.1:9000"));
  EXPECT_TRUE(Allows({"[::1]:9000"}, "[::1]:9000"));
  EXPECT_FALSE(Allows({"[::1]:9000"}, "[::1]:9001"));
}

TEST(EgressPolicyTest, WildcardMatchesSubdomainsNotTheApex) {
  EXPECT_TRUE(Allows({"*.example.com"}, "api.example.com"));
  EXPECT_TRUE(Allows({"*.example.com"}, "a.b.example.com:1234"));
  EXPECT_FALSE(Allows({"*.example.com"}, "example.com"));
  EXPECT_FALSE(Allows({"*.example.com"}, "badexample.com"));
  EXPECT_TRUE(Allows({"*.example.com:443"}, "api.example.com"));
  EXPECT_FALSE(Allows({"*.example.com:443"}, "api.example.com:80"));
  EXPECT_FALSE(Allows({"*.0.0.1"}, "127.0.0.1")) << "IP literals are never subdomains";
}

TEST(EgressPolicyTest, BadPatternsAreErrorsNamingThem) {
  for (const char* bad : {"ex*mple.com", "example.com:0", "example.com:99999", "[::1", "", "a b"}) {
    auto policy = EgressPolicy::Create({"ok.com", bad});
    ASSERT_FALSE(policy.has_value()) << bad;
    EXPECT_NE(policy.error().message().find("allowed host 1"), std::string::npos)
        << policy.error().message();
  }
}

TEST(EgressPolicyTest, AuthorityParsing) {
  auto d = ParseAuthority("Example.com:8080", 443);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->host, "example.com");
  EXPECT_EQ(d->port, 8080);
  EXPECT_EQ(ParseAuthority("example.com", 80)->port, 80);
  EXPECT_EQ(ParseAuthority("[::1]", 80)->host, "::1");
  EXPECT_FALSE(ParseAuthority("user@example.com", 80).has_value());
  EXPECT_FALSE(ParseAuthority("example.com:", 80).has_value());
  EXPECT_FALSE(ParseAuthority("", 80).has_value());
}

}  // namespace
}  // namespace wcloud::wasi::http
