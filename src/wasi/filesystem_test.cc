// wasi:filesystem through the Linker, on real directories: a writable preopen /data, a read-only
// preopen /ro, and a directory next to them that the guest must never reach.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "wasi/descriptor.h"
#include "wasi/error_code.h"
#include "wasi/wasi.h"
#include "wasi/wasi_test_fixture.h"

namespace wcloud::wasi {
namespace {

namespace fs = std::filesystem;

constexpr char kTypes[] = "wasi:filesystem/types@0.2.0";
constexpr char kStreams[] = "wasi:io/streams@0.2.0";
constexpr uint32_t kFollow = 1;

uint32_t Code(ErrorCode code) { return static_cast<uint32_t>(code); }
std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

class FilesystemTest : public WasiFixture {
 protected:
  void SetUp() override {
    fs::create_directories(scratch_ / "data");
    fs::create_directories(scratch_ / "ro");
    fs::create_directories(scratch_ / "outside");
    scratch_.WriteFile("outside/secret", "secret");
    scratch_.WriteFile("ro/readme", "read me");
    WasiConfig config;
    config.preopens = {{scratch_ / "data", "/data", false}, {scratch_ / "ro", "/ro", true}};
    Attach(std::move(config));
    Value list = Call1("wasi:filesystem/preopens@0.2.0", "get-directories");
    ASSERT_EQ(list.items().size(), 2u);
    data_ = list.items()[0].items()[0];
    ro_ = list.items()[1].items()[0];
  }

  Value Method(std::string_view name, std::vector<Value> args) {
    return Call1(kTypes, "[method]descriptor." + std::string(name), std::move(args));
  }
  Value OpenAt(const Value& dir, std::string_view path, uint32_t open_flags, uint32_t flags,
               uint32_t path_flags = 0) {
    return Method("open-at", {dir, Value::Flags(path_flags), Value::String(std::string(path)),
                              Value::Flags(open_flags), Value::Flags(flags)});
  }
  Value StatAt(const Value& dir, std::string_view path, uint32_t path_flags = 0) {
    return Method("stat-at", {dir, Value::Flags(path_flags), Value::String(std::string(path))});
  }
  Value At(std::string_view method, const Value& dir, std::string_view path) {
    return Method(method, {dir, Value::String(std::string(path))});
  }
  uint32_t TypeOf(const Value& stat_result) { return Ok(stat_result).items()[0].as_case().index; }
  std::set<std::string> List(const Value& dir) {
    Value stream = Ok(Method("read-directory", {dir}));
    std::set<std::string> names;
    while (true) {
      Value entry =
          Ok(Call1(kTypes, "[method]directory-entry-stream.read-directory-entry", {stream}));
      if (entry.as_case().index == 0) {
        break;
      }
      names.insert(entry.payload()->items()[1].as_string());
    }
    Drop(stream);
    return names;
  }

  ScratchDir scratch_;
  Value data_;
  Value ro_;
};

TEST_F(FilesystemTest, PreopensCarryTheirGuestPaths) {
  Value list = Call1("wasi:filesystem/preopens@0.2.0", "get-directories");
  EXPECT_EQ(list.items()[0].items()[1], Value::String("/data"));
  EXPECT_EQ(list.items()[1].items()[1], Value::String("/ro"));
  EXPECT_EQ(Ok(Method("get-type", {data_})),
            Value::Enum(static_cast<uint32_t>(DescriptorType::kDirectory)));
  EXPECT_EQ(Ok(Method("get-flags", {data_})), Value::Flags(kFlagRead | kFlagMutateDirectory));
  EXPECT_EQ(Ok(Method("get-flags", {ro_})), Value::Flags(kFlagRead));
}

TEST_F(FilesystemTest, CreateWriteReadStatAndStreams) {
  Value file = Ok(OpenAt(data_, "hello.txt", kOpenCreate, kFlagRead | kFlagWrite));
  EXPECT_EQ(Method("write", {file, Value::Bytes(Bytes("hello")), Value::Unsigned(0)}),
            Value::Ok(Value::Unsigned(5)));
  EXPECT_EQ(Method("read", {file, Value::Unsigned(100), Value::Unsigned(0)}),
            Value::Ok(Value::Aggregate({Value::Bytes(Bytes("hello")), Value::Bool(true)})));
  EXPECT_EQ(Method("read", {file, Value::Unsigned(2), Value::Unsigned(1)}),
            Value::Ok(Value::Aggregate({Value::Bytes(Bytes("el")), Value::Bool(false)})));
  Value stat = Ok(Method("stat", {file}));
  EXPECT_EQ(stat.items()[0].as_case().index, static_cast<uint32_t>(DescriptorType::kRegularFile));
  EXPECT_EQ(stat.items()[1], Value::Unsigned(1));
  EXPECT_EQ(stat.items()[2], Value::Unsigned(5));
  EXPECT_EQ(stat.items()[4].as_case().index, 1u);  // some(modification time)
  EXPECT_EQ(scratch_.ReadFile("data/hello.txt"), "hello");

  Value out = Ok(Method("write-via-stream", {file, Value::Unsigned(5)}));
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-and-flush",
                  {out, Value::Bytes(Bytes(" world"))}),
            Value::Ok());
  Drop(out);
  Value append = Ok(Method("append-via-stream", {file}));
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-and-flush",
                  {append, Value::Bytes(Bytes("!"))}),
            Value::Ok());
  Value in = Ok(Method("read-via-stream", {file, Value::Unsigned(0)}));
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.blocking-read", {in, Value::Unsigned(100)}),
            Value::Ok(Value::Bytes(Bytes("hello world!"))));
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.read", {in, Value::Unsigned(100)}),
            Value::Err(Value::Case(1)));

  EXPECT_EQ(Method("set-size", {file, Value::Unsigned(5)}), Value::Ok());
  EXPECT_EQ(scratch_.ReadFile("data/hello.txt"), "hello");
  EXPECT_EQ(Method("sync", {file}), Value::Ok());
  EXPECT_EQ(Method("sync-data", {file}), Value::Ok());
  EXPECT_EQ(Method("advise", {file, Value::Unsigned(0), Value::Unsigned(5), Value::Enum(1)}),
            Value::Ok());
  EXPECT_EQ(Ok(Method("get-flags", {file})), Value::Flags(kFlagRead | kFlagWrite));

  Value when = Value::Aggregate({Value::Unsigned(1'000'000'000), Value::Unsigned(5)});
  EXPECT_EQ(Method("set-times", {file, Value::Case(0), Value::Case(2, when)}), Value::Ok());
  EXPECT_EQ(Ok(Method("stat", {file})).items()[4], Value::Some(when));
  EXPECT_EQ(Method("set-times-at", {data_, Value::Flags(0), Value::String("hello.txt"),
                                    Value::Case(1), Value::Case(0)}),
            Value::Ok());
  EXPECT_EQ(Ok(StatAt(data_, "hello.txt")).items()[4], Value::Some(when));
  // Files opened for reading only refuse writes.
  Value reader = Ok(OpenAt(data_, "hello.txt", 0, kFlagRead));
  EXPECT_EQ(FsErr(Method("write", {reader, Value::Bytes(Bytes("x")), Value::Unsigned(0)})),
            Code(ErrorCode::kBadDescriptor));
  EXPECT_EQ(FsErr(Method("write-via-stream", {reader, Value::Unsigned(0)})),
            Code(ErrorCode::kBadDescriptor));
}

TEST_F(FilesystemTest, DirectoriesRenameAndUnlink) {
  EXPECT_EQ(At("create-directory-at", data_, "sub"), Value::Ok());
  EXPECT_EQ(FsErr(At("create-directory-at", data_, "sub")), Code(ErrorCode::kExist));
  EXPECT_EQ(TypeOf(StatAt(data_, "sub")), static_cast<uint32_t>(DescriptorType::kDirectory));
  Value sub = Ok(OpenAt(data_, "sub", kOpenDirectory, kFlagRead));
  // A subdirectory keeps its preopen's capabilities.
  EXPECT_EQ(Ok(Method("get-flags", {sub})), Value::Flags(kFlagRead | kFlagMutateDirectory));
  Ok(OpenAt(sub, "a.txt", kOpenCreate, kFlagWrite));
  EXPECT_EQ(At("create-directory-at", sub, "nested/"), Value::Ok());
  EXPECT_EQ(List(sub), (std::set<std::string>{"a.txt", "nested"}));
  EXPECT_EQ(List(data_), (std::set<std::string>{"sub"}));

  EXPECT_EQ(FsErr(At("remove-directory-at", data_, "sub")), Code(ErrorCode::kNotEmpty));
  EXPECT_EQ(FsErr(At("remove-directory-at", data_, "sub/a.txt")), Code(ErrorCode::kNotDirectory));
  EXPECT_EQ(FsErr(At("unlink-file-at", data_, "sub/nested")), Code(ErrorCode::kIsDirectory));

  EXPECT_EQ(Method("rename-at", {sub, Value::String("a.txt"), data_, Value::String("b.txt")}),
            Value::Ok());
  EXPECT_TRUE(fs::exists(scratch_ / "data/b.txt"));
  EXPECT_FALSE(fs::exists(scratch_ / "data/sub/a.txt"));
  EXPECT_EQ(Method("link-at", {data_, Value::Flags(0), Value::String("b.txt"), sub,
                               Value::String("hard.txt")}),
            Value::Ok());
  EXPECT_EQ(Ok(StatAt(data_, "b.txt")).items()[1], Value::Unsigned(2));

  Value b = Ok(OpenAt(data_, "b.txt", 0, kFlagRead));
  Value hard = Ok(OpenAt(sub, "hard.txt", 0, kFlagRead));
  EXPECT_EQ(Method("is-same-object", {b, hard}), Value::Bool(true));
  EXPECT_EQ(Method("is-same-object", {b, sub}), Value::Bool(false));
  Value hash_b = Ok(Method("metadata-hash", {b}));
  EXPECT_EQ(hash_b, Ok(Method("metadata-hash", {hard})));
  EXPECT_EQ(hash_b,
            Ok(Method("metadata-hash-at", {sub, Value::Flags(0), Value::String("hard.txt")})));
  EXPECT_NE(hash_b, Ok(Method("metadata-hash", {sub})));

  EXPECT_EQ(At("unlink-file-at", sub, "hard.txt"), Value::Ok());
  EXPECT_EQ(At("remove-directory-at", sub, "nested"), Value::Ok());
  EXPECT_EQ(At("remove-directory-at", data_, "sub"), Value::Ok());
  EXPECT_EQ(FsErr(StatAt(data_, "sub")), Code(ErrorCode::kNoEntry));
  EXPECT_EQ(List(data_), (std::set<std::string>{"b.txt"}));
}

TEST_F(FilesystemTest, SymlinksInside) {
  scratch_.WriteFile("data/target", "t");
  EXPECT_EQ(Method("symlink-at", {data_, Value::String("target"), Value::String("link")}),
            Value::Ok());
  EXPECT_EQ(At("readlink-at", data_, "link"), Value::Ok(Value::String("target")));
  EXPECT_EQ(TypeOf(StatAt(data_, "link")), static_cast<uint32_t>(DescriptorType::kSymbolicLink));
  EXPECT_EQ(TypeOf(StatAt(data_, "link", kFollow)),
            static_cast<uint32_t>(DescriptorType::kRegularFile));
  Value file = Ok(OpenAt(data_, "link", 0, kFlagRead, kFollow));
  EXPECT_EQ(Method("read", {file, Value::Unsigned(10), Value::Unsigned(0)}),
            Value::Ok(Value::Aggregate({Value::Bytes(Bytes("t")), Value::Bool(true)})));
  // Without symlink-follow the link itself cannot be opened.
  EXPECT_EQ(FsErr(OpenAt(data_, "link", 0, kFlagRead)), Code(ErrorCode::kLoop));
}

TEST_F(FilesystemTest, ErrorsMapFromTheHost) {
  scratch_.WriteFile("data/file", "x");
  EXPECT_EQ(FsErr(OpenAt(data_, "missing", 0, kFlagRead)), Code(ErrorCode::kNoEntry));
  EXPECT_EQ(FsErr(OpenAt(data_, "file/x", 0, kFlagRead)), Code(ErrorCode::kNotDirectory));
  EXPECT_EQ(FsErr(OpenAt(data_, "file", kOpenDirectory, kFlagRead)),
            Code(ErrorCode::kNotDirectory));
  EXPECT_EQ(FsErr(OpenAt(data_, "file", kOpenCreate | kOpenExclusive, kFlagWrite)),
            Code(ErrorCode::kExist));
  EXPECT_EQ(FsErr(OpenAt(data_, ".", 0, kFlagWrite)), Code(ErrorCode::kIsDirectory));
  Value file = Ok(OpenAt(data_, "file", 0, kFlagRead));
  EXPECT_EQ(FsErr(At("create-directory-at", file, "x")), Code(ErrorCode::kNotDirectory));
  EXPECT_EQ(FsErr(Method("read", {data_, Value::Unsigned(1), Value::Unsigned(0)})),
            Code(ErrorCode::kBadDescriptor));

  // A stream failure carries its error-code through wasi:io/error.
  Value writer = Ok(OpenAt(data_, "file", 0, kFlagWrite));
  Value out = Ok(Method("write-via-stream", {writer, Value::Unsigned(INT64_MAX)}));
  Value failed = Call1(kStreams, "[method]output-stream.write", {out, Value::Bytes(Bytes("x"))});
  ASSERT_EQ(failed.as_case().index, 1u);
  const Value& stream_error = *failed.payload();
  ASSERT_EQ(stream_error.as_case().index, 0u);  // last-operation-failed
  Value error = *stream_error.payload();
  EXPECT_EQ(error.as_resource().type, res_.error);
  EXPECT_EQ(Call1(kTypes, "filesystem-error-code", {error}),
            Value::Some(Value::Enum(Code(ErrorCode::kFileTooLarge))));
  EXPECT_NE(Call1("wasi:io/error@0.2.0", "[method]error.to-debug-string", {error})
                .as_string()
                .find("large"),
            std::string::npos);
  Drop(error);
  EXPECT_FALSE(Call(kTypes, "filesystem-error-code", {error}));
}

TEST_F(FilesystemTest, ReadOnlyPreopenRefusesWrites) {
  constexpr uint32_t kNotPermitted = static_cast<uint32_t>(ErrorCode::kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(ro_, "readme", 0, kFlagRead | kFlagWrite)), kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(ro_, "new", kOpenCreate, kFlagRead)), kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(ro_, "readme", kOpenTruncate, kFlagRead)), kNotPermitted);
  EXPECT_EQ(FsErr(At("create-directory-at", ro_, "d")), kNotPermitted);
  EXPECT_EQ(FsErr(At("unlink-file-at", ro_, "readme")), kNotPermitted);
  EXPECT_EQ(FsErr(At("remove-directory-at", ro_, "readme")), kNotPermitted);
  EXPECT_EQ(FsErr(Method("symlink-at", {ro_, Value::String("readme"), Value::String("l")})),
            kNotPermitted);
  EXPECT_EQ(FsErr(Method("rename-at", {ro_, Value::String("readme"), data_, Value::String("x")})),
            kNotPermitted);
  EXPECT_EQ(FsErr(Method("rename-at", {data_, Value::String("."), ro_, Value::String("x")})),
            kNotPermitted);
  EXPECT_EQ(FsErr(Method("set-times", {ro_, Value::Case(1), Value::Case(1)})), kNotPermitted);

  Value readme = Ok(OpenAt(ro_, "readme", 0, kFlagRead));
  EXPECT_EQ(Method("read", {readme, Value::Unsigned(100), Value::Unsigned(0)}),
            Value::Ok(Value::Aggregate({Value::Bytes(Bytes("read me")), Value::Bool(true)})));
  EXPECT_EQ(FsErr(Method("write", {readme, Value::Bytes(Bytes("x")), Value::Unsigned(0)})),
            Code(ErrorCode::kBadDescriptor));
  EXPECT_EQ(FsErr(Method("set-size", {readme, Value::Unsigned(0)})),
            Code(ErrorCode::kBadDescriptor));
  Value dir = Ok(OpenAt(ro_, ".", kOpenDirectory, kFlagRead));
  EXPECT_EQ(Ok(Method("get-flags", {dir})), Value::Flags(kFlagRead));
  EXPECT_EQ(FsErr(At("create-directory-at", dir, "d")), kNotPermitted);
  EXPECT_EQ(scratch_.ReadFile("ro/readme"), "read me");
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch_ / "ro"), fs::directory_iterator()), 1);
}

TEST_F(FilesystemTest, EveryEscapeIsRefused) {
  constexpr uint32_t kNotPermitted = static_cast<uint32_t>(ErrorCode::kNotPermitted);
  fs::create_directory_symlink(scratch_ / "outside", scratch_ / "data/abs");
  fs::create_directory_symlink("../outside", scratch_ / "data/rel");
  fs::create_symlink("loop_b", scratch_ / "data/loop_a");
  fs::create_symlink("loop_a", scratch_ / "data/loop_b");
  fs::create_directories(scratch_ / "data/d");

  for (const char* path : {"../outside/secret", "d/../../outside/secret", "..", "/etc/passwd",
                           "abs/secret", "rel/secret"}) {
    EXPECT_EQ(FsErr(OpenAt(data_, path, 0, kFlagRead, kFollow)), kNotPermitted) << path;
    EXPECT_EQ(FsErr(StatAt(data_, path, kFollow)), kNotPermitted) << path;
  }
  std::string absolute = scratch_ / "outside/secret";
  EXPECT_EQ(FsErr(OpenAt(data_, absolute, 0, kFlagRead)), kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(data_, "abs", kOpenDirectory, kFlagRead, kFollow)), kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(data_, "rel", kOpenDirectory, kFlagRead, kFollow)), kNotPermitted);
  EXPECT_EQ(FsErr(OpenAt(data_, "abs/new", kOpenCreate, kFlagWrite)), kNotPermitted);
  // Not followed, the link is no directory (and O_NOFOLLOW keeps the kernel from following it).
  EXPECT_EQ(FsErr(OpenAt(data_, "abs", kOpenDirectory, kFlagRead)), Code(ErrorCode::kNotDirectory));
  EXPECT_EQ(FsErr(OpenAt(data_, "loop_a", 0, kFlagRead, kFollow)), Code(ErrorCode::kLoop));
  EXPECT_EQ(FsErr(OpenAt(data_, "loop_a/x", kOpenCreate, kFlagWrite)), Code(ErrorCode::kLoop));
  EXPECT_EQ(FsErr(At("create-directory-at", data_, "../outside/made")), kNotPermitted);
  EXPECT_EQ(FsErr(At("unlink-file-at", data_, "rel/secret")), kNotPermitted);
  EXPECT_EQ(
      FsErr(Method("rename-at", {data_, Value::String("d"), data_, Value::String("../outside/d")})),
      kNotPermitted);
  EXPECT_EQ(FsErr(Method("link-at", {data_, Value::Flags(kFollow), Value::String("abs/secret"),
                                     data_, Value::String("stolen")})),
            kNotPermitted);
  EXPECT_EQ(FsErr(Method("symlink-at", {data_, Value::String("/etc"), Value::String("etc")})),
            kNotPermitted);
  // A relative link the guest makes to the outside exists, but never leads there.
  EXPECT_EQ(Method("symlink-at", {data_, Value::String("../outside"), Value::String("mine")}),
            Value::Ok());
  EXPECT_EQ(FsErr(OpenAt(data_, "mine/secret", 0, kFlagRead)), kNotPermitted);
  // A '/' after a link to the outside does not lead there either: lookups follow the link and are
  // refused, calls on the entry itself judge the link, never what it points to.
  for (const char* path : {"abs/", "rel/", "abs//", "mine/", "abs/.", "rel/.", "rel/.."}) {
    bool through = std::string_view(path).find('.') != std::string_view::npos;
    for (const Value& result :
         {OpenAt(data_, path, 0, kFlagRead), OpenAt(data_, path, kOpenDirectory, kFlagRead),
          StatAt(data_, path), At("readlink-at", data_, path),
          Method("metadata-hash-at", {data_, Value::Flags(0), Value::String(path)}),
          Method("set-times-at",
                 {data_, Value::Flags(0), Value::String(path), Value::Case(1), Value::Case(1)}),
          Method("link-at",
                 {data_, Value::Flags(0), Value::String(path), data_, Value::String("x")})}) {
      EXPECT_EQ(FsErr(result), kNotPermitted) << path;
    }
    for (const Value& result :
         {OpenAt(data_, path, kOpenCreate, kFlagWrite), At("create-directory-at", data_, path),
          At("remove-directory-at", data_, path), At("unlink-file-at", data_, path),
          Method("rename-at", {data_, Value::String(path), data_, Value::String("x")}),
          Method("rename-at", {data_, Value::String("d"), data_, Value::String(path)}),
          Method("link-at",
                 {data_, Value::Flags(0), Value::String("d"), data_, Value::String(path)}),
          Method("symlink-at", {data_, Value::String("d"), Value::String(path)})}) {
      uint32_t err = FsErr(result);
      if (through) {
        EXPECT_EQ(err, kNotPermitted) << path;
      }
    }
  }
  EXPECT_TRUE(fs::is_symlink(scratch_ / "data/abs"));
  EXPECT_TRUE(fs::is_symlink(scratch_ / "data/rel"));
  EXPECT_TRUE(fs::is_directory(scratch_ / "data/d"));
  // A subdirectory's descriptor is a sandbox of its own.
  Value d = Ok(OpenAt(data_, "d", kOpenDirectory, kFlagRead));
  scratch_.WriteFile("data/sibling", "s");
  EXPECT_EQ(FsErr(OpenAt(d, "../sibling", 0, kFlagRead)), kNotPermitted);

  EXPECT_EQ(scratch_.ReadFile("outside/secret"), "secret");
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch_ / "outside"), fs::directory_iterator()),
            1);
}

// EACCES needs an unprivileged user: as root, the check runs in a child that gives up root.
TEST_F(FilesystemTest, HostPermissionDeniedIsAccess) {
  fs::create_directories(scratch_ / "data/locked");
  scratch_.WriteFile("data/locked/f", "x");
  chmod((scratch_ / "data/locked").c_str(), 0);
  auto check = [&] {
    Value result = OpenAt(data_, "locked/f", 0, kFlagRead);
    return result.as_case().index == 1 &&
           result.payload()->as_case().index == static_cast<uint32_t>(ErrorCode::kAccess);
  };
  if (geteuid() != 0) {
    EXPECT_TRUE(check());
  } else {
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      _exit(setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0 && check()
                ? 0
                : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  chmod((scratch_ / "data/locked").c_str(), 0700);
}

}  // namespace
}  // namespace wcloud::wasi
