// libFuzzer target: arbitrary bytes through everything `wcloud validate` and the API server do
// with a manifest. Any crash, hang or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/validation.h"
#include "util/yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto docs = wcloud::ParseYamlDocuments(text);
  if (!docs) return 0;
  for (const auto& doc : *docs) {
    for (bool strict : {true, false}) {
      auto decoded = wcloud::api::DecodeObject(doc, {.strict = strict});
      if (!decoded.object) continue;
      wcloud::api::ApplyDefaults(*decoded.object);
      (void)wcloud::api::Validate(*decoded.object);
      // What we encode must decode again to the same object.
      auto again = wcloud::api::DecodeObject(wcloud::api::EncodeObject(*decoded.object));
      if (!again.object || !(*again.object == *decoded.object)) __builtin_trap();
    }
    (void)wcloud::ToYaml(doc);
  }
  return 0;
}
