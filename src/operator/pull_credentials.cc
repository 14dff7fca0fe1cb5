#include "operator/pull_credentials.h"

#include "util/base64.h"
#include "util/json.h"

namespace wcloud::operator_ {

Result<std::optional<oci::Credentials>> ReadPullCredentials(kube::Client& client,
                                                            const std::string& ns,
                                                            const std::string& secret_name,
                                                            const std::string& registry) {
  if (secret_name.empty()) return std::optional<oci::Credentials>();
  const kube::ResourceType secrets{"", "v1", "secrets", true};
  auto secret = client.Get(kube::ObjectPath(secrets, ns, secret_name));
  if (!secret) return secret.error().Wrap("imagePullSecret " + secret_name);
  Json data = secret->value("data", Json::object());
  std::string encoded = data.is_object() ? data.value(".dockerconfigjson", "") : "";
  if (encoded.empty()) {
    return Error("imagePullSecret " + secret_name + ": no .dockerconfigjson (type " +
                 secret->value("type", "Opaque") + ")");
  }
  auto config = Base64Decode(encoded);
  if (!config) return config.error().Wrap("imagePullSecret " + secret_name);
  auto creds = oci::FindCredentials(*config, registry);
  if (!creds) return creds.error().Wrap("imagePullSecret " + secret_name);
  return creds;
}

}  // namespace wcloud::operator_
