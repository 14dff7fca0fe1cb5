// libFuzzer target: arbitrary bytes through the component decoder and, when they decode, the
// WIT printer. Any crash, hang, unbounded allocation or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "component/component.h"
#include "component/wit_printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = std::make_shared<const std::vector<uint8_t>>(data, data + size);
  auto component = wcloud::component::DecodeComponent(bytes);
  if (!component) {
    // Every failure names where it happened.
    if (component.error().message().rfind("offset ", 0) != 0) __builtin_trap();
    return 0;
  }
  (void)wcloud::component::PrintWit(**component);
  return 0;
}
