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
    auto resolved = ResolveBeneath(root_, path, LastComponent::kLookup, follow);
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
  // Where a path for `last` leads: the parent's inode and the name the syscall is given.
  std::string Where(std::string_view path, LastComponent last, bool follow = false) {
    auto resolved = ResolveBeneath(root_, path, last, follow);
    if (!resolved) {
      return "error " + std::to_string(static_cast<int>(resolved.error()));
    }
    struct stat st {};
    if (fstat(resolved.value().parent_fd, &st) != 0) {
      return "bad parent";
    }
    return "in inode " + std::to_string(st.st_ino) + " " + resolved.value().EntryName();
  }
  std::string In(std::string_view host_rel, std::string_view name) {
    return "in " + Inode(host_rel) + " " + std::string(name);
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

// Entries to make, remove or rename keep their trailing '/' for the syscall and are never followed;
// a final "." or ".." is the syscall's to refuse.
TEST_F(PathResolutionTest, EntriesKeepTheirTrailingSlash) {
  EXPECT_EQ(Where("a/b/", LastComponent::kEntry), In("root/a", "b/"));
  EXPECT_EQ(Where("a//b//", LastComponent::kEntry), In("root/a", "b/"));
  EXPECT_EQ(Where("a/b", LastComponent::kEntry), In("root/a", "b"));
  EXPECT_EQ(Where("new/", LastComponent::kEntry), In("root", "new/"));
  EXPECT_EQ(Where("link_in/", LastComponent::kEntry, true), In("root", "link_in/"));
  EXPECT_EQ(Where("link_abs/", LastComponent::kEntry), In("root", "link_abs/"));
  EXPECT_EQ(Where("link_in/file.txt/", LastComponent::kEntry), In("root/a/b", "file.txt/"));
  EXPECT_EQ(Where("a/b/.", LastComponent::kEntry), In("root/a/b", "."));
  EXPECT_EQ(Where("a/b/./", LastComponent::kEntry), In("root/a/b", "."));
  EXPECT_EQ(Where("a/b/..", LastComponent::kEntry), In("root/a/b", ".."));
  EXPECT_EQ(Where(".", LastComponent::kEntry), In("root", "."));
  EXPECT_EQ(Where("..", LastComponent::kEntry), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Where("link_abs/.", LastComponent::kEntry), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Where("link_up/..", LastComponent::kEntry), Err(ErrorCode::kNotPermitted));
}

// A lookup follows a link before '/' and enters the directory; create stops at a trailing '/'.
TEST_F(PathResolutionTest, LookupsEnterWhatATrailingSlashNames) {
  EXPECT_EQ(Where("a/b/", LastComponent::kLookup), In("root/a/b", "."));
  EXPECT_EQ(Where("link_in/", LastComponent::kLookup), In("root/a/b", "."));
  EXPECT_EQ(Where("link_in", LastComponent::kLookup), In("root", "link_in"));
  EXPECT_EQ(Where("a/b/..", LastComponent::kLookup), In("root/a", "."));
  EXPECT_EQ(Where("a/b/file.txt/", LastComponent::kLookup), Err(ErrorCode::kNotDirectory));
  EXPECT_EQ(Where("nope/", LastComponent::kLookup), Err(ErrorCode::kNoEntry));
  EXPECT_EQ(Where("link_abs/", LastComponent::kLookup), Err(ErrorCode::kNotPermitted));
  EXPECT_EQ(Where("new/", LastComponent::kCreate, true), In("root", "new/"));
  EXPECT_EQ(Where("link_in/", LastComponent::kCreate, true), In("root", "link_in/"));
  EXPECT_EQ(Where("link_in", LastComponent::kCreate, true), In("root/a", "b"));
  EXPECT_EQ(Where("link_in", LastComponent::kCreate, false), In("root", "link_in"));
  EXPECT_EQ(Where("link_abs", LastComponent::kCreate, true), Err(ErrorCode::kNotPermitted));
}

}  // namespace
}  // namespace wcloud::wasi
