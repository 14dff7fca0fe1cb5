#include "api/validation.h"

#include <map>
#include <regex>
#include <set>

#include "api/image_reference.h"
#include "api/names.h"
#include "api/object_url.h"
#include "api/request_timeout.h"

namespace wcloud::api {
namespace {

constexpr std::string_view kArtifactScheme = "artifact://";
// A component file on the host itself (the embedded default, development).
constexpr std::string_view kFileScheme = "file://";

class Errors {
 public:
  void Add(std::string path, std::string message) {
    errors_.push_back({std::move(path), std::move(message)});
  }
  void AddAll(const FieldErrors& more) { errors_.insert(errors_.end(), more.begin(), more.end()); }
  FieldErrors Take() { return std::move(errors_); }

 private:
  FieldErrors errors_;
};

bool IsKebabIdentifier(std::string_view s) {
  static const std::regex kKebab("^[a-z][a-z0-9]*(-[a-z0-9]+)*$");
  return std::regex_match(s.begin(), s.end(), kKebab);
}

bool IsSemver(std::string_view s) {
  static const std::regex kSemver(
      "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
      "(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$");
  return std::regex_match(s.begin(), s.end(), kSemver);
}

bool IsPort(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  int port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

// A DNS name, IPv4 address, or bracketed IPv6 address.
bool IsHost(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  if (s.front() == '[') {
    if (s.back() != ']' || s.size() < 3) return false;
    for (char c : s.substr(1, s.size() - 2)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    return true;
  }
  static const std::regex kHost(
      "^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])"
      "?)*$");
  return std::regex_match(s.begin(), s.end(), kHost);
}

// "host:port" where host may be empty-free DNS name or IP, as an HTTP listen address.
std::optional<std::string> CheckListenAddress(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return "must be host:port, e.g. 0.0.0.0:8080";
  if (!IsHost(s.substr(0, colon))) return "host part of \"" + std::string(s) + "\" is not valid";
  if (!IsPort(s.substr(colon + 1))) return "port of \"" + std::string(s) + "\" must be 1-65535";
  return std::nullopt;
}

void CheckImage(Errors& errs, const std::string& path, const std::string& image,
                bool allow_artifact) {
  if (image.rfind(kArtifactScheme, 0) == 0) {
    if (!allow_artifact) {
      errs.Add(path, "artifact:// images are only resolved in WorkloadDeployment templates");
    } else if (auto why = CheckDnsSubdomain(image.substr(kArtifactScheme.size()))) {
      errs.Add(path, "artifact name " + *why);
    }
    return;
  }
  if (image.rfind(kFileScheme, 0) == 0) {
    if (image.size() == kFileScheme.size() || image[kFileScheme.size()] != '/') {
      errs.Add(path, "file:// images need an absolute path: file:///path/to/component.wasm");
    }
    return;
  }
  if (IsObjectUrl(image)) {
    if (auto url = ParseObjectUrl(image); !url) errs.Add(path, url.error().message());
    return;
  }
  auto ref = api::ParseImageReference(image);
  if (!ref) errs.Add(path, ref.error().message());
}

void CheckSecretRef(Errors& errs, const std::string& path,
                    const std::optional<LocalObjectReference>& ref) {
  if (!ref) return;
  if (auto why = CheckDnsSubdomain(ref->name)) errs.Add(JoinPath(path, "name"), *why);
}

void CheckLabels(Errors& errs, const std::string& path, const StringMap& labels,
                 bool check_values) {
  for (const auto& [key, value] : labels) {
    std::string at = path + "[" + key + "]";
    if (auto why = CheckLabelKey(key)) errs.Add(at, "key " + *why);
    if (check_values) {
      if (auto why = CheckLabelValue(value)) errs.Add(at, *why);
    }
  }
}

void CheckLocalResources(Errors& errs, const std::string& path, const LocalResources& lr,
                         const std::set<std::string>& volumes) {
  if (lr.environment) {
    const auto& env = *lr.environment;
    for (size_t i = 0; i < env.config_from.size(); ++i) {
      if (auto why = CheckDnsSubdomain(env.config_from[i].name)) {
        errs.Add(IndexPath(path + ".environment.configFrom", i) + ".name", *why);
      }
    }
    for (size_t i = 0; i < env.secret_from.size(); ++i) {
      if (auto why = CheckDnsSubdomain(env.secret_from[i].name)) {
        errs.Add(IndexPath(path + ".environment.secretFrom", i) + ".name", *why);
      }
    }
  }
  for (size_t i = 0; i < lr.allowed_hosts.size(); ++i) {
    if (auto why = CheckAllowedHost(lr.allowed_hosts[i])) {
      errs.Add(IndexPath(path + ".allowedHosts", i), *why);
    }
  }
  std::set<std::string> mount_paths;
  for (size_t i = 0; i < lr.volume_mounts.size(); ++i) {
    const auto& m = lr.volume_mounts[i];
    std::string at = IndexPath(path + ".volumeMounts", i);
    if (!m.name.empty() && !volumes.count(m.name)) {
      errs.Add(at + ".name", "no volume named \"" + m.name + "\" in spec.volumes");
    }
    if (!mount_paths.insert(m.mount_path).second) {
      errs.Add(at + ".mountPath", "duplicate mount path \"" + m.mount_path + "\"");
    }
    if (m.mount_path.find("..") != std::string::npos) {
      errs.Add(at + ".mountPath", "must not contain '..'");
    }
  }
}

void CheckHostInterfaces(Errors& errs, const std::string& path,
                         const std::vector<HostInterface>& entries) {
  std::map<std::string, std::vector<size_t>> by_package;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    std::string at = IndexPath(path, i);
    if (!e.namespace_.empty() && !IsKebabIdentifier(e.namespace_)) {
      errs.Add(at + ".namespace", "must be a lowercase kebab-case identifier, e.g. wasi");
    }
    if (!e.package.empty() && !IsKebabIdentifier(e.package)) {
      errs.Add(at + ".package", "must be a lowercase kebab-case identifier, e.g. keyvalue");
    }
    for (size_t j = 0; j < e.interfaces.size(); ++j) {
      if (!IsKebabIdentifier(e.interfaces[j])) {
        errs.Add(IndexPath(at + ".interfaces", j),
                 "must be a lowercase kebab-case interface name, e.g. incoming-handler");
      }
    }
    if (!e.version.empty() && !IsSemver(e.version)) {
      errs.Add(at + ".version", "must be a semantic version, e.g. 0.2.0");
    }
    if (e.namespace_ == "wasi" && e.package == "http") {
      if (auto it = e.config.find("address"); it != e.config.end()) {
        if (auto why = CheckListenAddress(it->second)) errs.Add(at + ".config.address", *why);
      }
    }
    by_package[e.namespace_ + ":" + e.package].push_back(i);
  }
  for (const auto& [package, indexes] : by_package) {
    std::map<std::string, size_t> seen;
    for (size_t i : indexes) {
      const auto& name = entries[i].name;
      std::string at = IndexPath(path, i) + ".name";
      if (name.empty()) {
        if (indexes.size() > 1) {
          errs.Add(at, "required when two or more entries share " + package);
        }
        continue;
      }
      if (auto [it, fresh] = seen.emplace(name, i); !fresh) {
        errs.Add(at, "duplicate name \"" + name + "\" for " + package + " (also at " +
                         IndexPath(path, it->second) + ")");
      }
    }
  }
}

template <typename T>
void CheckMeta(Errors& errs, const T& o) {
  for (auto& e : ValidateObjectMeta(o.metadata, NameRule::kDnsSubdomain)) {
    errs.Add(e.path, e.message);
  }
}

// The annotations wcloud reads from a Workload (request_timeout.h).
void CheckWorkloadAnnotations(Errors& errs, const std::string& path, const StringMap& annotations) {
  auto it = annotations.find(kRequestTimeoutAnnotation);
  if (it == annotations.end()) return;
  if (auto timeout = ParseRequestTimeout(it->second); !timeout) {
    errs.Add(path + "[" + kRequestTimeoutAnnotation + "]", timeout.error().message());
  }
}

void CheckTemplate(Errors& errs, const WorkloadTemplate& t, bool allow_artifacts) {
  if (t.metadata) {
    CheckLabels(errs, "spec.template.metadata.labels", t.metadata->labels, true);
    CheckLabels(errs, "spec.template.metadata.annotations", t.metadata->annotations, false);
    CheckWorkloadAnnotations(errs, "spec.template.metadata.annotations", t.metadata->annotations);
  }
  errs.AddAll(ValidateWorkloadSpec(t.spec, "spec.template.spec", allow_artifacts));
}

// An int ≥ 0 or a percentage "N%"; its value for the not-both-zero rule.
std::optional<int64_t> IntOrPercentValue(const std::optional<IntOrString>& v) {
  if (!v) return std::nullopt;
  if (v->is_int()) return std::get<int64_t>(v->value);
  const auto& s = std::get<std::string>(v->value);
  if (s.size() < 2 || s.back() != '%') return std::nullopt;
  return std::stoll(s.substr(0, s.size() - 1));
}

void CheckDeployment(Errors& errs, const WorkloadDeployment& d) {
  const auto& s = d.spec;
  CheckTemplate(errs, s.template_, true);
  if (s.rolling_update) {
    if (s.deploy_policy == "Recreate") {
      errs.Add("spec.rollingUpdate", "may not be set when deployPolicy is Recreate");
    }
    auto for_field = [&](const std::optional<IntOrString>& v, const char* field) {
      if (v && !v->is_int()) {
        const auto& str = std::get<std::string>(v->value);
        if (str.empty() || str.back() != '%' ||
            str.find_first_not_of("0123456789") != str.size() - 1 || str.size() < 2) {
          errs.Add(std::string("spec.rollingUpdate.") + field,
                   "must be a non-negative integer or a percentage, e.g. 25%");
        }
      }
    };
    for_field(s.rolling_update->max_surge, "maxSurge");
    for_field(s.rolling_update->max_unavailable, "maxUnavailable");
    auto surge = IntOrPercentValue(s.rolling_update->max_surge);
    auto unavailable = IntOrPercentValue(s.rolling_update->max_unavailable);
    if (surge && unavailable && *surge == 0 && *unavailable == 0) {
      errs.Add("spec.rollingUpdate", "maxSurge and maxUnavailable may not both be 0");
    }
    if (unavailable && s.rolling_update->max_unavailable &&
        !s.rolling_update->max_unavailable->is_int() && *unavailable > 100) {
      errs.Add("spec.rollingUpdate.maxUnavailable", "must not be more than 100%");
    }
  }
  std::set<std::string> components;
  for (const auto& c : s.template_.spec.components) components.insert(c.name);
  std::set<std::string> seen;
  for (size_t i = 0; i < s.artifacts.size(); ++i) {
    const auto& a = s.artifacts[i];
    std::string at = IndexPath("spec.artifacts", i);
    if (!a.name.empty() && !components.count(a.name)) {
      errs.Add(at + ".name", "no component \"" + a.name + "\" in spec.template.spec.components");
    }
    if (!seen.insert(a.name).second) errs.Add(at + ".name", "duplicate value \"" + a.name + "\"");
    if (auto why = CheckDnsSubdomain(a.artifact_from.name)) {
      errs.Add(at + ".artifactFrom.name", *why);
    }
  }
}

}  // namespace

std::optional<std::string> CheckAllowedHost(std::string_view pattern) {
  if (pattern == "*") return std::nullopt;
  std::string_view rest = pattern;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    std::string_view s = rest.substr(0, scheme);
    if (s != "http" && s != "https") return "scheme must be http or https";
    rest.remove_prefix(scheme + 3);
  }
  if (rest.find('/') != std::string_view::npos) {
    return "must be *, host[:port], scheme://host[:port] or *.suffix[:port], without a path";
  }
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    size_t bracket = rest.find(']');
    if (bracket == std::string_view::npos) return "unterminated [IPv6] address";
    host = rest.substr(0, bracket + 1);
    std::string_view after = rest.substr(bracket + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "expected :port after the address";
      port = after.substr(1);
      if (!IsPort(port)) return "port must be 1-65535";
    }
  } else if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (!IsPort(port)) return "port must be 1-65535";
  }
  if (host.substr(0, 2) == "*.") host.remove_prefix(2);
  if (!IsHost(host)) {
    return "must be *, host[:port], scheme://host[:port] or *.suffix[:port]";
  }
  return std::nullopt;
}

FieldErrors ValidateWorkloadSpec(const WorkloadSpec& spec, const std::string& path,
                                 bool allow_artifact_images) {
  Errors errs;
  if (spec.components.empty() && !spec.service) {
    errs.Add(path + ".components", "at least one component or a service is required");
  }
  CheckLabels(errs, path + ".hostSelector", spec.host_selector, true);
  std::set<std::string> volumes;
  for (size_t i = 0; i < spec.volumes.size(); ++i) {
    const auto& v = spec.volumes[i];
    std::string at = IndexPath(path + ".volumes", i);
    if (!volumes.insert(v.name).second)
      errs.Add(at + ".name", "duplicate value \"" + v.name + "\"");
    if (v.ephemeral.has_value() == v.host_path.has_value()) {
      errs.Add(at, "exactly one of ephemeral or hostPath must be set");
    }
    if (v.host_path && v.host_path->path.find("..") != std::string::npos) {
      errs.Add(at + ".hostPath.path", "must not contain '..'");
    }
  }
  std::set<std::string> names;
  for (size_t i = 0; i < spec.components.size(); ++i) {
    const auto& c = spec.components[i];
    std::string at = IndexPath(path + ".components", i);
    if (!names.insert(c.name).second) errs.Add(at + ".name", "duplicate value \"" + c.name + "\"");
    if (!c.image.empty()) CheckImage(errs, at + ".image", c.image, allow_artifact_images);
    CheckSecretRef(errs, at + ".imagePullSecret", c.image_pull_secret);
    if (c.local_resources)
      CheckLocalResources(errs, at + ".localResources", *c.local_resources, volumes);
  }
  CheckHostInterfaces(errs, path + ".hostInterfaces", spec.host_interfaces);
  if (spec.service) {
    std::string at = path + ".service";
    if (!spec.service->image.empty()) {
      CheckImage(errs, at + ".image", spec.service->image, allow_artifact_images);
    }
    CheckSecretRef(errs, at + ".imagePullSecret", spec.service->image_pull_secret);
    if (spec.service->local_resources) {
      CheckLocalResources(errs, at + ".localResources", *spec.service->local_resources, volumes);
    }
  }
  return errs.Take();
}

FieldErrors ValidateObjectMeta(const ObjectMeta& m, NameRule rule) {
  Errors errs;
  auto check_name = [rule](std::string_view name) {
    return rule == NameRule::kDnsLabel ? CheckDnsLabel(name) : CheckDnsSubdomain(name);
  };
  if (m.name.empty() && m.generate_name.empty()) {
    errs.Add("metadata.name", "required value");
  } else if (!m.name.empty()) {
    if (auto why = check_name(m.name)) errs.Add("metadata.name", *why);
  }
  if (!m.generate_name.empty()) {
    // A prefix: the random suffix follows a trailing '-'.
    std::string prefix = m.generate_name;
    if (prefix.back() == '-') prefix.back() = 'a';
    if (auto why = check_name(prefix)) errs.Add("metadata.generateName", *why);
  }
  if (!m.namespace_.empty()) {
    if (auto why = CheckDnsLabel(m.namespace_)) errs.Add("metadata.namespace", *why);
  }
  CheckLabels(errs, "metadata.labels", m.labels, true);
  CheckLabels(errs, "metadata.annotations", m.annotations, false);
  constexpr size_t kMaxAnnotationBytes = 256 * 1024;
  size_t annotation_bytes = 0;
  for (const auto& [key, value] : m.annotations) annotation_bytes += key.size() + value.size();
  if (annotation_bytes > kMaxAnnotationBytes) {
    errs.Add("metadata.annotations",
             "too long: must have at most " + std::to_string(kMaxAnnotationBytes) + " bytes");
  }
  for (size_t i = 0; i < m.finalizers.size(); ++i) {
    if (auto why = CheckLabelKey(m.finalizers[i])) {
      errs.Add(IndexPath("metadata.finalizers", i), "\"" + m.finalizers[i] + "\": " + *why);
    }
  }
  int controllers = 0;
  for (size_t i = 0; i < m.owner_references.size(); ++i) {
    const OwnerReference& ref = m.owner_references[i];
    const std::string at = IndexPath("metadata.ownerReferences", i);
    if (ref.api_version.empty()) errs.Add(at + ".apiVersion", "required value");
    if (ref.kind.empty()) errs.Add(at + ".kind", "required value");
    if (ref.name.empty()) errs.Add(at + ".name", "required value");
    if (ref.uid.empty()) errs.Add(at + ".uid", "required value");
    if (ref.controller.value_or(false)) ++controllers;
  }
  if (controllers > 1) {
    errs.Add("metadata.ownerReferences", "only one reference can have controller set to true");
  }
  return errs.Take();
}

FieldErrors Validate(const AnyObject& object) {
  Errors errs;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        CheckMeta(errs, o);
        if constexpr (std::is_same_v<T, Artifact>) {
          if (!o.spec.image.empty()) CheckImage(errs, "spec.image", o.spec.image, false);
          CheckSecretRef(errs, "spec.imagePullSecret", o.spec.image_pull_secret);
        } else if constexpr (std::is_same_v<T, Workload>) {
          CheckWorkloadAnnotations(errs, "metadata.annotations", o.metadata.annotations);
          errs.AddAll(ValidateWorkloadSpec(o.spec, "spec", false));
        } else if constexpr (std::is_same_v<T, WorkloadReplicaSet>) {
          CheckTemplate(errs, o.spec.template_, false);
        } else if constexpr (std::is_same_v<T, WorkloadDeployment>) {
          CheckDeployment(errs, o);
        }
      },
      object);
  return errs.Take();
}

}  // namespace wcloud::api
