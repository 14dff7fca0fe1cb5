#include "util/bounded_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace wcloud {
namespace {

namespace fs = std::filesystem;

class BoundedFileTest : public ::testing::Test {
 protected:
  BoundedFileTest() {
    dir_ = fs::temp_directory_path() / ("bounded_file_test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  ~BoundedFileTest() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& bytes) {
    fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }

  fs::path dir_;
};

TEST_F(BoundedFileTest, ReadsARegularFileUpToAndIncludingTheLimit) {
  std::string big(200000, 'x');  // past the first read buffer
  auto r = ReadBoundedFile(Write("a", big), big.size());
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, big);
  auto empty = ReadBoundedFile(Write("e", ""), 10);
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST_F(BoundedFileTest, RefusesAFileOverTheLimit) {
  auto r = ReadBoundedFile(Write("a", "12345"), 4);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("larger than the limit of 4 bytes"), std::string::npos)
      << r.error().message();
}

TEST_F(BoundedFileTest, RefusesWhatIsNotAStoredRegularFile) {
  // procfs files claim to be regular; pagemap is endless for practical purposes (issue #18).
  for (const char* path :
       {"/proc/self/pagemap", "/proc/self/status", "/sys/kernel/mm/transparent_hugepage/enabled"}) {
    if (!fs::exists(path)) continue;
    auto r = ReadBoundedFile(path, 1 << 20);
    ASSERT_FALSE(r) << path;
    EXPECT_NE(r.error().message().find("pseudo-file"), std::string::npos) << r.error().message();
  }
  auto dev = ReadBoundedFile("/dev/zero", 1 << 20);
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().message(), "/dev/zero: not a regular file");
  auto dir = ReadBoundedFile(dir_, 1 << 20);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message().find("not a regular file"), std::string::npos);
  // A FIFO without a writer must not block the reader.
  fs::path fifo = dir_ / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto f = ReadBoundedFile(fifo, 1 << 20);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("not a regular file"), std::string::npos);
  auto missing = ReadBoundedFile(dir_ / "missing", 1 << 20);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("missing: cannot open: No such file or directory"),
            std::string::npos)
      << missing.error().message();
}

}  // namespace
}  // namespace wcloud
