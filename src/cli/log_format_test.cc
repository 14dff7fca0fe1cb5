// --log-format json: each line a JSON object that parses, with quotes, newlines and bytes that
// are not UTF-8 in the message.
#include "cli/log_format.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <string>

#include "util/json.h"

namespace wcloud::cli {
namespace {

TEST(LogFormatTest, JsonLinesParse) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("host", sink);
  logger.set_formatter(std::make_unique<JsonLogFormatter>());
  logger.warn("peer said \"{}\"", "a\nb\t\xff");
  logger.info("second");

  std::istringstream lines(out.str());
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  Json first = Json::parse(line, nullptr, false);
  ASSERT_FALSE(first.is_discarded()) << line;
  EXPECT_EQ(first["level"], "warning");
  EXPECT_EQ(first["logger"], "host");
  EXPECT_EQ(first["msg"], "peer said \"a\nb\t\xef\xbf\xbd\"");
  EXPECT_EQ(first["ts"].get<std::string>().back(), 'Z');
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(Json::parse(line)["msg"], "second");
  EXPECT_FALSE(std::getline(lines, line));
}

TEST(LogFormatTest, UnknownFormatIsRefused) {
  EXPECT_TRUE(SetLogFormat("text"));
  auto bad = SetLogFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("xml"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::cli
