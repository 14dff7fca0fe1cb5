// Test helper: assembles WAT text into module bytes with wabt's wat2wasm (WCLOUD_WAT2WASM).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace wcloud::wasm::testing {

inline std::vector<uint8_t> Wat(const std::string& text) {
  char dir_template[] = "/tmp/wcloud-wat-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  if (dir == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string wat = std::string(dir) + "/m.wat";
  const std::string wasm = std::string(dir) + "/m.wasm";
  std::ofstream(wat) << text;
  const std::string command = std::string(WCLOUD_WAT2WASM) + " " + wat + " -o " + wasm;
  const int rc = std::system(command.c_str());
  std::ifstream in(wasm, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::remove(wat.c_str());
  std::remove(wasm.c_str());
  rmdir(dir);
  if (rc != 0) throw std::runtime_error("wat2wasm failed on:\n" + text);
  return bytes;
}

}  // namespace wcloud::wasm::testing
