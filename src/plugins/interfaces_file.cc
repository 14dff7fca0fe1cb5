#include "plugins/interfaces_file.h"

#include <fstream>
#include <sstream>

#include "api/codec.h"
#include "api/validation.h"
#include "util/yaml.h"

namespace wcloud::plugins {
namespace {

constexpr char kComponentPath[] = "spec.components[0].localResources";

// Paths of the Workload built below (in field paths and in messages), as the file spells them.
std::string FilePaths(std::string text) {
  for (const auto& [from, to] :
       {std::pair<std::string, std::string>{kComponentPath, "localResources"}, {"spec.", ""}}) {
    for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
      text.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return text;
}

}  // namespace

Result<InterfacesFile> ParseInterfacesFile(std::string_view text, const std::string& name) {
  auto docs = ParseYamlDocuments(text);
  if (!docs) return docs.error().Wrap(name);
  if (docs->size() > 1) return Error(name + ": expected one YAML document");
  Json empty = Json::object();
  Json* doc = docs->empty() || (*docs)[0].is_null() ? &empty : &(*docs)[0];
  if (!doc->is_object()) return Error(name + ": expected a map with hostInterfaces");
  std::string unknown;
  for (const auto& [key, value] : doc->items()) {
    if (key != "hostInterfaces" && key != "volumes" && key != "localResources") {
      unknown += (unknown.empty() ? "" : ", ") + key;
    }
  }
  if (!unknown.empty()) {
    return Error(name + ": unknown field(s) " + unknown +
                 " (expected hostInterfaces, volumes, localResources)");
  }
  // The file is the part of a Workload that `serve` takes; decoding it as one reuses the codec's
  // checks and the cross-field rules (volume names, hostInterfaces names) word for word.
  Json component = {{"name", "serve"}, {"image", "serve.local/component:latest"}};
  if (doc->contains("localResources")) component["localResources"] = (*doc)["localResources"];
  Json spec = {{"components", Json::array({component})}};
  if (doc->contains("hostInterfaces")) spec["hostInterfaces"] = (*doc)["hostInterfaces"];
  if (doc->contains("volumes")) spec["volumes"] = (*doc)["volumes"];
  Json workload = {{"apiVersion", api::kApiVersion},
                   {"kind", "Workload"},
                   {"metadata", {{"name", "serve"}}},
                   {"spec", spec}};
  api::Decoded decoded = api::DecodeObject(workload);
  api::FieldErrors errors = decoded.errors;
  if (decoded.object) {
    auto more = api::Validate(*decoded.object);
    errors.insert(errors.end(), more.begin(), more.end());
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) {
      message += (message.empty() ? "" : "; ") + FilePaths(e.ToString());
    }
    return Error(name + ": " + message);
  }
  const auto& w = std::get<api::Workload>(*decoded.object);
  InterfacesFile out;
  out.host_interfaces = w.spec.host_interfaces;
  out.volumes = w.spec.volumes;
  out.local_resources = w.spec.components[0].local_resources;
  return out;
}

Result<InterfacesFile> LoadInterfacesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseInterfacesFile(ss.str(), path);
}

}  // namespace wcloud::plugins
