// wasi:filesystem descriptors: a host directory or file opened beneath a preopen, with the
// capabilities WASI attaches to it (descriptor-flags). Every path argument resolves beneath the
// descriptor (path_resolution.h); WASI's rules become FsResult errors, never traps.
#pragma once

#include <dirent.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/result.h"
#include "wasi/error_code.h"
#include "wasi/streams.h"
#include "wasi/unique_fd.h"

namespace wcloud::wasi {

using FsStatus = FsResult<std::monostate>;

// descriptor-type, in WIT order.
enum class DescriptorType : uint8_t {
  kUnknown,
  kBlockDevice,
  kCharacterDevice,
  kDirectory,
  kFifo,
  kSymbolicLink,
  kRegularFile,
  kSocket,
};

// descriptor-flags bits (bit i = the WIT's label i).
inline constexpr uint32_t kFlagRead = 1u << 0;
inline constexpr uint32_t kFlagWrite = 1u << 1;
inline constexpr uint32_t kFlagFileIntegritySync = 1u << 2;
inline constexpr uint32_t kFlagDataIntegritySync = 1u << 3;
inline constexpr uint32_t kFlagRequestedWriteSync = 1u << 4;
inline constexpr uint32_t kFlagMutateDirectory = 1u << 5;

// open-flags bits.
inline constexpr uint32_t kOpenCreate = 1u << 0;
inline constexpr uint32_t kOpenDirectory = 1u << 1;
inline constexpr uint32_t kOpenExclusive = 1u << 2;
inline constexpr uint32_t kOpenTruncate = 1u << 3;

// advice, in WIT order.
enum class Advice : uint8_t { kNormal, kSequential, kRandom, kWillNeed, kDontNeed, kNoReuse };

struct Datetime {  // wasi:clocks/wall-clock datetime
  uint64_t seconds = 0;
  uint32_t nanoseconds = 0;
};

struct DescriptorStat {
  DescriptorType type = DescriptorType::kUnknown;
  uint64_t link_count = 0;
  uint64_t size = 0;
  std::optional<Datetime> access_time;
  std::optional<Datetime> modification_time;
  std::optional<Datetime> status_change_time;
};

struct NewTimestamp {
  enum class Kind : uint8_t { kNoChange, kNow, kTimestamp };  // WIT order
  Kind kind = Kind::kNoChange;
  Datetime time;  // kTimestamp
};

struct DirectoryEntry {
  DescriptorType type = DescriptorType::kUnknown;
  std::string name;
};

struct MetadataHash {
  uint64_t lower = 0;
  uint64_t upper = 0;
};

// read-directory's stream: the entries of a directory, without "." and "..".
class DirectoryEntryStream {
 public:
  explicit DirectoryEntryStream(DIR* dir) : dir_(dir) {}
  ~DirectoryEntryStream();
  DirectoryEntryStream(const DirectoryEntryStream&) = delete;
  DirectoryEntryStream& operator=(const DirectoryEntryStream&) = delete;

  // nullopt at the end.
  FsResult<std::optional<DirectoryEntry>> Next();

 private:
  DIR* dir_;
};

class Descriptor {
 public:
  // A preopen: `host_path` must be a directory. Read-only preopens (and everything opened through
  // them) lack write and mutate-directory.
  static Result<std::shared_ptr<Descriptor>> OpenPreopen(const std::string& host_path,
                                                         bool read_only);

  FsResult<std::shared_ptr<InputStream>> ReadViaStream(uint64_t offset);
  FsResult<std::shared_ptr<OutputStream>> WriteViaStream(uint64_t offset);
  FsResult<std::shared_ptr<OutputStream>> AppendViaStream();
  FsStatus Advise(uint64_t offset, uint64_t length, Advice advice);
  FsStatus SyncData();
  uint32_t GetFlags() const { return flags_; }
  FsResult<DescriptorType> GetType();
  FsStatus SetSize(uint64_t size);
  FsStatus SetTimes(const NewTimestamp& access, const NewTimestamp& modification);
  // The bytes and whether the end of the file was reached.
  FsResult<std::pair<std::vector<uint8_t>, bool>> Read(uint64_t length, uint64_t offset);
  FsResult<uint64_t> Write(std::span<const uint8_t> bytes, uint64_t offset);
  FsResult<std::unique_ptr<DirectoryEntryStream>> ReadDirectory();
  FsStatus Sync();
  FsStatus CreateDirectoryAt(std::string_view path);
  FsResult<DescriptorStat> Stat();
  FsResult<DescriptorStat> StatAt(bool follow, std::string_view path);
  FsStatus SetTimesAt(bool follow, std::string_view path, const NewTimestamp& access,
                      const NewTimestamp& modification);
  FsStatus LinkAt(bool follow, std::string_view old_path, Descriptor& new_dir,
                  std::string_view new_path);
  FsResult<std::shared_ptr<Descriptor>> OpenAt(bool follow, std::string_view path,
                                               uint32_t open_flags, uint32_t flags);
  FsResult<std::string> ReadlinkAt(std::string_view path);
  FsStatus RemoveDirectoryAt(std::string_view path);
  FsStatus RenameAt(std::string_view old_path, Descriptor& new_dir, std::string_view new_path);
  FsStatus SymlinkAt(std::string_view target, std::string_view path);
  FsStatus UnlinkFileAt(std::string_view path);
  bool IsSameObject(Descriptor& other);
  // `key` makes the hash unpredictable to the guest (its inputs are the host's inode numbers).
  FsResult<MetadataHash> GetMetadataHash(std::string_view key);
  FsResult<MetadataHash> MetadataHashAt(bool follow, std::string_view path, std::string_view key);

 private:
  Descriptor(std::shared_ptr<UniqueFd> fd, DescriptorType type, uint32_t flags)
      : fd_(std::move(fd)), type_(type), flags_(flags) {}
  // A directory this descriptor may change (kNotDirectory / kNotPermitted otherwise).
  FsStatus CheckMutableDirectory() const;
  FsStatus CheckDirectory() const;
  // A file (not a directory) opened with `flag` (kBadDescriptor otherwise).
  FsStatus CheckFile(uint32_t flag) const;

  std::shared_ptr<UniqueFd> fd_;
  DescriptorType type_;
  uint32_t flags_;
};

}  // namespace wcloud::wasi
