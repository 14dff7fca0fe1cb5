#include "kube/client.h"

namespace wcloud::kube {

std::string CollectionPath(const ResourceType& type, std::string_view ns) {
  std::string path =
      type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
  if (type.namespaced && !ns.empty()) path += "/namespaces/" + std::string(ns);
  return path + "/" + type.plural;
}

std::string ObjectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource) {
  std::string path = CollectionPath(type, ns);
  path.append("/").append(name);
  if (!subresource.empty()) path.append("/").append(subresource);
  return path;
}

}  // namespace wcloud::kube
