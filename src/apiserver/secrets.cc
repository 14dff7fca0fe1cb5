#include "apiserver/secrets.h"

#include <string>
#include <vector>

#include "util/base64.h"

namespace wcloud::apiserver {
namespace {

struct TypedSecret {
  const char* type;
  std::vector<const char*> required;  // every one of these keys
  bool json = false;                  // the first key's value must be JSON
};

const std::vector<TypedSecret>& TypedSecrets() {
  static const std::vector<TypedSecret> types = {
      {"kubernetes.io/dockerconfigjson", {".dockerconfigjson"}, true},
      {"kubernetes.io/dockercfg", {".dockercfg"}, true},
      {"kubernetes.io/ssh-auth", {"ssh-privatekey"}},
      {"kubernetes.io/tls", {"tls.crt", "tls.key"}},
  };
  return types;
}

}  // namespace

void NormalizeSecret(Json& secret, api::FieldErrors& errors) {
  if (auto it = secret.find("stringData"); it != secret.end()) {
    // Taken out first: adding "data" below may move the object's entries.
    Json string_data = std::move(*it);
    secret.erase(it);  // write-only, as in Kubernetes
    if (string_data.is_object()) {
      for (auto entry = string_data.begin(); entry != string_data.end(); ++entry) {
        if (entry.value().is_string()) {
          secret["data"][entry.key()] = Base64Encode(entry.value().get_ref<const std::string&>());
        }
      }
    }
  }
  Json& type = secret["type"];
  if (type.is_null() || (type.is_string() && type.get_ref<const std::string&>().empty())) {
    type = "Opaque";
  }
  if (!type.is_string()) {
    errors.push_back({"type", "expected string"});
    return;
  }
  std::vector<std::pair<std::string, std::string>> decoded;  // key, bytes
  if (secret.contains("data") && secret["data"].is_object()) {
    for (auto entry = secret["data"].begin(); entry != secret["data"].end(); ++entry) {
      if (!entry.value().is_string()) continue;  // reported by the data checks
      auto bytes = Base64Decode(entry.value().get_ref<const std::string&>());
      if (!bytes) {
        errors.push_back({"data[" + entry.key() + "]", "illegal base64 data"});
        continue;
      }
      decoded.emplace_back(entry.key(), std::move(*bytes));
    }
  }
  auto value_of = [&](const std::string& key) -> const std::string* {
    for (const auto& [k, v] : decoded) {
      if (k == key) return &v;
    }
    return nullptr;
  };
  const std::string name = type.get<std::string>();
  for (const TypedSecret& t : TypedSecrets()) {
    if (name != t.type) continue;
    for (const char* key : t.required) {
      if (value_of(key) == nullptr) {
        errors.push_back({std::string("data[") + key + "]", "required value for type " + name});
      }
    }
    if (const std::string* v = value_of(t.required[0]); t.json && v != nullptr) {
      if (Json::parse(*v, nullptr, false).is_discarded()) {
        errors.push_back({std::string("data[") + t.required[0] + "]", "invalid JSON"});
      }
    }
  }
  if (name == "kubernetes.io/basic-auth" && value_of("username") == nullptr &&
      value_of("password") == nullptr) {
    errors.push_back({"data", "username or password is required for type " + name});
  }
}

}  // namespace wcloud::apiserver
