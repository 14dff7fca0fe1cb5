// `wcloud inspect` on every built fixture, against the `jco wit` output its target records
// (tests/components: NAME.wit next to NAME.wasm), byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "support/subprocess.h"
#include "test_components.h"

namespace wcloud {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class InspectFixturesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InspectFixturesTest, WcloudInspectPrintsWhatJcoWitPrints) {
  const std::string wit = ReadFile(testing::TestComponentWitPath(GetParam()));
  ASSERT_FALSE(wit.empty()) << testing::TestComponentWitPath(GetParam());
  const testing::CommandResult r = testing::RunCommand(
      {testing::WcloudBinary(), "inspect", testing::TestComponentPath(GetParam())});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, wit);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, InspectFixturesTest,
                         ::testing::Values("cli_hello", "abi_reactor", "http_hello", "http_echo",
                                           "js_http"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace wcloud
