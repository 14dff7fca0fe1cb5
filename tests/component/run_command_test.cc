// `wcloud run` on inputs that must fail cleanly: never a signal, always a message that says what
// went wrong, and the exit codes the command documents (2: not runnable, 134: the guest failed).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "support/subprocess.h"
#include "test_components.h"

namespace wcloud {
namespace {

using testing::RunCommand;
using testing::TempDir;
using testing::WcloudBinary;

std::string Wat(const std::string& name) {
  return std::string(WCLOUD_WAT_COMPONENTS_DIR) + "/" + name + ".wasm";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class RunCommandTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& bytes) {
    auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  TempDir dir_;
};

TEST_F(RunCommandTest, GarbageIsNotAComponent) {
  auto r = RunCommand({WcloudBinary(), "run", Write("garbage.wasm", "this is not wasm at all")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("garbage.wasm: offset 0"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, ACoreModuleIsNamedAsSuch) {
  const std::string empty_module("\0asm\1\0\0\0", 8);
  auto r = RunCommand({WcloudBinary(), "run", Write("core.wasm", empty_module)});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("core WebAssembly module, not a component"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, EveryTruncationOfAComponentIsAnError) {
  const std::string bytes = ReadFile(Wat("run_trap"));
  ASSERT_GT(bytes.size(), 20u);
  for (size_t len = 0; len < bytes.size(); len += 7) {
    auto r = RunCommand({WcloudBinary(), "run", Write("cut.wasm", bytes.substr(0, len))});
    EXPECT_EQ(r.exit_code, 2) << "length " << len << ": " << r.err;
    EXPECT_NE(r.err.find("cut.wasm: "), std::string::npos) << r.err;
  }
}

TEST_F(RunCommandTest, MissingImportsAreNamed) {
  auto r = RunCommand({WcloudBinary(), "run", Wat("run_missing_import")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("example:nowhere/thing@1.0.0#poke"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, AComponentWithoutRunIsNotACommand) {
  auto r = RunCommand({WcloudBinary(), "run", Wat("nested")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(RunCommandTest, TrapIsReported) {
  auto r = RunCommand({WcloudBinary(), "run", Wat("run_trap")});
  EXPECT_EQ(r.exit_code, 134) << r.err;
  EXPECT_NE(r.err.find("guest trapped: unreachable"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, InfiniteLoopStopsAtTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = RunCommand({WcloudBinary(), "run", "--timeout", "0.5", Wat("run_loop")});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 134) << r.err;
  EXPECT_NE(r.err.find("deadline exceeded"), std::string::npos) << r.err;
  EXPECT_LT(elapsed, std::chrono::seconds(20));
}

TEST_F(RunCommandTest, MemoryHogTrapsAtTheCap) {
  // The guest grows memory until memory.grow fails, then traps.
  auto r = RunCommand({WcloudBinary(), "run", "--max-memory-mb", "32", Wat("run_hog")});
  EXPECT_EQ(r.exit_code, 134) << r.err;
  EXPECT_NE(r.err.find("unreachable"), std::string::npos) << r.err;
}

TEST_F(RunCommandTest, TheMemoryCapHoldsForLibcsHeap) {
  // wasi-libc's malloc grows the memory through the preview1 adapter's program (issue #18 saw
  // it pass a 128 MiB cap): the cap is on the memory, whoever grows it.
  const std::string cli_hello = testing::TestComponentPath("cli_hello");
  auto capped =
      RunCommand({WcloudBinary(), "run", "--max-memory-mb", "64", cli_hello, "alloc", "200"});
  ASSERT_EQ(capped.exit_code, 0) << capped.err;
  const auto at = capped.out.find("allocated ");
  ASSERT_NE(at, std::string::npos) << capped.out;
  const long mb = std::stol(capped.out.substr(at + 10));
  EXPECT_GT(mb, 32) << capped.out;
  EXPECT_LT(mb, 64) << capped.out;
  auto free = RunCommand({WcloudBinary(), "run", cli_hello, "alloc", "200"});
  EXPECT_NE(free.out.find("allocated 200 MiB"), std::string::npos) << free.out << free.err;
}

TEST_F(RunCommandTest, BadFlagsAreUsageErrors) {
  auto r = RunCommand({WcloudBinary(), "run", "--env", "NOEQUALS", Wat("run_trap")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--env NOEQUALS"), std::string::npos) << r.err;
  r = RunCommand({WcloudBinary(), "run", "/nonexistent/x.wasm"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/x.wasm"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace wcloud
