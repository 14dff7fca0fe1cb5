#include "wasi/streams.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "wasi/fd_streams.h"
#include "wasi/memory_streams.h"

namespace wcloud::wasi {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::string Text(const std::vector<uint8_t>& b) { return {b.begin(), b.end()}; }

TEST(MemoryStreamsTest, InputYieldsItsBytesThenCloses) {
  MemoryInputStream in(Bytes("hello"));
  auto first = in.Read(3);
  ASSERT_TRUE(first);
  EXPECT_EQ(Text(first.value()), "hel");
  auto skipped = in.Skip(10);
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped.value(), 2u);
  auto end = in.Read(1);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, StreamError::Kind::kClosed);
  EXPECT_TRUE(in.Subscribe()->Ready());
}

TEST(MemoryStreamsTest, OutputCollectsUntilClosed) {
  MemoryOutputStream out;
  auto permit = out.CheckWrite();
  ASSERT_TRUE(permit);
  EXPECT_EQ(permit.value(), MemoryOutputStream::kWriteBudget);
  ASSERT_TRUE(out.Write(Bytes("ab")));
  ASSERT_TRUE(out.WriteZeroes(2));
  ASSERT_TRUE(out.BlockingWriteAndFlush(Bytes("cd")));
  EXPECT_EQ(out.contents(), std::string("ab\0\0cd", 6));
  out.Close();
  EXPECT_FALSE(out.CheckWrite());
  auto write = out.Write(Bytes("x"));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, StreamError::Kind::kClosed);
  EXPECT_EQ(out.contents().size(), 6u);
}

TEST(FdStreamsTest, PipeReadsWithoutBlockingAndBlockingReadWaits) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdInputStream in(fds[0]);
  auto nothing = in.Read(10);
  ASSERT_TRUE(nothing);
  EXPECT_TRUE(nothing.value().empty());
  EXPECT_FALSE(in.Subscribe()->Ready());
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_EQ(write(fds[1], "data", 4), 4);
    close(fds[1]);
  });
  auto got = in.BlockingRead(100);
  ASSERT_TRUE(got);
  EXPECT_EQ(Text(got.value()), "data");
  writer.join();
  auto end = in.BlockingRead(100);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, StreamError::Kind::kClosed);
  close(fds[0]);
}

TEST(FdStreamsTest, OutputWritesThroughAndClosesOnBrokenPipe) {
  // A real host ignores SIGPIPE too; EPIPE is then how a vanished reader shows.
  signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  FdOutputStream out(fds[1]);
  ASSERT_TRUE(out.BlockingWriteAndFlush(Bytes("line\n")));
  char buf[16];
  ASSERT_EQ(read(fds[0], buf, sizeof buf), 5);
  EXPECT_EQ(std::string(buf, 5), "line\n");
  close(fds[0]);
  auto write = out.Write(Bytes("more"));
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().kind, StreamError::Kind::kClosed);
  EXPECT_FALSE(out.CheckWrite());
  close(fds[1]);
}

TEST(FdStreamsTest, FileStreamsReadWriteAndAppendAtTheirOffsets) {
  std::string path = testing::TempDir() + "/wasi_file_stream_" + std::to_string(getpid());
  auto file = std::make_shared<UniqueFd>(open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600));
  ASSERT_TRUE(file->valid());
  auto at = FileOutputStream::AtOffset(file, 2);
  ASSERT_TRUE(at->Write(Bytes("xyz")));
  ASSERT_TRUE(at->Write(Bytes("!")));
  auto append = FileOutputStream::Appending(file);
  ASSERT_TRUE(append->Write(Bytes("end")));
  FileInputStream in(file, 0);
  auto all = in.BlockingRead(100);
  ASSERT_TRUE(all);
  EXPECT_EQ(Text(all.value()), std::string("\0\0xyz!end", 9));
  auto end = in.Read(1);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, StreamError::Kind::kClosed);
  unlink(path.c_str());
}

}  // namespace
}  // namespace wcloud::wasi
