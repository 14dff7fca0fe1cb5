// The decoder and the WIT printer against real components built here with clang + jco (and
// componentize-js): every component decodes, and PrintWit prints exactly what `jco wit` does.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "component/component.h"
#include "component/wit_printer.h"
#include "support/subprocess.h"

namespace wcloud::component {
namespace {

namespace fs = std::filesystem;
using wcloud::testing::RunCommand;
using wcloud::testing::TempDir;

fs::path SourceDir() {
  const char* dir = std::getenv("WCLOUD_SOURCE_DIR");
  return dir ? fs::path(dir) : fs::path(WCLOUD_SOURCE_DIR_DEFAULT);
}

fs::path NpmBin() { return SourceDir() / "tools/npm/node_modules/.bin"; }

std::shared_ptr<const std::vector<uint8_t>> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::make_shared<const std::vector<uint8_t>>(std::istreambuf_iterator<char>(in),
                                                      std::istreambuf_iterator<char>());
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void RunOk(const std::vector<std::string>& argv) {
  auto result = RunCommand(argv);
  ASSERT_EQ(result.exit_code, 0) << argv[0] << ": " << result.out << result.err;
}

std::shared_ptr<const Component> ExpectDecodesLikeJco(const fs::path& wasm, const fs::path& work) {
  fs::path expected = work / (wasm.filename().string() + ".wit");
  auto jco = RunCommand({(NpmBin() / "jco").string(), "wit", wasm.string(), "-o", expected});
  EXPECT_EQ(jco.exit_code, 0) << jco.err;
  auto component = DecodeComponent(ReadBytes(wasm));
  if (!component) {
    ADD_FAILURE() << wasm << ": " << component.error().message();
    return nullptr;
  }
  auto wit = PrintWit(**component);
  if (!wit) {
    ADD_FAILURE() << wasm << ": " << wit.error().message();
  } else {
    EXPECT_EQ(*wit, ReadText(expected)) << wasm;
  }
  return *component;
}

// Cut short and corrupted copies of a real component are Errors naming an offset, never a
// crash (ASan/UBSan builds make "never" checkable).
void ExpectDamageIsAnError(const std::vector<uint8_t>& bytes) {
  auto check = [](std::vector<uint8_t> damaged) {
    auto result = DecodeComponent(std::make_shared<const std::vector<uint8_t>>(std::move(damaged)));
    if (!result) {
      EXPECT_EQ(result.error().message().rfind("offset ", 0), 0u);
    }
  };
  // A prefix that ends exactly between two top-level sections is a smaller valid component.
  size_t valid = 0;
  for (size_t n = 0; n < bytes.size(); n += n < 4096 ? 1 : 997) {
    auto result = DecodeComponent(std::make_shared<const std::vector<uint8_t>>(
        bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)));
    if (result) {
      ++valid;
      continue;
    }
    EXPECT_EQ(result.error().message().rfind("offset ", 0), 0u) << result.error().message();
  }
  EXPECT_LT(valid, 64u);
  std::mt19937 random(42);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint8_t> damaged = bytes;
    size_t at = random() % std::min<size_t>(damaged.size(), 8192);
    damaged[at] = static_cast<uint8_t>(random());
    check(std::move(damaged));
  }
}

TEST(DecoderIntegrationTest, WatComponentsPrintLikeJco) {
  TempDir work;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(SourceDir() / "tests/component/inspect_wat")) {
    if (entry.path().extension() != ".wat") continue;
    fs::path wasm = work.path() / (entry.path().stem().string() + ".wasm");
    RunOk({(NpmBin() / "jco").string(), "parse", entry.path().string(), "-o", wasm.string()});
    ExpectDecodesLikeJco(wasm, work.path());
    ++count;
  }
  EXPECT_GE(count, 3);
}

TEST(DecoderIntegrationTest, CCommandComponent) {
  TempDir work;
  fs::path c = work.path() / "hello.c";
  std::ofstream(c) << "#include <stdio.h>\n#include <stdlib.h>\n"
                      "int main(void) { printf(\"hi %s\\n\", getenv(\"USER\")); return 0; }\n";
  fs::path core = work.path() / "hello.wasm";
  fs::path wasm = work.path() / "hello.component.wasm";
  RunOk({"clang", "--target=wasm32-wasi", "-O2", c.string(), "-o", core.string()});
  RunOk({(NpmBin() / "jco").string(), "new", core.string(), "--wasi-command", "-o", wasm.string()});

  auto plain = DecodeComponent(ReadBytes(core));
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().message(),
            "offset 0: this is a core WebAssembly module, not a component");

  auto component = ExpectDecodesLikeJco(wasm, work.path());
  ASSERT_TRUE(component);
  bool exports_run = false;
  for (const auto& e : component->exports) {
    exports_run = exports_run || e.name.rfind("wasi:cli/run@", 0) == 0;
  }
  EXPECT_TRUE(exports_run);
  ExpectDamageIsAnError(*ReadBytes(wasm));
}

TEST(DecoderIntegrationTest, ComponentizeJsComponent) {
  TempDir work;
  fs::path fixture = SourceDir() / "tests/components";
  fs::path wasm = work.path() / "js_http.wasm";
  RunOk({"bash", (fixture / "build_js_component.sh").string(), NpmBin().string(),
         (SourceDir() / "tools/npm/node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12")
             .string(),
         (fixture / "js_http/js_http.js").string(), (fixture / "js_http/wit").string(), "js-http",
         wasm.string(), (work.path() / "build").string()});
  auto component = ExpectDecodesLikeJco(wasm, work.path());
  ASSERT_TRUE(component);
  size_t modules = 0;
  size_t core_instances = 0;
  for (const auto& def : component->definitions) {
    modules += std::holds_alternative<CoreModuleDef>(def);
    core_instances += std::holds_alternative<CoreInstanceDef>(def);
  }
  EXPECT_GE(modules, 3u);
  EXPECT_GE(core_instances, 20u);
  ASSERT_EQ(component->exports.size(), 1u);
  EXPECT_EQ(component->exports[0].name, "wasi:http/incoming-handler@0.2.10");
}

}  // namespace
}  // namespace wcloud::component
