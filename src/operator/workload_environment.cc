#include "operator/workload_environment.h"

#include <map>

#include "util/base64.h"
#include "util/json.h"

namespace wcloud::operator_ {
namespace {

// The object, or an empty one with `found` false when it does not exist.
Result<Json> ReadObject(kube::Client& client, const std::string& ns, const char* plural,
                        const std::string& name, bool& found) {
  auto got = client.Get("/api/v1/namespaces/" + ns + "/" + plural + "/" + name);
  found = true;
  if (!got && kube::IsNotFound(got.error())) {
    found = false;
    return Json::object();
  }
  if (!got) return got.error();
  return std::move(*got);
}

}  // namespace

Result<ResolvedEnvironment> ResolveEnvironment(kube::Client& client, const std::string& ns,
                                               const api::EnvironmentSource& source) {
  std::map<std::string, std::string> env(source.config.begin(), source.config.end());
  ResolvedEnvironment out;
  for (const auto& ref : source.config_from) {
    bool found = false;
    WCLOUD_ASSIGN_OR_RETURN(Json cm, ReadObject(client, ns, "configmaps", ref.name, found));
    if (!found) {
      out.missing.push_back("ConfigMap " + ref.name);
      continue;
    }
    Json data = cm.value("data", Json::object());
    api::StringMap& values = out.config_maps.emplace_back();
    if (!data.is_object()) continue;
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (it.value().is_string()) values[it.key()] = it.value().get<std::string>();
    }
    for (const auto& [key, value] : values) env[key] = value;
  }
  for (const auto& ref : source.secret_from) {
    bool found = false;
    WCLOUD_ASSIGN_OR_RETURN(Json secret, ReadObject(client, ns, "secrets", ref.name, found));
    if (!found) {
      out.missing.push_back("Secret " + ref.name);
      continue;
    }
    Json data = secret.value("data", Json::object());
    api::StringMap& values = out.secrets.emplace_back();
    if (!data.is_object()) continue;
    for (auto it = data.begin(); it != data.end(); ++it) {
      if (!it.value().is_string()) continue;
      auto decoded = Base64Decode(it.value().get<std::string>());
      // The decoder's message describes the input's shape only; the value stays out of it.
      if (!decoded) return decoded.error().Wrap("Secret " + ref.name + " data[" + it.key() + "]");
      values[it.key()] = std::move(*decoded);
    }
    for (const auto& [key, value] : values) env[key] = value;
  }
  out.values.assign(env.begin(), env.end());
  return out;
}

}  // namespace wcloud::operator_
