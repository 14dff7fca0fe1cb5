#include "plugins/runtime_config.h"

#include <gtest/gtest.h>

namespace wcloud::plugins {
namespace {

TEST(RuntimeConfigTest, LaterLayersWin) {
  EnvironmentInputs env;
  env.config = {{"env", "literal"}, {"both", "literal"}, {"over", "literal"}};
  env.config_maps = {{{"both", "map1"}, {"map", "1"}}, {{"map", "2"}}};
  env.secrets = {{{"over", "secret"}, {"token", "s3cr3t"}}};
  RuntimeConfig c({{"host", "h"}, {"local", "host"}, {"env", "host"}},
                  {{"local", "local"}, {"env", "local"}}, env);
  EXPECT_EQ(c.Get("host"), "h");
  EXPECT_EQ(c.Get("local"), "local");
  EXPECT_EQ(c.Get("env"), "literal");
  EXPECT_EQ(c.Get("both"), "map1");
  EXPECT_EQ(c.Get("map"), "2");
  EXPECT_EQ(c.Get("over"), "secret");
  EXPECT_EQ(c.Get("missing"), std::nullopt);
  // Only the environment layer is the environment.
  std::vector<std::pair<std::string, std::string>> expected = {
      {"both", "map1"}, {"env", "literal"}, {"map", "2"}, {"over", "secret"}, {"token", "s3cr3t"}};
  EXPECT_EQ(c.Environment(), expected);
}

TEST(RuntimeConfigTest, SecretsAreKnownAndRedacted) {
  EnvironmentInputs env;
  env.config = {{"plain", "visible"}};
  env.secrets = {{{"password", "hunter2"}, {"key", "hunter2-long"}}};
  RuntimeConfig c({}, {}, env);
  EXPECT_TRUE(c.IsSecret("password"));
  EXPECT_TRUE(c.IsSecret("key"));
  EXPECT_FALSE(c.IsSecret("plain"));
  EXPECT_EQ(c.Redact("login hunter2 with hunter2-long, visible"),
            "login [redacted] with [redacted], visible");
  EXPECT_EQ(c.Describe(), "key=[redacted], password=[redacted], plain=visible");
}

TEST(RuntimeConfigTest, AKeyALaterSecretOverridesIsSecret) {
  EnvironmentInputs env;
  env.config_maps = {{{"db", "from-map"}}};
  env.secrets = {{{"db", "from-secret"}}};
  RuntimeConfig c({{"db", "host"}}, {}, env);
  EXPECT_TRUE(c.IsSecret("db"));
  EXPECT_EQ(c.Redact("db=from-secret"), "db=[redacted]");
}

}  // namespace
}  // namespace wcloud::plugins
