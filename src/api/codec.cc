// One description per type (Describe<T>) drives decoding, encoding and the OpenAPI schema.
#include "api/codec.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <regex>
#include <tuple>
#include <type_traits>

namespace wcloud::api {
namespace {

struct Cel {
  const char* rule;
  const char* message;
};

// What the schema says about a field, beyond its type.
struct FieldOpts {
  bool required = false;
  const char* description = "";
  std::vector<std::string> enums = {};
  const char* pattern = nullptr;
  std::optional<int64_t> minimum = {};
  std::optional<int64_t> maximum = {};
  const char* default_json = nullptr;  // the CRD's default, mirrored by defaults.cc
  std::optional<int64_t> max_length = {};
  std::optional<int64_t> min_items = {};
  std::optional<int64_t> max_items = {};
  std::vector<std::string> list_map_keys = {};              // x-kubernetes-list-type: map
  std::vector<Cel> validations = {};                        // x-kubernetes-validations
  std::shared_ptr<const std::regex> compiled_pattern = {};  // set by F from `pattern`
};

template <typename S, typename M>
struct Field {
  const char* name;
  M S::*member;
  FieldOpts opts;
};

template <typename S, typename M>
Field<S, M> F(const char* name, M S::*member, FieldOpts opts = {}) {
  if (opts.pattern) opts.compiled_pattern = std::make_shared<const std::regex>(opts.pattern);
  return {name, member, std::move(opts)};
}

// Specialised below for every struct: Fields() returns a tuple of Field; Description() a string.
template <typename T>
struct Describe;

template <typename T, typename = void>
struct IsDescribed : std::false_type {};
template <typename T>
struct IsDescribed<T, std::void_t<decltype(Describe<T>::Fields())>> : std::true_type {};

struct Ctx {
  bool strict;
  FieldErrors* errors;
  FieldErrors* warnings;
  void Error(const std::string& path, const std::string& message) {
    errors->push_back({path, message});
  }
};

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::string:
      return "string";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float:
      return "number";
    case Json::value_t::object:
      return "object";
    case Json::value_t::array:
      return "array";
    case Json::value_t::null:
      return "null";
    default:
      return "binary";
  }
}

void ApplyScalarOpts(Json& schema, const FieldOpts& o) {
  if (!o.enums.empty()) schema["enum"] = o.enums;
  if (o.pattern) schema["pattern"] = o.pattern;
  if (o.minimum) schema["minimum"] = *o.minimum;
  if (o.maximum) schema["maximum"] = *o.maximum;
  if (o.max_length) schema["maxLength"] = *o.max_length;
}

// The schema's constraints on a string, enforced the same way the API server enforces the CRD.
void CheckString(const std::string& v, Ctx& ctx, const std::string& path, const FieldOpts& o) {
  if (!o.enums.empty() && std::find(o.enums.begin(), o.enums.end(), v) == o.enums.end()) {
    std::string allowed;
    for (const auto& e : o.enums) allowed += (allowed.empty() ? "\"" : ", \"") + e + "\"";
    ctx.Error(path, "unsupported value \"" + v + "\": supported values: " + allowed);
    return;
  }
  if (o.max_length && static_cast<int64_t>(v.size()) > *o.max_length) {
    ctx.Error(path, "may not be longer than " + std::to_string(*o.max_length) + " characters");
    return;
  }
  if (o.compiled_pattern && !std::regex_search(v, *o.compiled_pattern)) {
    ctx.Error(path, "\"" + v + "\" does not match " + o.pattern);
  }
}

template <typename T, typename = void>
struct Codec;

template <>
struct Codec<std::string> {
  static void Decode(const Json& j, std::string& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& o) {
    if (!j.is_string()) return ctx.Error(path, "expected string, got " + TypeName(j));
    v = j.get<std::string>();
    CheckString(v, ctx, path, o);
  }
  static Json Encode(const std::string& v) { return v; }
  static bool Empty(const std::string& v) { return v.empty(); }
  static Json Schema(const FieldOpts& o) {
    Json s = {{"type", "string"}};
    ApplyScalarOpts(s, o);
    return s;
  }
};

template <>
struct Codec<bool> {
  static void Decode(const Json& j, bool& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& /*o*/) {
    if (!j.is_boolean()) return ctx.Error(path, "expected boolean, got " + TypeName(j));
    v = j.get<bool>();
  }
  static Json Encode(bool v) { return v; }
  static bool Empty(bool v) { return !v; }
  static Json Schema(const FieldOpts&) { return {{"type", "boolean"}}; }
};

template <typename I>
struct Codec<I, std::enable_if_t<std::is_same_v<I, int32_t> || std::is_same_v<I, int64_t>>> {
  static void Decode(const Json& j, I& v, Ctx& ctx, const std::string& path, const FieldOpts& o) {
    if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
      return ctx.Error(path, "integer out of range");
    }
    if (!j.is_number_integer()) return ctx.Error(path, "expected integer, got " + TypeName(j));
    int64_t wide = j.get<int64_t>();
    if (wide < std::numeric_limits<I>::min() || wide > std::numeric_limits<I>::max()) {
      return ctx.Error(
          path, "integer out of range for " + std::string(sizeof(I) == 4 ? "int32" : "int64"));
    }
    v = static_cast<I>(wide);
    if (o.minimum && wide < *o.minimum) {
      ctx.Error(path, "must be greater than or equal to " + std::to_string(*o.minimum));
    }
    if (o.maximum && wide > *o.maximum) {
      ctx.Error(path, "must be less than or equal to " + std::to_string(*o.maximum));
    }
  }
  static Json Encode(I v) { return v; }
  static bool Empty(I v) { return v == 0; }
  static Json Schema(const FieldOpts& o) {
    Json s = {{"type", "integer"}, {"format", sizeof(I) == 4 ? "int32" : "int64"}};
    ApplyScalarOpts(s, o);
    return s;
  }
};

template <>
struct Codec<IntOrString> {
  static void Decode(const Json& j, IntOrString& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& o) {
    if (j.is_number_integer()) {
      v.value = j.get<int64_t>();
      if (std::get<int64_t>(v.value) < 0) ctx.Error(path, "must not be negative");
    } else if (j.is_string()) {
      v.value = j.get<std::string>();
      CheckString(std::get<std::string>(v.value), ctx, path, o);
    } else {
      ctx.Error(path, "expected integer or string, got " + TypeName(j));
    }
  }
  static Json Encode(const IntOrString& v) {
    return v.is_int() ? Json(std::get<int64_t>(v.value)) : Json(std::get<std::string>(v.value));
  }
  static bool Empty(const IntOrString&) { return false; }
  static Json Schema(const FieldOpts& o) {
    Json s = {{"anyOf", Json::array({{{"type", "integer"}}, {{"type", "string"}}})},
              {"x-kubernetes-int-or-string", true}};
    if (o.pattern) s["pattern"] = o.pattern;
    return s;
  }
};

// Free-form JSON (managedFields): kept exactly as written.
template <>
struct Codec<Json> {
  static void Decode(const Json& j, Json& v, Ctx&, const std::string&, const FieldOpts&) { v = j; }
  static Json Encode(const Json& v) { return v; }
  static bool Empty(const Json& v) { return v.is_null() || (v.is_array() && v.empty()); }
  static Json Schema(const FieldOpts&) { return {{"x-kubernetes-preserve-unknown-fields", true}}; }
};

template <>
struct Codec<StringMap> {
  static void Decode(const Json& j, StringMap& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& /*o*/) {
    if (!j.is_object()) return ctx.Error(path, "expected object, got " + TypeName(j));
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it.value().is_string()) {
        ctx.Error(path + "[" + it.key() + "]", "expected string, got " + TypeName(it.value()));
        continue;
      }
      v[it.key()] = it.value().get<std::string>();
    }
  }
  static Json Encode(const StringMap& v) {
    Json out = Json::object();
    for (const auto& [k, val] : v) out[k] = val;
    return out;
  }
  static bool Empty(const StringMap& v) { return v.empty(); }
  static Json Schema(const FieldOpts&) {
    return {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}};
  }
};

template <typename T>
struct Codec<std::optional<T>> {
  static void Decode(const Json& j, std::optional<T>& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& o) {
    v.emplace();
    Codec<T>::Decode(j, *v, ctx, path, o);
  }
  static Json Encode(const std::optional<T>& v) { return Codec<T>::Encode(*v); }
  static bool Empty(const std::optional<T>& v) { return !v.has_value(); }
  static Json Schema(const FieldOpts& o) { return Codec<T>::Schema(o); }
};

template <typename T>
struct Codec<std::vector<T>> {
  static void Decode(const Json& j, std::vector<T>& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& o) {
    if (!j.is_array()) return ctx.Error(path, "expected array, got " + TypeName(j));
    v.clear();
    v.reserve(j.size());
    for (size_t i = 0; i < j.size(); ++i) {
      v.emplace_back();
      Codec<T>::Decode(j[i], v.back(), ctx, IndexPath(path, i), o);
    }
    if (o.min_items && static_cast<int64_t>(v.size()) < *o.min_items) {
      ctx.Error(path, "must have at least " + std::to_string(*o.min_items) + " item(s)");
    }
    if (o.max_items && static_cast<int64_t>(v.size()) > *o.max_items) {
      ctx.Error(path, "must have at most " + std::to_string(*o.max_items) + " items");
    }
  }
  static Json Encode(const std::vector<T>& v) {
    Json out = Json::array();
    for (const auto& e : v) out.push_back(Codec<T>::Encode(e));
    return out;
  }
  static bool Empty(const std::vector<T>& v) { return v.empty(); }
  static Json Schema(const FieldOpts& o) {
    FieldOpts item = o;
    item.description = "";
    item.default_json = nullptr;
    item.validations.clear();
    Json s = {{"type", "array"}, {"items", Codec<T>::Schema(item)}};
    if (o.min_items) s["minItems"] = *o.min_items;
    if (o.max_items) s["maxItems"] = *o.max_items;
    if (!o.list_map_keys.empty()) {
      s["x-kubernetes-list-type"] = "map";
      s["x-kubernetes-list-map-keys"] = o.list_map_keys;
    }
    return s;
  }
};

template <typename T>
struct Codec<T, std::enable_if_t<IsDescribed<T>::value>> {
  static void Decode(const Json& j, T& v, Ctx& ctx, const std::string& path,
                     const FieldOpts& /*o*/) {
    if (!j.is_object()) return ctx.Error(path, "expected object, got " + TypeName(j));
    const auto& fields = Describe<T>::Fields();
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool known =
          std::apply([&](const auto&... f) { return ((it.key() == f.name) || ...); }, fields);
      if (!known) {
        (ctx.strict ? ctx.errors : ctx.warnings)
            ->push_back({JoinPath(path, it.key()), "unknown field"});
      }
    }
    std::apply(
        [&](const auto&... f) {
          (
              [&] {
                using M = std::remove_reference_t<decltype(v.*(f.member))>;
                auto found = j.find(f.name);
                std::string field_path = JoinPath(path, f.name);
                if (found == j.end() || found->is_null()) {
                  if (f.opts.required) ctx.Error(field_path, "required value");
                  return;
                }
                Codec<M>::Decode(*found, v.*(f.member), ctx, field_path, f.opts);
              }(),
              ...);
        },
        fields);
  }

  static Json Encode(const T& v) {
    Json out = Json::object();
    std::apply(
        [&](const auto&... f) {
          (
              [&] {
                using M = std::remove_cv_t<std::remove_reference_t<decltype(v.*(f.member))>>;
                const M& value = v.*(f.member);
                if (!f.opts.required && Codec<M>::Empty(value)) return;
                out[f.name] = Codec<M>::Encode(value);
              }(),
              ...);
        },
        Describe<T>::Fields());
    return out;
  }

  static bool Empty(const T& v) { return Encode(v).empty(); }

  static Json Schema(const FieldOpts& o) {
    Json s = {{"type", "object"}};
    if constexpr (requires { Describe<T>::kOpaqueSchema; }) {
      return s;  // metadata: the API server owns its schema
    } else {
      std::string description = Describe<T>::Description();
      if (*o.description) description = o.description;
      if (!description.empty()) s["description"] = description;
      Json properties = Json::object();
      Json required = Json::array();
      std::apply(
          [&](const auto&... f) {
            (
                [&] {
                  using M = std::remove_cv_t<
                      std::remove_reference_t<decltype(std::declval<T&>().*(f.member))>>;
                  Json p = Codec<M>::Schema(f.opts);
                  if (*f.opts.description) p["description"] = f.opts.description;
                  if (f.opts.default_json) p["default"] = Json::parse(f.opts.default_json);
                  if (!f.opts.validations.empty()) {
                    Json rules = Json::array();
                    for (const auto& c : f.opts.validations) {
                      rules.push_back({{"rule", c.rule}, {"message", c.message}});
                    }
                    p["x-kubernetes-validations"] = rules;
                  }
                  properties[f.name] = std::move(p);
                  if (f.opts.required) required.push_back(f.name);
                }(),
                ...);
          },
          Describe<T>::Fields());
      s["properties"] = std::move(properties);
      if (!required.empty()) s["required"] = std::move(required);
      return s;
    }
  }
};

// ---- descriptions ----

const char* const kDnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
const char* const kInterfaceName = "^[a-z0-9][a-z0-9-]*$";

template <>
struct Describe<OwnerReference> {
  static const char* Description() { return "An object this object depends on."; }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("apiVersion", &OwnerReference::api_version, {.required = true}),
                        F("kind", &OwnerReference::kind, {.required = true}),
                        F("name", &OwnerReference::name, {.required = true}),
                        F("uid", &OwnerReference::uid, {.required = true}),
                        F("controller", &OwnerReference::controller),
                        F("blockOwnerDeletion", &OwnerReference::block_owner_deletion));
    return fields;
  }
};

template <>
struct Describe<ObjectMeta> {
  static constexpr bool kOpaqueSchema = true;
  static const char* Description() { return ""; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &ObjectMeta::name), F("generateName", &ObjectMeta::generate_name),
        F("namespace", &ObjectMeta::namespace_), F("uid", &ObjectMeta::uid),
        F("resourceVersion", &ObjectMeta::resource_version),
        F("generation", &ObjectMeta::generation),
        F("creationTimestamp", &ObjectMeta::creation_timestamp),
        F("deletionTimestamp", &ObjectMeta::deletion_timestamp),
        F("deletionGracePeriodSeconds", &ObjectMeta::deletion_grace_period_seconds),
        F("labels", &ObjectMeta::labels), F("annotations", &ObjectMeta::annotations),
        F("ownerReferences", &ObjectMeta::owner_references),
        F("finalizers", &ObjectMeta::finalizers), F("managedFields", &ObjectMeta::managed_fields));
    return fields;
  }
};

template <>
struct Describe<Condition> {
  static const char* Description() { return "An observation of one aspect of the object's state."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("type", &Condition::type, {.required = true, .description = "Type of the condition."}),
        F("status", &Condition::status, {.required = true, .enums = {"True", "False", "Unknown"}}),
        F("observedGeneration", &Condition::observed_generation, {.minimum = 0}),
        F("lastTransitionTime", &Condition::last_transition_time,
          {.description = "When the status last changed (RFC 3339)."}),
        F("reason", &Condition::reason,
          {.description = "Machine-readable CamelCase reason for the last transition."}),
        F("message", &Condition::message, {.description = "Human-readable details."}));
    return fields;
  }
};

template <>
struct Describe<LocalObjectReference> {
  static const char* Description() { return "A reference to an object in the same namespace."; }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("name", &LocalObjectReference::name, {.required = true}));
    return fields;
  }
};

template <>
struct Describe<TemplateMetadata> {
  static const char* Description() { return "Labels and annotations for the created objects."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(F("labels", &TemplateMetadata::labels),
                                               F("annotations", &TemplateMetadata::annotations));
    return fields;
  }
};

template <>
struct Describe<ArtifactSpec> {
  static const char* Description() { return "Where the component image lives."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("image", &ArtifactSpec::image,
          {.required = true,
           .description = "OCI image reference of the component, e.g. ghcr.io/org/hello:1.0.",
           .max_length = 4096}),
        F("imagePullSecret", &ArtifactSpec::image_pull_secret,
          {.description = "A kubernetes.io/dockerconfigjson Secret with registry credentials."}));
    return fields;
  }
};

template <>
struct Describe<ArtifactStatus> {
  static const char* Description() { return "The revision of the artifact that was resolved."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("artifactURL", &ArtifactStatus::artifact_url,
          {.description = "Where hosts fetch the current revision."}),
        F("digest", &ArtifactStatus::digest,
          {.description = "Manifest digest the image reference resolved to."}),
        F("revision", &ArtifactStatus::revision,
          {.description = "Increments each time a new digest is published.", .minimum = 0}),
        F("observedGeneration", &ArtifactStatus::observed_generation, {.minimum = 0}),
        F("conditions", &ArtifactStatus::conditions, {.list_map_keys = {"type"}}));
    return fields;
  }
};

template <>
struct Describe<HostSpec> {
  static const char* Description() { return "Identity of a wasmCloud host."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("hostId", &HostSpec::host_id,
          {.required = true,
           .description = "NKey-style public key of the host (N followed by base32).",
           .pattern = "^N[A-Z2-7]+$",
           .max_length = 56}),
        F("hostname", &HostSpec::hostname, {.max_length = 253}),
        F("httpPort", &HostSpec::http_port,
          {.description = "Port the host serves wasi:http on.", .minimum = 1, .maximum = 65535}));
    return fields;
  }
};

template <>
struct Describe<HostStatus> {
  static const char* Description() { return "What the host last reported."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("lastSeen", &HostStatus::last_seen), F("startedAt", &HostStatus::started_at),
        F("version", &HostStatus::version), F("os", &HostStatus::os), F("arch", &HostStatus::arch),
        F("kernel", &HostStatus::kernel), F("cpuCores", &HostStatus::cpu_cores, {.minimum = 0}),
        F("cpuUsagePercent", &HostStatus::cpu_usage_percent, {.minimum = 0, .maximum = 100}),
        F("memoryTotalBytes", &HostStatus::memory_total_bytes, {.minimum = 0}),
        F("memoryAvailableBytes", &HostStatus::memory_available_bytes, {.minimum = 0}),
        F("workloadCount", &HostStatus::workload_count, {.minimum = 0}),
        F("componentCount", &HostStatus::component_count, {.minimum = 0}),
        F("interfaces", &HostStatus::interfaces,
          {.description = "Host interfaces served, e.g. wasi:keyvalue/store@0.2.0-draft."}),
        F("conditions", &HostStatus::conditions, {.list_map_keys = {"type"}}));
    return fields;
  }
};

template <>
struct Describe<EnvironmentSource> {
  static const char* Description() {
    return "Configuration values: literals, then ConfigMaps, then Secrets; later wins.";
  }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("config", &EnvironmentSource::config),
                        F("configFrom", &EnvironmentSource::config_from,
                          {.description = "ConfigMaps whose data is merged in."}),
                        F("secretFrom", &EnvironmentSource::secret_from,
                          {.description = "Secrets whose data is merged in."}));
    return fields;
  }
};

template <>
struct Describe<VolumeMount> {
  static const char* Description() { return "Where a workload volume appears to a component."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &VolumeMount::name, {.required = true, .pattern = kDnsLabel, .max_length = 63}),
        F("mountPath", &VolumeMount::mount_path, {.required = true, .pattern = "^/"}),
        F("readOnly", &VolumeMount::read_only));
    return fields;
  }
};

template <>
struct Describe<LocalResources> {
  static const char* Description() { return "Resources local to one component."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("environment", &LocalResources::environment,
          {.description = "Environment variables and wasi:config values."}),
        F("config", &LocalResources::config, {.description = "wasi:config values."}),
        F("allowedHosts", &LocalResources::allowed_hosts,
          {.description = "Outgoing HTTP destinations: *, host[:port], scheme://host[:port] or "
                          "*.suffix[:port]. Empty denies all egress.",
           .max_length = 512}),
        F("volumeMounts", &LocalResources::volume_mounts, {.list_map_keys = {"mountPath"}}),
        F("memoryLimitMb", &LocalResources::memory_limit_mb,
          {.description = "The most linear memory, in MiB, each memory of an instance may grow "
                          "to; growing past it fails. Unset: the host's default.",
           .minimum = 1,
           .maximum = 4096}),
        F("cpuLimit", &LocalResources::cpu_limit,
          {.description = "CPUs the component may use at once. Each request runs on one, so at "
                          "most this many of its requests run at once; more wait their turn.",
           .minimum = 1,
           .maximum = 1024}));
    return fields;
  }
};

template <>
struct Describe<Component> {
  static const char* Description() { return "A WebAssembly component of the workload."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &Component::name, {.required = true, .pattern = kDnsLabel, .max_length = 63}),
        F("image", &Component::image,
          {.required = true,
           .description =
               "OCI image reference, artifact://NAME for an Artifact, file:///PATH on the host, or "
               "nats-object://BUCKET/sha256:DIGEST for a component staged in the NATS Object "
               "Store.",
           .max_length = 4096}),
        F("imagePullSecret", &Component::image_pull_secret),
        F("imagePullPolicy", &Component::image_pull_policy,
          {.enums = {"Always", "IfNotPresent", "Never"}}),
        F("poolSize", &Component::pool_size,
          {.description = "Instances kept warm; 0 or unset: a fresh instance per invocation.",
           .minimum = 0}),
        F("maxInvocations", &Component::max_invocations,
          {.description = "Invocations after which a pooled instance is retired.", .minimum = 0}),
        F("maxConcurrency", &Component::max_concurrency, {.minimum = 0}),
        F("localResources", &Component::local_resources));
    return fields;
  }
};

template <>
struct Describe<HostInterface> {
  static const char* Description() {
    return "A host interface the workload consumes, e.g. wasi:keyvalue with its backend.";
  }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &HostInterface::name,
          {.description = "Binding name: the identifier a guest passes to open(). Required when "
                          "two entries share namespace and package.",
           .pattern = kInterfaceName,
           .max_length = 63}),
        F("namespace", &HostInterface::namespace_, {.required = true, .max_length = 63}),
        F("package", &HostInterface::package, {.required = true, .max_length = 63}),
        F("interfaces", &HostInterface::interfaces, {.required = true, .min_items = 1}),
        F("version", &HostInterface::version, {.description = "Semantic version to match."}),
        F("config", &HostInterface::config));
    return fields;
  }
};

template <>
struct Describe<EphemeralVolume> {
  static const char* Description() { return "A fresh directory, removed when the workload stops."; }
  static const auto& Fields() {
    static const std::tuple<> fields;
    return fields;
  }
};

template <>
struct Describe<HostPathVolume> {
  static const char* Description() { return "A directory on the host."; }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("path", &HostPathVolume::path, {.required = true, .pattern = "^/"}));
    return fields;
  }
};

template <>
struct Describe<Volume> {
  static const char* Description() { return "Storage components can mount."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &Volume::name, {.required = true, .pattern = kDnsLabel, .max_length = 63}),
        F("ephemeral", &Volume::ephemeral), F("hostPath", &Volume::host_path));
    return fields;
  }
};

template <>
struct Describe<Service> {
  static const char* Description() {
    return "A long-running wasi:cli/run component beside the workload's components.";
  }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("image", &Service::image, {.required = true, .max_length = 4096}),
                        F("imagePullSecret", &Service::image_pull_secret),
                        F("imagePullPolicy", &Service::image_pull_policy,
                          {.enums = {"Always", "IfNotPresent", "Never"}}),
                        F("maxRestarts", &Service::max_restarts, {.minimum = 0}),
                        F("localResources", &Service::local_resources));
    return fields;
  }
};

template <>
struct Describe<WorkloadSpec> {
  static const char* Description() { return "Components, their configuration and placement."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("hostSelector", &WorkloadSpec::host_selector,
          {.description = "Labels a Host must have to run this workload."}),
        F("hostId", &WorkloadSpec::host_id, {.description = "Pins the workload to one host."}),
        F("components", &WorkloadSpec::components, {.list_map_keys = {"name"}}),
        F("hostInterfaces", &WorkloadSpec::host_interfaces,
          {.max_items = 64,
           .validations =
               {{"self.all(a, self.filter(b, b.namespace == a.namespace && b.package == "
                 "a.package).size() == 1 || (has(a.name) && a.name != ''))",
                 "name is required when two entries share namespace and package"},
                {"self.all(a, !has(a.name) || a.name == '' || self.filter(b, has(b.name) && "
                 "b.name == a.name && b.namespace == a.namespace && b.package == "
                 "a.package).size() == 1)",
                 "names must be unique within namespace and package"}}}),
        F("volumes", &WorkloadSpec::volumes, {.list_map_keys = {"name"}}),
        F("service", &WorkloadSpec::service));
    return fields;
  }
};

template <>
struct Describe<GuestFailures> {
  static const char* Description() {
    return "Requests the workload's components failed on its host since it started there.";
  }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("traps", &GuestFailures::traps,
          {.description = "Requests whose guest trapped (answered 500).", .minimum = 0}),
        F("deadlineExceeded", &GuestFailures::deadline_exceeded,
          {.description = "Requests stopped at the request deadline (answered 504).",
           .minimum = 0}),
        F("memoryLimit", &GuestFailures::memory_limit,
          {.description = "Of the traps, those with the guest's memory at its limit.",
           .minimum = 0}),
        F("lastFailureTime", &GuestFailures::last_failure_time),
        F("lastFailureMessage", &GuestFailures::last_failure_message));
    return fields;
  }
};

template <>
struct Describe<WorkloadStatus> {
  static const char* Description() { return "Where the workload runs and how it is doing."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("hostId", &WorkloadStatus::host_id), F("phase", &WorkloadStatus::phase),
        F("observedGeneration", &WorkloadStatus::observed_generation, {.minimum = 0}),
        F("conditions", &WorkloadStatus::conditions, {.list_map_keys = {"type"}}),
        F("serviceRestarts", &WorkloadStatus::service_restarts,
          {.description = "How often the host restarted the workload's service after it failed.",
           .minimum = 0}),
        F("guestFailures", &WorkloadStatus::guest_failures));
    return fields;
  }
};

template <>
struct Describe<WorkloadTemplate> {
  static const char* Description() { return "The Workload to create."; }
  static const auto& Fields() {
    static const auto fields =
        std::make_tuple(F("metadata", &WorkloadTemplate::metadata),
                        F("spec", &WorkloadTemplate::spec, {.required = true}));
    return fields;
  }
};

template <>
struct Describe<WorkloadReplicaSetSpec> {
  static const char* Description() { return "How many copies of the template to run."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("replicas", &WorkloadReplicaSetSpec::replicas, {.minimum = 0, .default_json = "1"}),
        F("template", &WorkloadReplicaSetSpec::template_, {.required = true}));
    return fields;
  }
};

template <>
struct Describe<WorkloadReplicaSetStatus> {
  static const char* Description() { return "Observed replicas."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("replicas", &WorkloadReplicaSetStatus::replicas, {.minimum = 0}),
        F("readyReplicas", &WorkloadReplicaSetStatus::ready_replicas, {.minimum = 0}),
        F("availableReplicas", &WorkloadReplicaSetStatus::available_replicas, {.minimum = 0}),
        F("observedGeneration", &WorkloadReplicaSetStatus::observed_generation, {.minimum = 0}),
        F("selector", &WorkloadReplicaSetStatus::selector),
        F("conditions", &WorkloadReplicaSetStatus::conditions, {.list_map_keys = {"type"}}));
    return fields;
  }
};

template <>
struct Describe<RollingUpdate> {
  static const char* Description() { return "Bounds of a rolling update."; }
  static const auto& Fields() {
    static const char* const kIntOrPercent = "^[0-9]+%?$";
    static const auto fields = std::make_tuple(
        F("maxSurge", &RollingUpdate::max_surge,
          {.description = "Workloads above replicas during an update (number or percent).",
           .pattern = kIntOrPercent,
           .default_json = "\"25%\""}),
        F("maxUnavailable", &RollingUpdate::max_unavailable,
          {.description = "Workloads that may be unavailable during an update.",
           .pattern = kIntOrPercent,
           .default_json = "\"25%\""}));
    return fields;
  }
};

template <>
struct Describe<ArtifactFrom> {
  static const char* Description() { return "A component whose image an Artifact supplies."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("name", &ArtifactFrom::name,
          {.required = true, .description = "Name of a component of the template."}),
        F("artifactFrom", &ArtifactFrom::artifact_from, {.required = true}));
    return fields;
  }
};

template <>
struct Describe<WorkloadDeploymentSpec> {
  static const char* Description() { return "Desired workloads and how to roll them out."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("replicas", &WorkloadDeploymentSpec::replicas, {.minimum = 0, .default_json = "1"}),
        F("deployPolicy", &WorkloadDeploymentSpec::deploy_policy,
          {.enums = {"RollingUpdate", "Recreate"}, .default_json = "\"RollingUpdate\""}),
        F("rollingUpdate", &WorkloadDeploymentSpec::rolling_update),
        F("revisionHistoryLimit", &WorkloadDeploymentSpec::revision_history_limit,
          {.description = "Old WorkloadReplicaSets kept for rollback.",
           .minimum = 0,
           .default_json = "10"}),
        F("artifacts", &WorkloadDeploymentSpec::artifacts, {.list_map_keys = {"name"}}),
        F("template", &WorkloadDeploymentSpec::template_, {.required = true}));
    return fields;
  }
};

template <>
struct Describe<WorkloadDeploymentStatus> {
  static const char* Description() { return "Observed rollout state."; }
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("replicas", &WorkloadDeploymentStatus::replicas, {.minimum = 0}),
        F("updatedReplicas", &WorkloadDeploymentStatus::updated_replicas, {.minimum = 0}),
        F("readyReplicas", &WorkloadDeploymentStatus::ready_replicas, {.minimum = 0}),
        F("availableReplicas", &WorkloadDeploymentStatus::available_replicas, {.minimum = 0}),
        F("observedGeneration", &WorkloadDeploymentStatus::observed_generation, {.minimum = 0}),
        F("selector", &WorkloadDeploymentStatus::selector),
        F("conditions", &WorkloadDeploymentStatus::conditions, {.list_map_keys = {"type"}}));
    return fields;
  }
};

// The five kinds share this shape: apiVersion, kind, metadata, spec (required), status.
template <typename Obj>
struct DescribeObject {
  static const auto& Fields() {
    static const auto fields = std::make_tuple(
        F("apiVersion", &Obj::api_version), F("kind", &Obj::kind), F("metadata", &Obj::metadata),
        F("spec", &Obj::spec, {.required = true}), F("status", &Obj::status));
    return fields;
  }
};

template <>
struct Describe<Artifact> : DescribeObject<Artifact> {
  static const char* Description() {
    return "A Wasm component image, resolved to a digest and tracked by revision.";
  }
};
template <>
struct Describe<Host> : DescribeObject<Host> {
  static const char* Description() { return "A wasmCloud host that runs workloads."; }
};
template <>
struct Describe<Workload> : DescribeObject<Workload> {
  static const char* Description() {
    return "Components with their configuration, placed on one host.";
  }
};
template <>
struct Describe<WorkloadReplicaSet> : DescribeObject<WorkloadReplicaSet> {
  static const char* Description() { return "Keeps a number of identical Workloads running."; }
};
template <>
struct Describe<WorkloadDeployment> : DescribeObject<WorkloadDeployment> {
  static const char* Description() {
    return "Declares Workloads and rolls out changes through WorkloadReplicaSets.";
  }
};

template <typename T>
Decoded DecodeAs(const Json& json, const DecodeOptions& options) {
  Decoded out;
  Ctx ctx{options.strict, &out.errors, &out.warnings};
  T object;
  Codec<T>::Decode(json, object, ctx, "", FieldOpts{});
  if (out.errors.empty()) out.object = std::move(object);
  return out;
}

}  // namespace

bool IsWasmCloudKind(std::string_view api_version, std::string_view kind) {
  return api_version == kApiVersion &&
         (kind == "Artifact" || kind == "Host" || kind == "Workload" ||
          kind == "WorkloadReplicaSet" || kind == "WorkloadDeployment");
}

Decoded DecodeObject(const Json& json, const DecodeOptions& options) {
  Decoded out;
  if (!json.is_object()) {
    out.errors.push_back({"", "expected an object, got " + TypeName(json)});
    return out;
  }
  std::string api_version = json.contains("apiVersion") && json["apiVersion"].is_string()
                                ? json["apiVersion"].get<std::string>()
                                : "";
  std::string kind =
      json.contains("kind") && json["kind"].is_string() ? json["kind"].get<std::string>() : "";
  if (api_version.empty()) out.errors.push_back({"apiVersion", "required value"});
  if (kind.empty()) out.errors.push_back({"kind", "required value"});
  if (!out.errors.empty()) return out;
  if (api_version != kApiVersion) {
    out.errors.push_back(
        {"apiVersion", "unsupported version \"" + api_version + "\", expected " + kApiVersion});
    return out;
  }
  if (kind == "Artifact") return DecodeAs<Artifact>(json, options);
  if (kind == "Host") return DecodeAs<Host>(json, options);
  if (kind == "Workload") return DecodeAs<Workload>(json, options);
  if (kind == "WorkloadReplicaSet") return DecodeAs<WorkloadReplicaSet>(json, options);
  if (kind == "WorkloadDeployment") return DecodeAs<WorkloadDeployment>(json, options);
  out.errors.push_back({"kind", "unknown kind \"" + kind + "\" in " + kApiVersion});
  return out;
}

DecodedMeta DecodeObjectMeta(const Json& object) {
  DecodedMeta out;
  if (!object.is_object()) return out;
  auto it = object.find("metadata");
  if (it == object.end() || it->is_null()) return out;
  FieldErrors ignored;
  Ctx ctx{false, &out.errors, &ignored};
  Codec<ObjectMeta>::Decode(*it, out.meta, ctx, "metadata", {});
  return out;
}

Json EncodeObject(const AnyObject& object) {
  return std::visit([](const auto& o) { return Codec<std::decay_t<decltype(o)>>::Encode(o); },
                    object);
}

Json ObjectSchema(std::string_view kind) {
  FieldOpts none;
  if (kind == "Artifact") return Codec<Artifact>::Schema(none);
  if (kind == "Host") return Codec<Host>::Schema(none);
  if (kind == "Workload") return Codec<Workload>::Schema(none);
  if (kind == "WorkloadReplicaSet") return Codec<WorkloadReplicaSet>::Schema(none);
  if (kind == "WorkloadDeployment") return Codec<WorkloadDeployment>::Schema(none);
  return Json();
}

const std::string& KindOf(const AnyObject& o) {
  return std::visit([](const auto& x) -> const std::string& { return x.kind; }, o);
}

const ObjectMeta& MetaOf(const AnyObject& o) {
  return std::visit([](const auto& x) -> const ObjectMeta& { return x.metadata; }, o);
}

ObjectMeta& MetaOf(AnyObject& o) {
  return std::visit([](auto& x) -> ObjectMeta& { return x.metadata; }, o);
}

}  // namespace wcloud::api
