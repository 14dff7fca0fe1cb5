#include "kube/kubeconfig.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/base64.h"
#include "util/yaml.h"

namespace wcloud::kube {
namespace {

constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path.string() + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A string field of an object; "" when absent or of another type.
std::string Str(const Json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The `field` object of the entry named `name` in kc[`list`] (a pointer into kc).
const Json* Named(const Json& kc, const char* list, const std::string& name, const char* field) {
  auto entries = kc.find(list);
  if (entries == kc.end() || !entries->is_array()) return nullptr;
  for (const auto& e : *entries) {
    if (!e.is_object() || Str(e, "name") != name) continue;
    auto it = e.find(field);
    if (it != e.end() && it->is_object()) return &*it;
  }
  return nullptr;
}

// "<field>-data" inline (base64) or "<field>" as a file path relative to the kubeconfig.
Result<std::string> Material(const Json& section, const std::string& field,
                             const std::filesystem::path& base) {
  if (section.contains(field + "-data") && section[field + "-data"].is_string()) {
    auto decoded = Base64Decode(section[field + "-data"].get<std::string>());
    if (!decoded) return decoded.error().Wrap(field + "-data");
    return decoded;
  }
  if (section.contains(field) && section[field].is_string()) {
    std::filesystem::path p = section[field].get<std::string>();
    return ReadFile(p.is_absolute() ? p : base / p);
  }
  return std::string();
}

}  // namespace

Result<RestConfig> LoadKubeconfig(const std::filesystem::path& path, const std::string& context) {
  WCLOUD_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto doc = ParseYaml(text);
  if (!doc) return doc.error().Wrap(path.string());
  const Json& kc = *doc;
  if (!kc.is_object()) return Error(path.string() + ": not a kubeconfig");
  std::string ctx_name = context.empty() ? Str(kc, "current-context") : context;
  const Json* ctx = Named(kc, "contexts", ctx_name, "context");
  if (!ctx) return Error(path.string() + ": no context \"" + ctx_name + "\"");
  const Json* cluster = Named(kc, "clusters", Str(*ctx, "cluster"), "cluster");
  if (!cluster) return Error(path.string() + ": context \"" + ctx_name + "\" names no cluster");
  const Json* user = Named(kc, "users", Str(*ctx, "user"), "user");
  RestConfig config;
  config.server = Str(*cluster, "server");
  if (config.server.empty()) return Error(path.string() + ": cluster has no server");
  auto insecure = cluster->find("insecure-skip-tls-verify");
  config.insecure_skip_tls_verify =
      insecure != cluster->end() && insecure->is_boolean() && insecure->get<bool>();
  auto base = path.parent_path();
  WCLOUD_ASSIGN_OR_RETURN(config.certificate_authority_pem,
                          Material(*cluster, "certificate-authority", base));
  if (user) {
    config.bearer_token = Str(*user, "token");
    config.bearer_token_file = Str(*user, "tokenFile");
    WCLOUD_ASSIGN_OR_RETURN(config.client_certificate_pem,
                            Material(*user, "client-certificate", base));
    WCLOUD_ASSIGN_OR_RETURN(config.client_key_pem, Material(*user, "client-key", base));
  }
  config.default_namespace = Str(*ctx, "namespace");
  if (config.default_namespace.empty()) config.default_namespace = "default";
  return config;
}

std::string RenderKubeconfig(const std::string& name, const std::string& server,
                             const std::string& ca_pem, const std::string& token,
                             const std::string& default_namespace) {
  Json kc = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", Json::array({{{"name", name},
                                 {"cluster",
                                  {{"server", server},
                                   {"certificate-authority-data", Base64Encode(ca_pem)}}}}})},
      {"users", Json::array({{{"name", name}, {"user", {{"token", token}}}}})},
      {"contexts",
       Json::array(
           {{{"name", name},
             {"context", {{"cluster", name}, {"user", name}, {"namespace", default_namespace}}}}})},
      {"current-context", name}};
  return ToYaml(kc);
}

Result<RestConfig> InClusterConfig() {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port) {
    return Error("not running in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  RestConfig config;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  config.server = "https://" + h + ":" + port;
  std::filesystem::path dir = kServiceAccountDir;
  WCLOUD_ASSIGN_OR_RETURN(config.certificate_authority_pem, ReadFile(dir / "ca.crt"));
  config.bearer_token_file = (dir / "token").string();
  auto ns = ReadFile(dir / "namespace");
  if (ns) config.default_namespace = *ns;
  return config;
}

}  // namespace wcloud::kube
