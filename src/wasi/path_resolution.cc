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

// Splits at '/' into components, dropping empty ones and "." except a final "." (to Linux, "dir/."
// is not "dir/"). Returns whether the last component is a name with a '/' after it.
bool Split(std::string_view path, std::deque<std::string>& out, bool at_front) {
  std::vector<std::string> parts;
  bool last_is_dot = false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    std::string_view part = path.substr(start, end - start);
    if (!part.empty()) {
      last_is_dot = part == ".";
      if (!last_is_dot) {
        parts.emplace_back(part);
      }
    }
    start = end + 1;
  }
  if (last_is_dot) {
    parts.emplace_back(".");
  }
  bool trailing_slash =
      !last_is_dot && !parts.empty() && parts.back() != ".." && path.back() == '/';
  out.insert(at_front ? out.begin() : out.end(), parts.begin(), parts.end());
  return trailing_slash;
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

FsResult<ResolvedPath> ResolveBeneath(int dir_fd, std::string_view path, LastComponent last,
                                      bool follow_last) {
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
  auto finish = [&](std::string name) {
    ResolvedPath resolved;
    if (!entered.empty()) {
      resolved.owned_parent = std::move(entered.back());
    }
    resolved.parent_fd = resolved.owned_parent.valid() ? resolved.owned_parent.get() : dir_fd;
    resolved.trailing_slash = trailing_slash && name != "." && name != "..";
    resolved.name = std::move(name);
    return resolved;
  };
  int links = 0;
  // Puts a link's target in place of the link, ahead of the rest of the path. A '/' ending the
  // target of the last component makes a trailing slash; one the path had stays (a lookup that
  // followed a link for it still needs a directory, as Linux's LOOKUP_DIRECTORY does).
  auto expand = [&](const std::string& target, bool is_last) -> FsResult<bool> {
    if (++links > kMaxSymlinks) {
      return ErrorCode::kLoop;
    }
    if (target.empty()) {
      return ErrorCode::kNoEntry;
    }
    if (target.front() == '/') {
      return ErrorCode::kNotPermitted;
    }
    bool target_slash = Split(target, pending, true);
    if (is_last) {
      trailing_slash = trailing_slash || target_slash;
    }
    return true;
  };

  // Each step leaves at least the last component pending or returns.
  while (true) {
    std::string name = std::move(pending.front());
    pending.pop_front();
    bool is_last = pending.empty();
    if (name == ".") {
      if (is_last) {
        return finish(".");
      }
      continue;
    }
    if (name == "..") {
      if (entered.empty()) {
        return ErrorCode::kNotPermitted;
      }
      if (is_last && last == LastComponent::kEntry) {
        return finish("..");  // refused by the syscall, which never walks it
      }
      entered.pop_back();
      if (is_last) {
        return finish(".");
      }
      continue;
    }
    if (is_last) {
      bool follow = last == LastComponent::kLookup   ? follow_last || trailing_slash
                    : last == LastComponent::kCreate ? follow_last && !trailing_slash
                                                     : false;
      if (follow) {
        auto target = ReadLink(current(), name);
        if (target) {
          auto expanded = expand(target.value(), true);
          if (!expanded) {
            return expanded.error();
          }
          continue;
        }
      }
      if (last != LastComponent::kLookup || !trailing_slash) {
        return finish(std::move(name));
      }
    }
    int fd = openat(current(), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      entered.emplace_back(fd);
      if (is_last) {
        return finish(".");  // a lookup's "dir/": the directory itself
      }
      continue;
    }
    int err = errno;
    if (is_last || (err != ENOTDIR && err != ELOOP)) {
      return ErrorCodeFromErrno(err);
    }
    auto target = ReadLink(current(), name);
    if (!target) {
      return ErrorCode::kNotDirectory;
    }
    auto expanded = expand(target.value(), false);
    if (!expanded) {
      return expanded.error();
    }
  }
}

}  // namespace wcloud::wasi
