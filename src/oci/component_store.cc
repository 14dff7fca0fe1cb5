#include "oci/component_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "util/sha256.h"

namespace wcloud::oci {

Result<std::filesystem::path> LocalComponentStore::PathOf(std::string_view digest) const {
  constexpr std::string_view kPrefix = "sha256:";
  if (digest.substr(0, kPrefix.size()) != kPrefix || digest.size() != kPrefix.size() + 64) {
    return Error("digest \"" + std::string(digest) + "\": expected sha256:<64 hex digits>");
  }
  std::string_view hex = digest.substr(kPrefix.size());
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return Error("digest \"" + std::string(digest) + "\": expected lowercase hex");
    }
  }
  return dir_ / "sha256" / std::string(hex);
}

Result<std::string> LocalComponentStore::Put(std::string_view bytes) {
  std::string digest = Sha256Digest(bytes);
  WCLOUD_ASSIGN_OR_RETURN(auto path, PathOf(digest));
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return digest;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return Error(path.parent_path().string() + ": " + ec.message());
  // Unique per writer, so concurrent Puts of the same bytes never share a temporary file.
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(getpid()) + "." + std::to_string(next_tmp_++);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Error(tmp.string() + ": cannot create");
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  bool ok = written == bytes.size() && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::filesystem::remove(tmp, ec);
    return Error(path.string() + ": write failed");
  }
  return digest;
}

Result<std::string> LocalComponentStore::Get(std::string_view digest) {
  WCLOUD_ASSIGN_OR_RETURN(auto path, PathOf(digest));
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error("component " + std::string(digest) + ": not in the store", ErrorCode::kNotFound);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  if (Sha256Digest(bytes) != digest) {
    return Error(path.string() + ": content does not match its digest (corrupted store)");
  }
  return bytes;
}

bool LocalComponentStore::Has(std::string_view digest) {
  auto path = PathOf(digest);
  std::error_code ec;
  return path && std::filesystem::exists(*path, ec);
}

}  // namespace wcloud::oci
