#include "util/yaml.h"

#include <gtest/gtest.h>

namespace wcloud {
namespace {

Json Must(std::string_view text) {
  auto r = ParseYaml(text);
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : Json();
}

TEST(YamlTest, ScalarsAreTypedLikeKubectl) {
  Json j = Must(R"(
int: 10
neg: -3
hex: 0x1F
octal: 010
float: 2.5
exp: 1e3
yes_bool: yes
true_bool: true
off_bool: off
null1: ~
null2:
quoted_int: '10'
quoted_bool: "true"
address: '0.0.0.0:8080'
plain_address: 0.0.0.0:8080
version: 1.2.3
image: ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0
huge: 18446744073709551615
)");
  EXPECT_EQ(j["int"], 10);
  EXPECT_EQ(j["neg"], -3);
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["octal"], 8);
  EXPECT_EQ(j["float"], 2.5);
  EXPECT_EQ(j["exp"], 1000.0);
  EXPECT_EQ(j["yes_bool"], true);
  EXPECT_EQ(j["true_bool"], true);
  EXPECT_EQ(j["off_bool"], false);
  EXPECT_TRUE(j["null1"].is_null());
  EXPECT_TRUE(j["null2"].is_null());
  EXPECT_EQ(j["quoted_int"], "10");
  EXPECT_EQ(j["quoted_bool"], "true");
  EXPECT_EQ(j["address"], "0.0.0.0:8080");
  EXPECT_EQ(j["plain_address"], "0.0.0.0:8080");
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["image"], "ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0");
  EXPECT_EQ(j["huge"].get<uint64_t>(), 18446744073709551615ull);
}

TEST(YamlTest, KeepsKeyOrderAndStructure) {
  Json j = Must("b: 1\na:\n  - x: [1, 2]\n  - {}\nc: []\n");
  EXPECT_EQ(j.dump(), R"({"b":1,"a":[{"x":[1,2]},{}],"c":[]})");
}

TEST(YamlTest, MultipleDocumentsSkipEmptyOnes) {
  auto docs = ParseYamlDocuments("---\na: 1\n---\n---\n# only a comment\n---\nb: 2\n");
  ASSERT_TRUE(docs) << docs.error().message();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"], 2);
  EXPECT_FALSE(ParseYaml("a: 1\n---\nb: 2\n"));
}

TEST(YamlTest, AnchorsAliasesAndMerge) {
  Json j = Must("base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\n");
  EXPECT_EQ(j["use"]["x"], 1);
  EXPECT_EQ(j["merged"]["x"], 1);
  EXPECT_EQ(j["merged"]["y"], 3);
}

TEST(YamlTest, ErrorsCarryLineAndColumn) {
  auto dup = ParseYaml("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message().find("line 3"), std::string::npos) << dup.error().message();
  EXPECT_NE(dup.error().message().find("duplicate key"), std::string::npos);
  auto bad = ParseYaml("a: [1, 2\nb: 3\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("line"), std::string::npos) << bad.error().message();
  EXPECT_FALSE(ParseYaml("a: .inf\n"));
  EXPECT_FALSE(ParseYaml("? [complex]\n: key\n"));
}

TEST(YamlTest, DeepNestingAndAliasBombsAreRefused) {
  std::string deep(100000, '[');
  auto r = ParseYaml(deep);
  ASSERT_FALSE(r);
  std::string dashes;
  for (int i = 0; i < 5000; ++i) dashes += "- ";
  EXPECT_FALSE(ParseYaml(dashes + "x\n"));
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
    prev = c;
  }
  auto exploded = ParseYaml(bomb);
  ASSERT_FALSE(exploded);
  EXPECT_NE(exploded.error().message().find("nodes"), std::string::npos);
}

TEST(YamlTest, BinaryJunkIsAnErrorNotACrash) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 7919) % 256));
  auto r = ParseYamlDocuments(junk);
  (void)r;  // either outcome is fine; what matters is returning
  SUCCEED();
}

TEST(YamlTest, EmitsWhatParsesBack) {
  Json j = {{"s", "plain"},
            {"n", "10"},
            {"b", "yes"},
            {"e", ""},
            {"i", 7},
            {"f", 1.5},
            {"t", true},
            {"z", nullptr},
            {"list", {1, "2", Json::object()}},
            {"multi", "line1\nline2\n"},
            {"colon", "a: b"},
            {"addr", "0.0.0.0:8080"},
            {"empty", Json::array()}};
  std::string text = ToYaml(j);
  auto back = ParseYaml(text);
  ASSERT_TRUE(back) << back.error().message() << "\n" << text;
  EXPECT_EQ(*back, j) << text;
  auto docs = ParseYamlDocuments(ToYamlDocuments({j, {{"k", "v"}}}));
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->size(), 2u);
}

}  // namespace
}  // namespace wcloud
