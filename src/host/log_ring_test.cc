// LogRing: its byte and line bounds, tail, since and component queries, cut pages, followers
// woken by a new line or by the ring closing; LogOutputStream joining pieces into lines.
#include "host/log_ring.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "host/log_output_stream.h"
#include "wasi/memory_streams.h"

namespace wcloud::host {
namespace {

std::vector<std::string> Texts(const LogPage& page) {
  std::vector<std::string> texts;
  for (const LogEntry& e : page.entries) texts.push_back(e.text);
  return texts;
}

TEST(LogRingTest, KeepsTheNewestLinesWithinTheLineLimit) {
  LogRing ring({.max_bytes = 1 << 20, .max_lines = 3});
  for (int i = 1; i <= 5; ++i) ring.Append("c", LogStream::kStdout, "line " + std::to_string(i));
  LogPage page = ring.Read({});
  EXPECT_EQ(Texts(page), (std::vector<std::string>{"line 3", "line 4", "line 5"}));
  EXPECT_EQ(page.entries.front().sequence, 3u);
  EXPECT_EQ(page.last_sequence, 5u);
}

TEST(LogRingTest, KeepsTheNewestLinesWithinTheByteLimit) {
  LogRing ring({.max_bytes = 10, .max_lines = 100});
  ring.Append("c", LogStream::kStdout, "aaaa");
  ring.Append("c", LogStream::kStdout, "bbbb");
  ring.Append("c", LogStream::kStdout, "cccc");  // 12 bytes: "aaaa" goes
  EXPECT_EQ(Texts(ring.Read({})), (std::vector<std::string>{"bbbb", "cccc"}));
}

TEST(LogRingTest, CutsOversizedLines) {
  LogRing ring({.max_line_bytes = 4});
  ring.Append("c", LogStream::kStderr, "abcdefgh");
  EXPECT_EQ(Texts(ring.Read({})), (std::vector<std::string>{"abcd..."}));
}

TEST(LogRingTest, TailSinceAndComponent) {
  LogRing ring({});
  const auto t0 = WallClock::now();
  ring.Append("a", LogStream::kStdout, "a1", "", "", t0);
  ring.Append("b", LogStream::kStdout, "b1", "", "", t0 + std::chrono::seconds(1));
  ring.Append("a", LogStream::kLog, "a2", "info", "ctx", t0 + std::chrono::seconds(2));
  ring.Append("a", LogStream::kStderr, "a3", "", "", t0 + std::chrono::seconds(3));

  EXPECT_EQ(Texts(ring.Read({.tail = 2})), (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(Texts(ring.Read({.component = "a", .tail = 2})),
            (std::vector<std::string>{"a2", "a3"}));
  EXPECT_EQ(Texts(ring.Read({.component = "b"})), (std::vector<std::string>{"b1"}));
  EXPECT_EQ(Texts(ring.Read({.since = t0 + std::chrono::seconds(1)})),
            (std::vector<std::string>{"b1", "a2", "a3"}));
  EXPECT_EQ(Texts(ring.Read({.since = t0 + std::chrono::seconds(1), .tail = 1})),
            (std::vector<std::string>{"a3"}));
  LogPage page = ring.Read({.component = "b"});
  EXPECT_EQ(page.last_sequence, 4u);  // followers go on from the ring's last, not b1
  const LogEntry logged = ring.Read({.after_sequence = 2}).entries.front();
  EXPECT_EQ(logged.level, "info");
  EXPECT_EQ(logged.context, "ctx");
  EXPECT_EQ(logged.stream, LogStream::kLog);
}

TEST(LogRingTest, CutsPagesAtMaxBytesAndTellsThereIsMore) {
  LogRing ring({});
  for (int i = 0; i < 5; ++i) ring.Append("c", LogStream::kStdout, std::string(10, 'x'));
  LogPage page = ring.Read({.max_bytes = 25});
  EXPECT_EQ(page.entries.size(), 2u);
  EXPECT_TRUE(page.more);
  EXPECT_EQ(page.last_sequence, 2u);
  page = ring.Read({.after_sequence = page.last_sequence, .max_bytes = 1000});
  EXPECT_EQ(page.entries.size(), 3u);
  EXPECT_FALSE(page.more);
}

TEST(LogRingTest, FollowerWakesForANewLine) {
  LogRing ring({});
  ring.Append("c", LogStream::kStdout, "old");
  std::thread writer([&] { ring.Append("c", LogStream::kStdout, "new"); });
  // Waits as long as it takes: the deadline is far, the line ends the wait.
  LogPage page =
      ring.Read({.after_sequence = 1}, std::chrono::steady_clock::now() + std::chrono::hours(1));
  writer.join();
  EXPECT_EQ(Texts(page), (std::vector<std::string>{"new"}));
}

TEST(LogRingTest, FollowerWakesWhenTheRingCloses) {
  LogRing ring({});
  std::thread closer([&] { ring.Close(); });
  LogPage page = ring.Read({}, std::chrono::steady_clock::now() + std::chrono::hours(1));
  closer.join();
  EXPECT_TRUE(page.closed);
  EXPECT_TRUE(page.entries.empty());
  ring.Append("c", LogStream::kStdout, "after");
  EXPECT_TRUE(ring.Read({}).entries.empty());
}

TEST(LogRingTest, FollowerGivesUpAtTheDeadline) {
  LogRing ring({});
  LogPage page = ring.Read({}, std::chrono::steady_clock::now() + std::chrono::milliseconds(10));
  EXPECT_TRUE(page.entries.empty());
  EXPECT_FALSE(page.closed);
}

wasi::StreamStatus WriteText(wasi::OutputStream& out, std::string_view text) {
  return out.Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

TEST(LogOutputStreamTest, JoinsPiecesIntoLinesAndPassesBytesThrough) {
  auto ring = std::make_shared<LogRing>(LogRing::Limits{});
  auto inner = std::make_shared<wasi::MemoryOutputStream>();
  {
    LogOutputStream out(ring, "web", LogStream::kStderr, inner);
    ASSERT_TRUE(WriteText(out, "hel"));
    ASSERT_TRUE(WriteText(out, "lo\r\nsecond\nthi"));
    EXPECT_EQ(Texts(ring->Read({})), (std::vector<std::string>{"hello", "second"}));
  }  // the instance drops its stream: the unfinished line goes in too
  LogPage page = ring->Read({});
  EXPECT_EQ(Texts(page), (std::vector<std::string>{"hello", "second", "thi"}));
  EXPECT_EQ(page.entries.front().component, "web");
  EXPECT_EQ(page.entries.front().stream, LogStream::kStderr);
  EXPECT_EQ(inner->contents(), "hello\r\nsecond\nthi");
}

TEST(LogOutputStreamTest, CutsALongLineAndDropsItsRest) {
  auto ring = std::make_shared<LogRing>(LogRing::Limits{.max_line_bytes = 4});
  LogOutputStream out(ring, "c", LogStream::kStdout, std::make_shared<wasi::MemoryOutputStream>());
  ASSERT_TRUE(WriteText(out, "abcdefghij\nok\n"));
  EXPECT_EQ(Texts(ring->Read({})), (std::vector<std::string>{"abcd...", "ok"}));
}

}  // namespace
}  // namespace wcloud::host
