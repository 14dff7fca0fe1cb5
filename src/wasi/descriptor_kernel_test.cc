// Every path-taking descriptor method against Linux itself: each call goes through a Descriptor on
// one tree and, as the syscall it stands for, straight to the kernel on an identical tree beside
// it. The error-code (errno mapped by ErrorCodeFromErrno, as descriptor.cc maps it), what the call
// reached and the whole tree afterwards must agree. The paths never leave the tree, so resolving
// them beneath the preopen must not change what they mean: trailing '/', "//", "/." and "/.." on
// directories, files, missing names and links of every kind are what this is about.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wasi/descriptor.h"
#include "wasi/error_code.h"
#include "wasi/wasi_test_fixture.h"

namespace wcloud::wasi {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHashKey = "parity";
constexpr time_t kStamp = 1'000'000'007;  // set-times-at's time, recognisable in a snapshot

// error-code's WIT names, in its case order.
constexpr std::array<const char*, 37> kErrorNames = {"access",
                                                     "would-block",
                                                     "already",
                                                     "bad-descriptor",
                                                     "busy",
                                                     "deadlock",
                                                     "quota",
                                                     "exist",
                                                     "file-too-large",
                                                     "illegal-byte-sequence",
                                                     "in-progress",
                                                     "interrupted",
                                                     "invalid",
                                                     "io",
                                                     "is-directory",
                                                     "loop",
                                                     "too-many-links",
                                                     "message-size",
                                                     "name-too-long",
                                                     "no-device",
                                                     "no-entry",
                                                     "no-lock",
                                                     "insufficient-memory",
                                                     "insufficient-space",
                                                     "not-directory",
                                                     "not-empty",
                                                     "not-recoverable",
                                                     "unsupported",
                                                     "no-tty",
                                                     "no-such-device",
                                                     "overflow",
                                                     "not-permitted",
                                                     "pipe",
                                                     "read-only",
                                                     "invalid-seek",
                                                     "text-file-busy",
                                                     "cross-device"};

// What one call did: its error (none on success), what it reached (the entry it opened or looked
// at, the text readlink read) and every entry of the tree afterwards.
struct Outcome {
  std::optional<ErrorCode> error;
  std::string reached;
  std::map<std::string, std::string> tree;
  bool operator==(const Outcome&) const = default;
};

Outcome KernelOutcome(int rc) {
  Outcome out;
  if (rc < 0) {
    out.error = ErrorCodeFromErrno(errno);
  }
  return out;
}

template <class T>
Outcome WasiOutcome(const FsResult<T>& result) {
  Outcome out;
  if (!result) {
    out.error = result.error();
  }
  return out;
}

// The starting tree: directories (one empty, one not), a file, and links to each kind of thing,
// some with a '/' at the end of their target.
void Populate(const std::string& root) {
  fs::create_directory(root + "/dir");
  fs::create_directory(root + "/full");
  std::ofstream(root + "/full/f") << "f";
  std::ofstream(root + "/file") << "data";
  for (auto [link, target] :
       std::initializer_list<std::pair<const char*, const char*>>{{"link_dir", "dir"},
                                                                  {"link_file", "file"},
                                                                  {"dangling", "nothing"},
                                                                  {"link_dir_slash", "dir/"},
                                                                  {"link_file_slash", "file/"},
                                                                  {"dangling_slash", "nothing/"},
                                                                  {"link_dot", "dir/."},
                                                                  {"loop", "loop"}}) {
    fs::create_symlink(target, root + "/" + link);
  }
}

std::string Describe(const struct stat& st) {
  std::string out = S_ISDIR(st.st_mode)   ? "directory"
                    : S_ISREG(st.st_mode) ? "file size=" + std::to_string(st.st_size) +
                                                " links=" + std::to_string(st.st_nlink)
                    : S_ISLNK(st.st_mode) ? "symlink"
                                          : "other";
  if (st.st_mtim.tv_sec == kStamp) {
    out += " stamped";
  }
  return out;
}

// Every entry beneath `root` ("." for root itself), links not followed.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> tree;
  std::vector<std::string> pending = {"."};
  while (!pending.empty()) {
    std::string rel = pending.back();
    pending.pop_back();
    std::string path = root + "/" + rel;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) {
      tree[rel] = "(lstat failed)";
      continue;
    }
    std::string& description = tree[rel] = Describe(st);
    if (S_ISLNK(st.st_mode)) {
      description += " -> " + fs::read_symlink(path).string();
    } else if (S_ISDIR(st.st_mode)) {
      for (const auto& entry : fs::directory_iterator(path)) {
        std::string name = entry.path().filename().string();
        pending.push_back(rel == "." ? name : rel + "/" + name);
      }
    }
  }
  return tree;
}

// The first entry of `tree` (of the tree at `root`) that is the inode `st` describes.
std::string EntryOf(const std::string& root, const std::map<std::string, std::string>& tree,
                    const struct stat& st) {
  for (const auto& [rel, unused] : tree) {
    struct stat other {};
    if (lstat((root + "/" + rel).c_str(), &other) == 0 && other.st_dev == st.st_dev &&
        other.st_ino == st.st_ino) {
      return rel;
    }
  }
  return "(outside the tree)";
}

std::string StatSummary(DescriptorType type, uint64_t links, uint64_t size) {
  return "type=" + std::to_string(static_cast<int>(type)) + " links=" + std::to_string(links) +
         " size=" + std::to_string(size);
}

DescriptorType TypeOf(mode_t mode) {
  return S_ISDIR(mode)   ? DescriptorType::kDirectory
         : S_ISREG(mode) ? DescriptorType::kRegularFile
         : S_ISLNK(mode) ? DescriptorType::kSymbolicLink
                         : DescriptorType::kUnknown;
}

// Paths into the starting tree: every entry with each ending that changes what a path means.
std::vector<std::string> Paths() {
  std::vector<std::string> paths = {"",
                                    ".",
                                    "./",
                                    "full/f",
                                    "full/f/",
                                    "full/f/.",
                                    "link_dir/new/",
                                    "dir/../file/",
                                    "link_dir/../full/"};
  for (const char* name :
       {"dir", "full", "file", "nothing", "link_dir", "link_file", "dangling", "link_dir_slash",
        "link_file_slash", "dangling_slash", "link_dot", "loop"}) {
    for (const char* ending : {"", "/", "//", "/.", "/./", "/.."}) {
      paths.push_back(std::string(name) + ending);
    }
  }
  return paths;
}

// Names for the new side of link-at and rename-at: missing, existing and linked, with endings.
std::vector<std::string> NewPaths() {
  return {"new",          "new/",          "new//",       "new/.",     ".",        "dir",
          "dir/",         "dir/.",         "dir/..",      "full",      "full/",    "file",
          "file/",        "file/.",        "link_dir",    "link_dir/", "dangling", "dangling/",
          "link_dir/new", "link_dir/new/", "nothing/new", "file/new",  "loop/new"};
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

class KernelParityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(wasi_root_);
    fs::create_directory(kernel_root_);
    kernel_ = UniqueFd(open(kernel_root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(kernel_.valid());
    auto preopen = Descriptor::OpenPreopen(wasi_root_, false);
    ASSERT_TRUE(preopen) << preopen.error().message();
    wasi_ = std::move(preopen).value();
    Populate(wasi_root_);
    Populate(kernel_root_);
    starting_tree_ = Snapshot(kernel_root_);
  }

  // Runs one call both ways from the starting tree and records any difference. `wasi_call` and
  // `kernel_call` return the error and what was reached; the trees are compared here.
  template <class W, class K>
  void Check(const std::string& call, W wasi_call, K kernel_call) {
    if (changed_) {
      for (const std::string& root : {wasi_root_, kernel_root_}) {
        for (const auto& entry : fs::directory_iterator(root)) {
          fs::remove_all(entry.path());
        }
        Populate(root);
      }
    }
    Outcome want = kernel_call();
    want.tree = Snapshot(kernel_root_);
    Outcome got = wasi_call();
    got.tree = Snapshot(wasi_root_);
    ++cases_;
    // Most calls fail and change nothing: only a changed tree is made again.
    changed_ = got.tree != starting_tree_ || want.tree != starting_tree_;
    if (got == want) {
      return;
    }
    std::string report = call + ": wasi " + Summary(got) + ", kernel " + Summary(want);
    for (const auto& [rel, kernel_entry] : want.tree) {
      auto it = got.tree.find(rel);
      if (it == got.tree.end() || it->second != kernel_entry) {
        report += "; kernel has " + rel + " (" + kernel_entry + ")";
      }
    }
    for (const auto& [rel, wasi_entry] : got.tree) {
      auto it = want.tree.find(rel);
      if (it == want.tree.end() || it->second != wasi_entry) {
        report += "; wasi has " + rel + " (" + wasi_entry + ")";
      }
    }
    mismatches_.push_back(report);
  }

  // Which entry of the wasi tree `hash` belongs to (hashes of the same inode are the same).
  std::string EntryWithHash(const MetadataHash& hash) {
    for (const auto& [rel, unused] : Snapshot(wasi_root_)) {
      auto other = wasi_->MetadataHashAt(false, rel, kHashKey);
      if (other && other.value().lower == hash.lower && other.value().upper == hash.upper) {
        return rel;
      }
    }
    return "(outside the tree)";
  }

  std::string KernelEntryOf(const struct stat& st) {
    return EntryOf(kernel_root_, Snapshot(kernel_root_), st);
  }

  void ExpectAgreement(size_t min_cases) {
    EXPECT_GE(cases_, min_cases);
    EXPECT_TRUE(mismatches_.empty())
        << mismatches_.size() << " of " << cases_ << " calls differ from the kernel, first ones:\n"
        << FirstMismatches();
  }

  static std::string Summary(const Outcome& o) {
    std::string out = o.error ? kErrorNames[static_cast<size_t>(*o.error)] : "ok";
    if (!o.reached.empty()) {
      out += " (" + o.reached + ")";
    }
    return out;
  }

  std::string FirstMismatches() const {
    std::string out;
    for (size_t i = 0; i < mismatches_.size() && i < 60; ++i) {
      out += "  " + mismatches_[i] + "\n";
    }
    return out;
  }

  int kfd() const { return kernel_.get(); }

  ScratchDir scratch_;
  std::string wasi_root_ = scratch_ / "wasi";
  std::string kernel_root_ = scratch_ / "kernel";
  UniqueFd kernel_;
  std::shared_ptr<Descriptor> wasi_;
  std::map<std::string, std::string> starting_tree_;
  bool changed_ = false;
  size_t cases_ = 0;
  std::vector<std::string> mismatches_;
};

TEST_F(KernelParityTest, OpenAt) {
  for (bool follow : {false, true}) {
    for (uint32_t open_flags = 0; open_flags < 16; ++open_flags) {
      for (uint32_t flags : {kFlagRead, kFlagWrite}) {
        int oflags =
            O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW) |
            (flags == kFlagWrite ? O_WRONLY : O_RDONLY) | (open_flags & kOpenCreate ? O_CREAT : 0) |
            (open_flags & kOpenDirectory ? O_DIRECTORY : 0) |
            (open_flags & kOpenExclusive ? O_EXCL : 0) | (open_flags & kOpenTruncate ? O_TRUNC : 0);
        for (const std::string& path : Paths()) {
          Check(
              "open-at follow=" + std::to_string(follow) +
                  " open-flags=" + std::to_string(open_flags) + " flags=" + std::to_string(flags) +
                  " " + Quote(path),
              [&] {
                auto opened = wasi_->OpenAt(follow, path, open_flags, flags);
                Outcome out = WasiOutcome(opened);
                if (opened) {
                  auto hash = opened.value()->GetMetadataHash(kHashKey);
                  out.reached = hash ? EntryWithHash(hash.value()) : "(no hash)";
                }
                return out;
              },
              [&] {
                UniqueFd fd(openat(kfd(), path.c_str(), oflags, 0666));
                Outcome out = KernelOutcome(fd.get());
                struct stat st {};
                if (fd.valid() && fstat(fd.get(), &st) == 0) {
                  out.reached = KernelEntryOf(st);
                }
                return out;
              });
        }
      }
    }
  }
  ExpectAgreement(4000);
}

TEST_F(KernelParityTest, CreateDirectoryAt) {
  for (const std::string& path : Paths()) {
    Check(
        "create-directory-at " + Quote(path),
        [&] { return WasiOutcome(wasi_->CreateDirectoryAt(path)); },
        [&] { return KernelOutcome(mkdirat(kfd(), path.c_str(), 0777)); });
  }
  ExpectAgreement(70);
}

TEST_F(KernelParityTest, StatAtAndMetadataHashAt) {
  for (bool follow : {false, true}) {
    int at_flags = follow ? 0 : AT_SYMLINK_NOFOLLOW;
    for (const std::string& path : Paths()) {
      Check(
          "stat-at follow=" + std::to_string(follow) + " " + Quote(path),
          [&] {
            auto stat = wasi_->StatAt(follow, path);
            Outcome out = WasiOutcome(stat);
            if (stat) {
              out.reached =
                  StatSummary(stat.value().type, stat.value().link_count, stat.value().size);
            }
            return out;
          },
          [&] {
            struct stat st {};
            Outcome out = KernelOutcome(fstatat(kfd(), path.c_str(), &st, at_flags));
            if (!out.error) {
              out.reached = StatSummary(TypeOf(st.st_mode), st.st_nlink, st.st_size);
            }
            return out;
          });
      Check(
          "metadata-hash-at follow=" + std::to_string(follow) + " " + Quote(path),
          [&] {
            auto hash = wasi_->MetadataHashAt(follow, path, kHashKey);
            Outcome out = WasiOutcome(hash);
            if (hash) {
              out.reached = EntryWithHash(hash.value());
            }
            return out;
          },
          [&] {
            struct stat st {};
            Outcome out = KernelOutcome(fstatat(kfd(), path.c_str(), &st, at_flags));
            if (!out.error) {
              out.reached = KernelEntryOf(st);
            }
            return out;
          });
    }
  }
  ExpectAgreement(280);
}

TEST_F(KernelParityTest, SetTimesAt) {
  const NewTimestamp stamp{.kind = NewTimestamp::Kind::kTimestamp,
                           .time = {static_cast<uint64_t>(kStamp), 0}};
  const timespec times[2] = {{.tv_sec = kStamp, .tv_nsec = 0}, {.tv_sec = kStamp, .tv_nsec = 0}};
  for (bool follow : {false, true}) {
    for (const std::string& path : Paths()) {
      Check(
          "set-times-at follow=" + std::to_string(follow) + " " + Quote(path),
          [&] { return WasiOutcome(wasi_->SetTimesAt(follow, path, stamp, stamp)); },
          [&] {
            return KernelOutcome(
                utimensat(kfd(), path.c_str(), times, follow ? 0 : AT_SYMLINK_NOFOLLOW));
          });
    }
  }
  ExpectAgreement(140);
}

TEST_F(KernelParityTest, LinkAt) {
  for (bool follow : {false, true}) {
    for (const std::string& old_path : Paths()) {
      for (const std::string& new_path : NewPaths()) {
        Check(
            "link-at follow=" + std::to_string(follow) + " " + Quote(old_path) + " " +
                Quote(new_path),
            [&] { return WasiOutcome(wasi_->LinkAt(follow, old_path, *wasi_, new_path)); },
            [&] {
              return KernelOutcome(linkat(kfd(), old_path.c_str(), kfd(), new_path.c_str(),
                                          follow ? AT_SYMLINK_FOLLOW : 0));
            });
      }
    }
  }
  ExpectAgreement(3000);
}

TEST_F(KernelParityTest, ReadlinkAt) {
  for (const std::string& path : Paths()) {
    Check(
        "readlink-at " + Quote(path),
        [&] {
          auto text = wasi_->ReadlinkAt(path);
          Outcome out = WasiOutcome(text);
          if (text) {
            out.reached = text.value();
          }
          return out;
        },
        [&] {
          std::string text(PATH_MAX, '\0');
          ssize_t n = readlinkat(kfd(), path.c_str(), text.data(), text.size());
          Outcome out = KernelOutcome(n < 0 ? -1 : 0);
          if (n >= 0) {
            out.reached = text.substr(0, static_cast<size_t>(n));
          }
          return out;
        });
  }
  ExpectAgreement(70);
}

TEST_F(KernelParityTest, RemoveDirectoryAtAndUnlinkFileAt) {
  for (const std::string& path : Paths()) {
    Check(
        "remove-directory-at " + Quote(path),
        [&] { return WasiOutcome(wasi_->RemoveDirectoryAt(path)); },
        [&] { return KernelOutcome(unlinkat(kfd(), path.c_str(), AT_REMOVEDIR)); });
    Check(
        "unlink-file-at " + Quote(path), [&] { return WasiOutcome(wasi_->UnlinkFileAt(path)); },
        [&] { return KernelOutcome(unlinkat(kfd(), path.c_str(), 0)); });
  }
  ExpectAgreement(140);
}

TEST_F(KernelParityTest, RenameAt) {
  auto check = [&](const std::string& old_path, const std::string& new_path) {
    Check(
        "rename-at " + Quote(old_path) + " " + Quote(new_path),
        [&] { return WasiOutcome(wasi_->RenameAt(old_path, *wasi_, new_path)); },
        [&] { return KernelOutcome(renameat(kfd(), old_path.c_str(), kfd(), new_path.c_str())); });
  };
  for (const std::string& old_path : Paths()) {
    for (const std::string& new_path : NewPaths()) {
      check(old_path, new_path);
    }
  }
  for (const char* old_path : {"dir", "dir/", "file", "link_dir", "dangling"}) {
    for (const std::string& new_path : Paths()) {
      check(old_path, new_path);
    }
  }
  ExpectAgreement(1900);
}

TEST_F(KernelParityTest, SymlinkAt) {
  for (const char* target : {"dir", "dir/", "file/", "nothing/", "dir/.", "dir//", ""}) {
    for (const std::string& path : Paths()) {
      Check(
          "symlink-at " + Quote(target) + " " + Quote(path),
          [&] { return WasiOutcome(wasi_->SymlinkAt(target, path)); },
          [&] { return KernelOutcome(symlinkat(target, kfd(), path.c_str())); });
    }
  }
  ExpectAgreement(500);
}

}  // namespace
}  // namespace wcloud::wasi
