#include "component/component_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

namespace wcloud::component {

Result<std::shared_ptr<const Component>> LoadComponentFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Error(path + ": " + std::strerror(errno));
  const std::streamsize size = in.tellg();
  if (size < 0) return Error(path + ": cannot determine the file size");
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes->data()), size)) {
    return Error(path + ": read failed");
  }
  auto component = DecodeComponent(std::move(bytes));
  if (!component) return component.error().Wrap(path);
  return component;
}

}  // namespace wcloud::component
