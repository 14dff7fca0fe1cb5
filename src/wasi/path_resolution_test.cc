#include "wasi/path_resolution.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "wasi/wasi_test_fixture.h"

namespace wcloud::wasi {
namespace {

// outside/secret next to root/, which holds a/b/file.txt and links of every kind.
class PathResolutionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    fs::create_directories(scratch_ / "root/a/b");
    fs::create_directories(scratch_ / "outside");
    scratch_.WriteFile("outside/secret", "s");
    scratch_.WriteFile("root/a/b/file.txt", "f");
    fs::create_directory_symlink("a/b", scratch_ / "root/link_in");
    fs::create_directory_symlink("../a/b", scratch_ / "root/a/link_sibling");
    fs::create_directory_symlink("..", scratch_ / "root/link_up");
    fs::create_directory_symlink("../..", scratch_ / "root/a/up2");
    fs::create_directory_symlink(scratch_ / "outside", scratch_ / "root/link_abs");
    fs::create_symlink("loop2", scratch_ / "root/loop1");
    fs::create_symlink("loop1", scratch_ / "root/loop2");
    root_ = open((scratch_ / "root").c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_GE(root_, 0);
  }
  void TearDown() override { close(root_); }

  // The inode `path` resolves to (not following a final link), or the error's case.
  std::string Resolve(std::string_view path, bool follow = true) {
    auto resolved = ResolveBeneath(root_, path, follow);
    if (!resolved) {
      return "error " + std::to_string(static_cast<int>(resolved.error()));
    }
    struct stat st {};
    if (fstatat(resolved.value().parent_fd, resolved.value().name.c_str(), &st,
                AT_SYMLINK_NOFOLLOW) != 0) {
      return "missing " + resolved.value().name;
    }
    return "inode " + std::to_string(st.st_ino);
  }
  std::string Inode(std::string_view host_rel) {
    struct stat st {};
    EXPECT_EQ(lstat((scratch_ / host_rel).c_str(), &st), 0) << host_rel;
    return "inode " + std::to_string(st.st_ino);
  }
  static std::string Err(ErrorCode code) {
    return "error " + std::to_string(static_cast<int>(code));
  }

  ScratchDir scratch_;
  int root_ = -1;
};

TEST_F(PathResolutionTest, ResolvesPathsInside) {
  EXPECT_EQ(Resolve("a/b/file.txt"), Inode("root/a/b/file.txt"));
  EXPECT_EQ(Resolve("a//b/./file.txt"), Inode("root/a/b/file.txt"));
  EXPECT_EQ(Resolve("a/b/../b/file.txt"), Inode("root/a/b/file.txt"));
  EXPECT_EQ(Resolve("link_in/file.txt"), Inode("root/a/b/file.txt"));
  EXPECT_EQ(Resolve("a/link_sibling/file.txt"), Inode("root/a/b/file.txt"));
  EXPECT_EQ(Resolve("."), Inode("root"));
  EXPECT_EQ(Resolve("a/.."), Inode("root"));
  EXPECT_EQ(Resolve("a/b/"), Inode("root/a/b"));
  // Not following the last component names the link itself.
  EXPECT_EQ(Resolve("link_in", false), Inode("root/link_in"));
  EXPECT_EQ(Resolve("link_in", true), Inode("root/a/b"));
}

TEST_F(PathResolutionTest, RefusesEveryWayOut) {
  EXPECT_EQ(Resolve(".."), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("../outside/secret"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("a/../../outside/secret"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("/etc/passwd"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve((scratch_ / "outside/secret")), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("link_up/outside/secret"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("a/up2/outside/secret"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("link_abs/secret"), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("link_abs", true), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("link_up", true), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Resolve("link_abs/", false), Err(ErrorCode::kNotPermitted));
}

TEST_F(PathResolutionTest, ReportsLoopsAndMissingComponents) {
  EXPECT_EQ(Resolve("loop1", true), Err(ErrorCode::kLoop));
  EXPECT_EQ(Resolve("loop1/x"), Err(ErrorCode::kLoop));
  EXPECT_EQ(Resolve("loop1", false), Inode("root/loop1"));
  EXPECT_EQ(Resolve(""), Err(ErrorCode::kNoEntry));
  EXPECT_EQ(Resolve("nope/x"), Err(ErrorCode::kNoEntry));
  EXPECT_EQ(Resolve("a/b/file.txt/x"), Err(ErrorCode::kNotDirectory));
  EXPECT_EQ(Resolve(std::string_view("a\0b", 3)), Err(ErrorCode::kInvalid));
  EXPECT_EQ(Resolve("new"), "missing new");
  EXPECT_EQ(Resolve(std::string(5000, 'a')), Err(ErrorCode::kNameTooLong));
}

}  // namespace
}  // namespace wcloud::wasi
