// `wcloud run` on the cli_hello fixture, case by case against what `jco run` recorded in
// tests/components/expected/cli_hello/<case>/: stdout, stderr and the exit code byte for byte,
// and the files left in /out. Each case runs as check_cli_hello.sh runs it under jco: exactly the
// case's environment, /data preopened to cli_hello/data and /out to a fresh empty directory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "test_components.h"

namespace wcloud {
namespace {

namespace fs = std::filesystem;
using testing::RunCommand;
using testing::TempDir;
using testing::WcloudBinary;

fs::path CasesDir() { return testing::TestComponentSourcePath("expected/cli_hello"); }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Lines as bash's `mapfile -t` reads them: a final newline ends the last line, it does not start
// an empty one; an empty line in the middle (or before the final newline) is an empty argument.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Every regular file under `root`, by path relative to it, with its contents.
std::map<std::string, std::string> Files(const fs::path& root) {
  std::map<std::string, std::string> files;
  if (!fs::exists(root)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), root).string()] = ReadFile(entry.path());
    } else if (!entry.is_directory()) {
      files[fs::relative(entry.path(), root).string()] = "(not a regular file)";
    }
  }
  return files;
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CasesDir(), ec)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(CliHelloCasesTest, TheRecordedCasesAreThere) {
  const std::vector<std::string> names = CaseNames();
  EXPECT_GE(names.size(), 13u) << CasesDir();
  for (const std::string& name : names) {
    for (const char* file : {"args", "stdout", "stderr", "exit"}) {
      EXPECT_TRUE(fs::exists(CasesDir() / name / file)) << name << "/" << file;
    }
  }
}

class CliHelloTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CliHelloTest, WcloudRunMatchesJcoRun) {
  const fs::path case_dir = CasesDir() / GetParam();
  TempDir scratch;
  const fs::path out = scratch.path() / "out";
  fs::create_directory(out);

  std::vector<std::string> argv = {WcloudBinary(), "run"};
  if (fs::exists(case_dir / "env")) {
    for (const std::string& kv : Lines(ReadFile(case_dir / "env"))) {
      if (kv.empty()) continue;
      argv.push_back("--env");
      argv.push_back(kv);
    }
  }
  argv.push_back("--dir");
  argv.push_back(testing::TestComponentSourcePath("cli_hello/data") + "::/data");
  argv.push_back("--dir");
  argv.push_back(out.string() + "::/out");
  argv.push_back(testing::TestComponentPath("cli_hello"));
  for (const std::string& arg : Lines(ReadFile(case_dir / "args"))) argv.push_back(arg);

  const testing::CommandResult r = RunCommand(argv);
  EXPECT_EQ(r.out, ReadFile(case_dir / "stdout")) << "stdout";
  EXPECT_EQ(r.err, ReadFile(case_dir / "stderr")) << "stderr";
  EXPECT_EQ(std::to_string(r.exit_code) + "\n", ReadFile(case_dir / "exit")) << "exit code";
  EXPECT_EQ(Files(out), Files(case_dir / "out")) << "files in /out";
}

INSTANTIATE_TEST_SUITE_P(Recorded, CliHelloTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace wcloud
