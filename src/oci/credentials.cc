#include "oci/credentials.h"

#include "util/base64.h"
#include "util/json.h"

namespace wcloud::oci {
namespace {

// "https://index.docker.io/v1/" → "index.docker.io"; "ghcr.io" → "ghcr.io".
std::string HostOfKey(std::string_view key) {
  if (size_t scheme = key.find("://"); scheme != std::string_view::npos) {
    key.remove_prefix(scheme + 3);
  }
  return std::string(key.substr(0, key.find('/')));
}

bool SameRegistry(std::string_view key_host, std::string_view registry) {
  auto docker_hub = [](std::string_view h) {
    return h == "docker.io" || h == "index.docker.io" || h == "registry-1.docker.io";
  };
  return key_host == registry || (docker_hub(key_host) && docker_hub(registry));
}

}  // namespace

Result<std::optional<Credentials>> FindCredentials(std::string_view docker_config_json,
                                                   std::string_view registry) {
  Json config = Json::parse(docker_config_json, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded() || !config.is_object()) {
    return Error(".dockerconfigjson: not a JSON object");
  }
  auto auths = config.find("auths");
  if (auths == config.end()) return std::optional<Credentials>();
  if (!auths->is_object()) return Error(".dockerconfigjson: auths: expected an object");
  for (const auto& [key, entry] : auths->items()) {
    if (!SameRegistry(HostOfKey(key), registry)) continue;
    std::string where = ".dockerconfigjson: auths[" + key + "]";
    if (!entry.is_object()) return Error(where + ": expected an object");
    Credentials creds;
    if (auto auth = entry.find("auth"); auth != entry.end() && auth->is_string()) {
      auto decoded = Base64Decode(auth->get<std::string>());
      if (!decoded) return decoded.error().Wrap(where + ".auth");
      size_t colon = decoded->find(':');
      if (colon == std::string::npos)
        return Error(where + ".auth: expected base64 of user:password");
      creds.username = decoded->substr(0, colon);
      creds.password = decoded->substr(colon + 1);
    } else {
      auto user = entry.find("username");
      auto pass = entry.find("password");
      if (user == entry.end() || pass == entry.end() || !user->is_string() || !pass->is_string()) {
        return Error(where + ": needs auth, or username and password");
      }
      creds.username = user->get<std::string>();
      creds.password = pass->get<std::string>();
    }
    return std::optional<Credentials>(std::move(creds));
  }
  return std::optional<Credentials>();
}

}  // namespace wcloud::oci
