#include "wasi/path_resolution.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <deque>
#include <vector>

namespace wcloud::wasi {
namespace {

constexpr int kMaxSymlinks = 40;  // Linux's own limit (MAXSYMLINKS)

// Splits at '/', dropping empty and "." components. Returns whether `path` ends in '/' or '.'
// components, which make the last real component a directory.
bool Split(std::string_view path, std::deque<std::string>& out, bool at_front) {
  std::vector<std::string> parts;
  bool trailing_dir = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == ".") {
      trailing_dir = !parts.empty() || end < path.size() || part == ".";
    } else {
      parts.emplace_back(part);
      trailing_dir = false;
    }
    start = end + 1;
  }
  out.insert(at_front ? out.begin() : out.end(), parts.begin(), parts.end());
  return trailing_dir;
}

// The target of `name` in `dir` if it is a symbolic link; kInvalid when it is something else.
FsResult<std::string> ReadLink(int dir, const std::string& name) {
  std::string target(256, '\0');
  while (true) {
    ssize_t n = readlinkat(dir, name.c_str(), target.data(), target.size());
    if (n < 0) {
      return ErrorCodeFromErrno(errno);
    }
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

}  // namespace

FsResult<ResolvedPath> ResolveBeneath(int dir_fd, std::string_view path, bool follow_last) {
  if (path.empty()) {
    return ErrorCode::kNoEntry;
  }
  if (path.find('\0') != std::string_view::npos) {
    return ErrorCode::kInvalid;
  }
  if (path.front() == '/') {
    return ErrorCode::kNotPermitted;
  }
  if (path.size() >= PATH_MAX) {
    return ErrorCode::kNameTooLong;  // as the kernel would say, before we walk any of it
  }
  std::deque<std::string> pending;
  bool trailing_slash = Split(path, pending, false);
  std::vector<UniqueFd> entered;  // directories below dir_fd, innermost last
  auto current = [&] { return entered.empty() ? dir_fd : entered.back().get(); };
  auto finish = [&](std::string name, bool must_be_dir) {
    ResolvedPath resolved;
    if (!entered.empty()) {
      resolved.owned_parent = std::move(entered.back());
    }
    resolved.parent_fd = resolved.owned_parent.valid() ? resolved.owned_parent.get() : dir_fd;
    resolved.name = std::move(name);
    resolved.trailing_slash = must_be_dir;
    return resolved;
  };
  int links = 0;
  // Puts a link's target in place of the link, ahead of the rest of the path.
  auto expand = [&](const std::string& target, bool last) -> FsResult<bool> {
    if (++links > kMaxSymlinks) {
      return ErrorCode::kLoop;
    }
    if (target.empty()) {
      return ErrorCode::kNoEntry;
    }
    if (target.front() == '/') {
      return ErrorCode::kNotPermitted;
    }
    bool target_dir = Split(target, pending, true);
    if (last) {
      trailing_slash = trailing_slash || target_dir;
    }
    return true;
  };

  while (!pending.empty()) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    if (name == "..") {
      if (entered.empty()) {
        return ErrorCode::kNotPermitted;
      }
      entered.pop_back();
      continue;
    }
    bool last = pending.empty();
    if (last && !trailing_slash) {
      if (follow_last) {
        auto target = ReadLink(current(), name);
        if (target) {
          auto expanded = expand(target.value(), true);
          if (!expanded) {
            return expanded.error();
          }
          continue;
        }
      }
      return finish(std::move(name), false);
    }
    int fd = openat(current(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      entered.emplace_back(fd);
      continue;
    }
    int err = errno;
    if (err == ENOENT && last) {
      // "new/" for create-directory-at: the caller's syscall decides.
      return finish(std::move(name), true);
    }
    if (err != ENOTDIR && err != ELOOP) {
      return ErrorCodeFromErrno(err);
    }
    auto target = ReadLink(current(), name);
    if (!target) {
      return ErrorCode::kNotDirectory;
    }
    auto expanded = expand(target.value(), last);
    if (!expanded) {
      return expanded.error();
    }
  }
  // The path ends in a directory that was entered (or popped back to): name it as ".".
  return finish(".", false);
}

}  // namespace wcloud::wasi
