// Resolving a guest's path beneath a directory descriptor so that it can never name anything
// outside it: component by component with O_NOFOLLOW, symbolic links expanded by us (never by the
// kernel), `..` popping only directories this walk entered. Absolute paths, `..` above the start
// and links to absolute targets are not-permitted, as in cap-std/wasmtime; more than 40 links are
// a loop.
#pragma once

#include <string>
#include <string_view>

#include "wasi/error_code.h"
#include "wasi/unique_fd.h"

namespace wcloud::wasi {

// The directory holding the path's last component, and that component. Syscalls take
// (parent_fd, name) with AT_SYMLINK_NOFOLLOW/O_NOFOLLOW, so a link swapped in after resolution
// is not followed either.
struct ResolvedPath {
  UniqueFd owned_parent;  // set unless the parent is the starting directory itself
  int parent_fd = -1;
  std::string name;             // "." when the path names the starting directory (or a `..` of it)
  bool trailing_slash = false;  // the path (or a link it ends in) ends in '/': must be a directory
};

// `follow_last`: expand a symbolic link in the last component too (path-flags symlink-follow).
FsResult<ResolvedPath> ResolveBeneath(int dir_fd, std::string_view path, bool follow_last);

}  // namespace wcloud::wasi
