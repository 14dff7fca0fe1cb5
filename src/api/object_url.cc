#include "api/object_url.h"

#include <algorithm>
#include <cctype>

namespace wcloud::api {

bool IsObjectUrl(std::string_view image) { return image.rfind(kObjectScheme, 0) == 0; }

Result<ObjectUrl> ParseObjectUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Error("image " + std::string(url) + ": " + std::string(why) + " (expected " +
                     std::string(kObjectScheme) + "BUCKET/sha256:<64 hex digits>)",
                 ErrorCode::kInvalidArgument);
  };
  if (!IsObjectUrl(url)) return bad("not an object store URL");
  const std::string_view rest = url.substr(kObjectScheme.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0) return bad("no bucket");
  ObjectUrl out{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (!std::all_of(out.bucket.begin(), out.bucket.end(),
                   [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; })) {
    return bad("a bucket name has letters, digits, '-' and '_' only");
  }
  constexpr std::string_view kSha = "sha256:";
  const std::string& o = out.object;
  if (o.size() != kSha.size() + 64 || o.compare(0, kSha.size(), kSha) != 0 ||
      !std::all_of(o.begin() + kSha.size(), o.end(),
                   [](unsigned char c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); })) {
    return bad("the object is not a sha256 content digest");
  }
  return out;
}

}  // namespace wcloud::api
