#include "wasi/descriptor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>

#include "util/sha256.h"
#include "util/utf8.h"
#include "wasi/fd_streams.h"
#include "wasi/path_resolution.h"

namespace wcloud::wasi {
namespace {

ErrorCode LastError() { return ErrorCodeFromErrno(errno); }

FsStatus StatusOf(int rc) {
  if (rc != 0) {
    return LastError();
  }
  return std::monostate{};
}

DescriptorType TypeOfMode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFBLK:
      return DescriptorType::kBlockDevice;
    case S_IFCHR:
      return DescriptorType::kCharacterDevice;
    case S_IFDIR:
      return DescriptorType::kDirectory;
    case S_IFIFO:
      return DescriptorType::kFifo;
    case S_IFLNK:
      return DescriptorType::kSymbolicLink;
    case S_IFREG:
      return DescriptorType::kRegularFile;
    case S_IFSOCK:
      return DescriptorType::kSocket;
    default:
      return DescriptorType::kUnknown;
  }
}

std::optional<Datetime> DatetimeOf(const timespec& ts) {
  if (ts.tv_sec < 0) {
    return std::nullopt;  // before 1970: datetime cannot say it
  }
  return Datetime{static_cast<uint64_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
}

DescriptorStat StatOf(const struct stat& st) {
  return {.type = TypeOfMode(st.st_mode),
          .link_count = static_cast<uint64_t>(st.st_nlink),
          .size = static_cast<uint64_t>(st.st_size),
          .access_time = DatetimeOf(st.st_atim),
          .modification_time = DatetimeOf(st.st_mtim),
          .status_change_time = DatetimeOf(st.st_ctim)};
}

FsResult<timespec> TimespecOf(const NewTimestamp& t) {
  switch (t.kind) {
    case NewTimestamp::Kind::kNoChange:
      return timespec{.tv_sec = 0, .tv_nsec = UTIME_OMIT};
    case NewTimestamp::Kind::kNow:
      return timespec{.tv_sec = 0, .tv_nsec = UTIME_NOW};
    case NewTimestamp::Kind::kTimestamp:
      break;
  }
  if (t.time.nanoseconds >= 1'000'000'000u || t.time.seconds > static_cast<uint64_t>(INT64_MAX)) {
    return ErrorCode::kInvalid;
  }
  return timespec{.tv_sec = static_cast<time_t>(t.time.seconds),
                  .tv_nsec = static_cast<long>(t.time.nanoseconds)};
}

FsResult<std::array<timespec, 2>> TimesOf(const NewTimestamp& access,
                                          const NewTimestamp& modification) {
  auto a = TimespecOf(access);
  if (!a) {
    return a.error();
  }
  auto m = TimespecOf(modification);
  if (!m) {
    return m.error();
  }
  return std::array<timespec, 2>{a.value(), m.value()};
}

uint64_t HexU64(const std::string& hex, size_t at) {
  return std::stoull(hex.substr(at, 16), nullptr, 16);
}

MetadataHash HashOf(const struct stat& st, std::string_view key) {
  std::string input(key);
  for (uint64_t field :
       {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
        static_cast<uint64_t>(st.st_size), static_cast<uint64_t>(st.st_mtim.tv_sec),
        static_cast<uint64_t>(st.st_mtim.tv_nsec)}) {
    input.append(reinterpret_cast<const char*>(&field), sizeof field);
  }
  std::string digest = Sha256Hex(input);
  return MetadataHash{HexU64(digest, 0), HexU64(digest, 16)};
}

}  // namespace

DirectoryEntryStream::~DirectoryEntryStream() { closedir(dir_); }

FsResult<std::optional<DirectoryEntry>> DirectoryEntryStream::Next() {
  while (true) {
    errno = 0;
    dirent* entry = readdir(dir_);
    if (entry == nullptr) {
      if (errno != 0) {
        return LastError();
      }
      return std::optional<DirectoryEntry>();
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    if (!IsValidUtf8(name)) {
      return ErrorCode::kIllegalByteSequence;
    }
    DirectoryEntry out{.type = DescriptorType::kUnknown, .name = std::string(name)};
    switch (entry->d_type) {
      case DT_BLK:
        out.type = DescriptorType::kBlockDevice;
        break;
      case DT_CHR:
        out.type = DescriptorType::kCharacterDevice;
        break;
      case DT_DIR:
        out.type = DescriptorType::kDirectory;
        break;
      case DT_FIFO:
        out.type = DescriptorType::kFifo;
        break;
      case DT_LNK:
        out.type = DescriptorType::kSymbolicLink;
        break;
      case DT_REG:
        out.type = DescriptorType::kRegularFile;
        break;
      case DT_SOCK:
        out.type = DescriptorType::kSocket;
        break;
      default: {
        // Some filesystems leave d_type unknown; ask the inode.
        struct stat st {};
        if (fstatat(dirfd(dir_), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
          out.type = TypeOfMode(st.st_mode);
        }
      }
    }
    return std::optional<DirectoryEntry>(std::move(out));
  }
}

Result<std::shared_ptr<Descriptor>> Descriptor::OpenPreopen(const std::string& host_path,
                                                            bool read_only) {
  int fd = open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Error("preopen " + host_path + ": " + std::strerror(errno) +
                 " (must be an existing directory)");
  }
  uint32_t flags = kFlagRead | (read_only ? 0 : kFlagMutateDirectory);
  return std::shared_ptr<Descriptor>(
      new Descriptor(std::make_shared<UniqueFd>(fd), DescriptorType::kDirectory, flags));
}

FsStatus Descriptor::CheckDirectory() const {
  if (type_ != DescriptorType::kDirectory) {
    return ErrorCode::kNotDirectory;
  }
  return std::monostate{};
}

FsStatus Descriptor::CheckMutableDirectory() const {
  auto dir = CheckDirectory();
  if (!dir) {
    return dir;
  }
  if ((flags_ & kFlagMutateDirectory) == 0) {
    return ErrorCode::kNotPermitted;
  }
  return std::monostate{};
}

FsStatus Descriptor::CheckFile(uint32_t flag) const {
  if (type_ == DescriptorType::kDirectory || (flags_ & flag) != flag) {
    return ErrorCode::kBadDescriptor;
  }
  return std::monostate{};
}

FsResult<std::shared_ptr<InputStream>> Descriptor::ReadViaStream(uint64_t offset) {
  auto ok = CheckFile(kFlagRead);
  if (!ok) {
    return ok.error();
  }
  return std::shared_ptr<InputStream>(std::make_shared<FileInputStream>(fd_, offset));
}

FsResult<std::shared_ptr<OutputStream>> Descriptor::WriteViaStream(uint64_t offset) {
  auto ok = CheckFile(kFlagWrite);
  if (!ok) {
    return ok.error();
  }
  return std::shared_ptr<OutputStream>(FileOutputStream::AtOffset(fd_, offset));
}

FsResult<std::shared_ptr<OutputStream>> Descriptor::AppendViaStream() {
  auto ok = CheckFile(kFlagWrite);
  if (!ok) {
    return ok.error();
  }
  return std::shared_ptr<OutputStream>(FileOutputStream::Appending(fd_));
}

FsStatus Descriptor::Advise(uint64_t offset, uint64_t length, Advice advice) {
  auto ok = CheckFile(0);
  if (!ok) {
    return ok;
  }
  static constexpr int kAdvice[] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                    POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  if (offset > static_cast<uint64_t>(INT64_MAX) || length > static_cast<uint64_t>(INT64_MAX)) {
    return ErrorCode::kInvalid;
  }
  int rc = posix_fadvise(fd_->get(), static_cast<off_t>(offset), static_cast<off_t>(length),
                         kAdvice[static_cast<size_t>(advice)]);
  if (rc != 0) {
    return ErrorCodeFromErrno(rc);
  }
  return std::monostate{};
}

FsStatus Descriptor::SyncData() { return StatusOf(fdatasync(fd_->get())); }

FsStatus Descriptor::Sync() { return StatusOf(fsync(fd_->get())); }

FsResult<DescriptorType> Descriptor::GetType() {
  struct stat st {};
  if (fstat(fd_->get(), &st) != 0) {
    return LastError();
  }
  return TypeOfMode(st.st_mode);
}

FsStatus Descriptor::SetSize(uint64_t size) {
  auto ok = CheckFile(kFlagWrite);
  if (!ok) {
    return ok;
  }
  if (size > static_cast<uint64_t>(INT64_MAX)) {
    return ErrorCode::kFileTooLarge;
  }
  return StatusOf(ftruncate(fd_->get(), static_cast<off_t>(size)));
}

FsStatus Descriptor::SetTimes(const NewTimestamp& access, const NewTimestamp& modification) {
  auto ok = type_ == DescriptorType::kDirectory ? CheckMutableDirectory() : CheckFile(kFlagWrite);
  if (!ok) {
    return ok;
  }
  auto times = TimesOf(access, modification);
  if (!times) {
    return times.error();
  }
  return StatusOf(futimens(fd_->get(), times.value().data()));
}

FsResult<std::pair<std::vector<uint8_t>, bool>> Descriptor::Read(uint64_t length, uint64_t offset) {
  auto ok = CheckFile(kFlagRead);
  if (!ok) {
    return ok.error();
  }
  if (offset > static_cast<uint64_t>(INT64_MAX)) {
    return ErrorCode::kInvalid;
  }
  std::vector<uint8_t> out(static_cast<size_t>(std::min(length, kMaxReadBytes)));
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n =
        pread(fd_->get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return LastError();
    }
    if (n == 0) {
      break;
    }
    got += static_cast<size_t>(n);
  }
  bool end = got < out.size();
  out.resize(got);
  return std::pair{std::move(out), end};
}

FsResult<uint64_t> Descriptor::Write(std::span<const uint8_t> bytes, uint64_t offset) {
  auto ok = CheckFile(kFlagWrite);
  if (!ok) {
    return ok.error();
  }
  if (offset > static_cast<uint64_t>(INT64_MAX) - bytes.size()) {
    return ErrorCode::kFileTooLarge;
  }
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pwrite(fd_->get(), bytes.data() + done, bytes.size() - done,
                       static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (done > 0) {
        break;
      }
      return LastError();
    }
    done += static_cast<size_t>(n);
  }
  return static_cast<uint64_t>(done);
}

FsResult<std::unique_ptr<DirectoryEntryStream>> Descriptor::ReadDirectory() {
  auto ok = CheckDirectory();
  if (!ok) {
    return ok.error();
  }
  // A descriptor of its own, so each stream starts at the first entry.
  int fd = openat(fd_->get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return LastError();
  }
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    ErrorCode err = LastError();
    close(fd);
    return err;
  }
  return std::make_unique<DirectoryEntryStream>(dir);
}

FsStatus Descriptor::CreateDirectoryAt(std::string_view path) {
  auto ok = CheckMutableDirectory();
  if (!ok) {
    return ok;
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kEntry);
  if (!at) {
    return at.error();
  }
  return StatusOf(mkdirat(at.value().parent_fd, at.value().EntryName().c_str(), 0777));
}

FsResult<DescriptorStat> Descriptor::Stat() {
  struct stat st {};
  if (fstat(fd_->get(), &st) != 0) {
    return LastError();
  }
  return StatOf(st);
}

FsResult<DescriptorStat> Descriptor::StatAt(bool follow, std::string_view path) {
  auto ok = CheckDirectory();
  if (!ok) {
    return ok.error();
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kLookup, follow);
  if (!at) {
    return at.error();
  }
  struct stat st {};
  if (fstatat(at.value().parent_fd, at.value().name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LastError();
  }
  return StatOf(st);
}

FsStatus Descriptor::SetTimesAt(bool follow, std::string_view path, const NewTimestamp& access,
                                const NewTimestamp& modification) {
  auto ok = CheckMutableDirectory();
  if (!ok) {
    return ok;
  }
  auto times = TimesOf(access, modification);
  if (!times) {
    return times.error();
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kLookup, follow);
  if (!at) {
    return at.error();
  }
  return StatusOf(utimensat(at.value().parent_fd, at.value().name.c_str(), times.value().data(),
                            AT_SYMLINK_NOFOLLOW));
}

FsStatus Descriptor::LinkAt(bool follow, std::string_view old_path, Descriptor& new_dir,
                            std::string_view new_path) {
  for (Descriptor* dir : {this, &new_dir}) {
    auto ok = dir->CheckMutableDirectory();
    if (!ok) {
      return ok;
    }
  }
  auto from = ResolveBeneath(fd_->get(), old_path, LastComponent::kLookup, follow);
  if (!from) {
    return from.error();
  }
  // Linux looks the old path up in full before it walks the new one.
  struct stat st {};
  if (fstatat(from.value().parent_fd, from.value().name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LastError();
  }
  auto to = ResolveBeneath(new_dir.fd_->get(), new_path, LastComponent::kEntry);
  if (!to) {
    return to.error();
  }
  return StatusOf(linkat(from.value().parent_fd, from.value().name.c_str(), to.value().parent_fd,
                         to.value().EntryName().c_str(), 0));
}

FsResult<std::shared_ptr<Descriptor>> Descriptor::OpenAt(bool follow, std::string_view path,
                                                         uint32_t open_flags, uint32_t flags) {
  auto ok = CheckDirectory();
  if (!ok) {
    return ok.error();
  }
  bool mutating = (open_flags & (kOpenCreate | kOpenTruncate)) != 0 ||
                  (flags & (kFlagWrite | kFlagMutateDirectory)) != 0;
  if ((mutating && (flags_ & kFlagMutateDirectory) == 0) ||
      ((flags & kFlagRead) != 0 && (flags_ & kFlagRead) == 0)) {
    return ErrorCode::kNotPermitted;
  }
  bool create = (open_flags & kOpenCreate) != 0;
  if (create && (open_flags & kOpenDirectory) != 0) {
    return ErrorCode::kInvalid;  // as Linux (since 6.4) says before looking at the path
  }
  // O_CREAT|O_EXCL never follows a final link, whatever it points to (open(2)).
  bool exclusive = create && (open_flags & kOpenExclusive) != 0;
  auto at =
      ResolveBeneath(fd_->get(), path, create ? LastComponent::kCreate : LastComponent::kLookup,
                     follow && !exclusive);
  if (!at) {
    return at.error();
  }
  if (at.value().trailing_slash) {
    return ErrorCode::kIsDirectory;  // a file cannot be created as "name/"
  }
  // O_NONBLOCK so that opening a FIFO does not wait for a writer; cleared below.
  int oflags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  bool read = (flags & kFlagRead) != 0;
  bool write = (flags & kFlagWrite) != 0;
  oflags |= read && write ? O_RDWR : write ? O_WRONLY : O_RDONLY;
  if (open_flags & kOpenCreate) oflags |= O_CREAT;
  if (open_flags & kOpenExclusive) oflags |= O_EXCL;
  if (open_flags & kOpenTruncate) oflags |= O_TRUNC;
  if (open_flags & kOpenDirectory) oflags |= O_DIRECTORY;
  if (flags & kFlagFileIntegritySync) oflags |= O_SYNC;
  if (flags & kFlagDataIntegritySync) oflags |= O_DSYNC;
  if (flags & kFlagRequestedWriteSync) oflags |= O_RSYNC;
  int fd = openat(at.value().parent_fd, at.value().name.c_str(), oflags, 0666);
  if (fd < 0) {
    return LastError();
  }
  auto file = std::make_shared<UniqueFd>(fd);
  struct stat st {};
  if (fstat(fd, &st) != 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    return LastError();
  }
  DescriptorType type = TypeOfMode(st.st_mode);
  // A directory carries its parent's capabilities, a file the access it was opened with.
  uint32_t child_flags =
      type == DescriptorType::kDirectory ? flags_ & (kFlagRead | kFlagMutateDirectory) : flags;
  return std::shared_ptr<Descriptor>(new Descriptor(std::move(file), type, child_flags));
}

FsResult<std::string> Descriptor::ReadlinkAt(std::string_view path) {
  auto ok = CheckDirectory();
  if (!ok) {
    return ok.error();
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kLookup);
  if (!at) {
    return at.error();
  }
  std::string target(PATH_MAX, '\0');
  ssize_t n =
      readlinkat(at.value().parent_fd, at.value().name.c_str(), target.data(), target.size());
  if (n < 0) {
    return LastError();
  }
  target.resize(static_cast<size_t>(n));
  if (!IsValidUtf8(target)) {
    return ErrorCode::kIllegalByteSequence;
  }
  return target;
}

FsStatus Descriptor::RemoveDirectoryAt(std::string_view path) {
  auto ok = CheckMutableDirectory();
  if (!ok) {
    return ok;
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kEntry);
  if (!at) {
    return at.error();
  }
  return StatusOf(unlinkat(at.value().parent_fd, at.value().EntryName().c_str(), AT_REMOVEDIR));
}

FsStatus Descriptor::RenameAt(std::string_view old_path, Descriptor& new_dir,
                              std::string_view new_path) {
  for (Descriptor* dir : {this, &new_dir}) {
    auto ok = dir->CheckMutableDirectory();
    if (!ok) {
      return ok;
    }
  }
  auto from = ResolveBeneath(fd_->get(), old_path, LastComponent::kEntry);
  if (!from) {
    return from.error();
  }
  auto to = ResolveBeneath(new_dir.fd_->get(), new_path, LastComponent::kEntry);
  if (!to) {
    return to.error();
  }
  return StatusOf(renameat(from.value().parent_fd, from.value().EntryName().c_str(),
                           to.value().parent_fd, to.value().EntryName().c_str()));
}

FsStatus Descriptor::SymlinkAt(std::string_view target, std::string_view path) {
  auto ok = CheckMutableDirectory();
  if (!ok) {
    return ok;
  }
  // An absolute target could only ever point outside; relative ones are checked when followed.
  if (!target.empty() && target.front() == '/') {
    return ErrorCode::kNotPermitted;
  }
  if (target.find('\0') != std::string_view::npos) {
    return ErrorCode::kInvalid;
  }
  if (target.empty()) {
    return ErrorCode::kNoEntry;  // as Linux says before it walks the new path
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kEntry);
  if (!at) {
    return at.error();
  }
  return StatusOf(
      symlinkat(std::string(target).c_str(), at.value().parent_fd, at.value().EntryName().c_str()));
}

FsStatus Descriptor::UnlinkFileAt(std::string_view path) {
  auto ok = CheckMutableDirectory();
  if (!ok) {
    return ok;
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kEntry);
  if (!at) {
    return at.error();
  }
  return StatusOf(unlinkat(at.value().parent_fd, at.value().EntryName().c_str(), 0));
}

bool Descriptor::IsSameObject(Descriptor& other) {
  struct stat a {};
  struct stat b {};
  return fstat(fd_->get(), &a) == 0 && fstat(other.fd_->get(), &b) == 0 && a.st_dev == b.st_dev &&
         a.st_ino == b.st_ino;
}

FsResult<MetadataHash> Descriptor::GetMetadataHash(std::string_view key) {
  struct stat st {};
  if (fstat(fd_->get(), &st) != 0) {
    return LastError();
  }
  return HashOf(st, key);
}

FsResult<MetadataHash> Descriptor::MetadataHashAt(bool follow, std::string_view path,
                                                  std::string_view key) {
  auto ok = CheckDirectory();
  if (!ok) {
    return ok.error();
  }
  auto at = ResolveBeneath(fd_->get(), path, LastComponent::kLookup, follow);
  if (!at) {
    return at.error();
  }
  struct stat st {};
  if (fstatat(at.value().parent_fd, at.value().name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return LastError();
  }
  return HashOf(st, key);
}

}  // namespace wcloud::wasi
