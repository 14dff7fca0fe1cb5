// Resolving a guest's path beneath a directory descriptor so that it can never name anything
// outside it: component by component with O_NOFOLLOW, symbolic links expanded by us (never by the
// kernel), `..` popping only directories this walk entered. Absolute paths, `..` above the start
// and links to absolute targets are not-permitted, as in cap-std/wasmtime; more than 40 links are
// a loop. Inside those rules a path means what it means to Linux, trailing '/' included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasi/error_code.h"
#include "wasi/unique_fd.h"

namespace wcloud::wasi {

// What the call does with the path's last component, which decides how Linux treats a link there
// and a '/' after it.
enum class LastComponent : uint8_t {
  // An entry to make, remove or rename (mkdir, unlink, rmdir, rename, the new name of link and
  // symlink): never followed. A trailing '/' stays on the name for the syscall, which judges it
  // as Linux does ("dir/" can be removed, "new/" cannot be linked).
  kEntry,
  // open-at with create: a final link is followed when asked to, unless a '/' comes after it;
  // the caller fails a trailing '/' (Linux: EISDIR, before looking at the name).
  kCreate,
  // A lookup of something that exists: a final link is followed when asked to, and always when a
  // '/' comes after it; then it must be a directory, which is entered and named ".".
  kLookup,
};

// The directory holding the path's last component, and that component. Syscalls take
// (parent_fd, name) with AT_SYMLINK_NOFOLLOW/O_NOFOLLOW, so a link swapped in after resolution
// is not followed either.
struct ResolvedPath {
  UniqueFd owned_parent;  // set unless the parent is the starting directory itself
  int parent_fd = -1;
  // A name, "." (the parent itself), or for kEntry ".." (which every entry syscall refuses).
  std::string name;
  // `name` came before a '/' (in the path or in the target of a link it ended in); kEntry and
  // kCreate only, as kLookup enters such a directory.
  bool trailing_slash = false;

  // The name with its trailing '/' for a kEntry syscall, which never follows it.
  std::string EntryName() const { return trailing_slash ? name + "/" : name; }
};

// `follow_last`: path-flags symlink-follow (ignored for kEntry).
FsResult<ResolvedPath> ResolveBeneath(int dir_fd, std::string_view path, LastComponent last,
                                      bool follow_last = false);

}  // namespace wcloud::wasi
