#include "api/names.h"

#include <gtest/gtest.h>

namespace wcloud::api {
namespace {

TEST(NamesTest, DnsSubdomain) {
  EXPECT_FALSE(CheckDnsSubdomain("hello-world"));
  EXPECT_FALSE(CheckDnsSubdomain("a.b-c.d"));
  EXPECT_TRUE(CheckDnsSubdomain(""));
  EXPECT_TRUE(CheckDnsSubdomain("Hello"));
  EXPECT_TRUE(CheckDnsSubdomain("-a"));
  EXPECT_TRUE(CheckDnsSubdomain("a..b"));
  EXPECT_TRUE(CheckDnsSubdomain(std::string(254, 'a')));
}

TEST(NamesTest, DnsLabel) {
  EXPECT_FALSE(CheckDnsLabel("default"));
  EXPECT_TRUE(CheckDnsLabel("a.b"));
  EXPECT_TRUE(CheckDnsLabel(std::string(64, 'a')));
}

TEST(NamesTest, Labels) {
  EXPECT_FALSE(CheckLabelKey("hostgroup"));
  EXPECT_FALSE(CheckLabelKey("runtime.wasmcloud.dev/template-hash"));
  EXPECT_TRUE(CheckLabelKey("Bad_Prefix/x"));
  EXPECT_TRUE(CheckLabelKey("a/"));
  EXPECT_TRUE(CheckLabelKey("has space"));
  EXPECT_FALSE(CheckLabelValue(""));
  EXPECT_FALSE(CheckLabelValue("V1.2_x"));
  EXPECT_TRUE(CheckLabelValue("-x"));
  EXPECT_TRUE(CheckLabelValue(std::string(64, 'a')));
}

}  // namespace
}  // namespace wcloud::api
