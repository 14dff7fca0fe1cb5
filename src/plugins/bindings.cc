#include "plugins/bindings.h"

#include <algorithm>
#include <charconv>

#include "api/field_error.h"

namespace wcloud::plugins {
namespace {

// "wasi:keyvalue/store@0.2.0-draft" → {"wasi:keyvalue", "store", "0.2.0-draft"}; false for names
// that are not interfaces (plain function imports).
struct InterfaceName {
  std::string package;  // "wasi:keyvalue"
  std::string interface;
  std::string version;
};

bool ParseInterfaceName(std::string_view name, InterfaceName& out) {
  size_t colon = name.find(':');
  size_t slash = name.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos || slash < colon) {
    return false;
  }
  size_t at = name.find('@', slash);
  out.package = std::string(name.substr(0, slash));
  out.interface =
      std::string(name.substr(slash + 1, at == std::string_view::npos ? at : at - slash - 1));
  out.version = at == std::string_view::npos ? "" : std::string(name.substr(at + 1));
  return true;
}

bool VersionsCompatible(const std::string& a, const std::string& b) {
  return component::CompatibleName("x@" + a) == component::CompatibleName("x@" + b);
}

bool IsPinnedBucket(std::string_view name) {
  return !name.empty() && name.size() <= 255 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool Declares(const api::HostInterface& entry, std::string_view interface) {
  return std::find(entry.interfaces.begin(), entry.interfaces.end(), interface) !=
         entry.interfaces.end();
}

}  // namespace

void WorkloadBindings::AddBlobstoreEntry(WorkloadBindings& b, const api::HostInterface& e,
                                         const std::string& at, bool& have_default,
                                         KeyValueConnections& connections,
                                         api::FieldErrors& errors) {
  auto config = [&](const char* key) {
    auto it = e.config.find(key);
    return it == e.config.end() ? std::string() : it->second;
  };
  BlobstoreEntry blob;
  blob.name = e.name;
  blob.pinned = config("bucket");
  if (!blob.pinned.empty() && !IsPinnedBucket(blob.pinned)) {
    errors.push_back({at + ".config.bucket",
                      "\"" + blob.pinned + "\" must be 1-255 characters of [A-Za-z0-9_-]"});
  }
  if (std::string max = config("max_object_bytes"); !max.empty()) {
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(max.data(), max.data() + max.size(), n);
    if (ec != std::errc() || ptr != max.data() + max.size() || n < 1 || n > kMaxObjectBytesLimit) {
      errors.push_back(
          {at + ".config.max_object_bytes", "\"" + max + "\" must be a number of bytes from 1 to " +
                                                std::to_string(kMaxObjectBytesLimit)});
    } else {
      blob.max_object_bytes = n;
    }
  }
  if (e.name.empty()) {
    if (have_default) {
      errors.push_back({at + ".name", "required when two or more entries share wasi:blobstore"});
    }
    have_default = true;
  }
  std::string backend = config("backend");
  if (backend.empty()) backend = kMemoryBackend;
  auto got = connections.GetBlobstore(backend, config("url"));
  if (!got) {
    errors.push_back({at + (backend != kNatsBackend && backend != kMemoryBackend ? ".config.backend"
                                                                                 : ".config.url"),
                      got.error().message()});
    return;
  }
  blob.backend = std::move(*got);
  b.blobstore_.push_back(std::move(blob));
}

bool IsBucketIdentifier(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<std::shared_ptr<const WorkloadBindings>> WorkloadBindings::Create(
    WorkloadIdentity identity, std::vector<api::HostInterface> entries,
    KeyValueConnections& connections) {
  std::shared_ptr<WorkloadBindings> b(new WorkloadBindings());
  if (identity.namespace_.empty()) identity.namespace_ = "default";
  b->identity_ = std::move(identity);
  api::FieldErrors errors;
  bool have_default = false;
  bool have_blobstore_default = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    const api::HostInterface& e = entries[i];
    if (e.namespace_ == "wasi" && e.package == "blobstore") {
      AddBlobstoreEntry(*b, e, api::IndexPath("hostInterfaces", i), have_blobstore_default,
                        connections, errors);
      continue;
    }
    if (e.namespace_ != "wasi" || e.package != "keyvalue") continue;
    std::string at = api::IndexPath("hostInterfaces", i);
    auto config = [&](const char* key) {
      auto it = e.config.find(key);
      return it == e.config.end() ? std::string() : it->second;
    };
    KeyValueEntry kv;
    kv.name = e.name;
    kv.pinned = config("bucket");
    kv.atomics = Declares(e, "atomics");
    kv.batch = Declares(e, "batch");
    if (!kv.pinned.empty() && !IsPinnedBucket(kv.pinned)) {
      errors.push_back({at + ".config.bucket",
                        "\"" + kv.pinned + "\" must be 1-255 characters of [A-Za-z0-9_-]"});
    }
    if (e.name.empty()) {
      if (have_default) {
        errors.push_back({at + ".name", "required when two or more entries share wasi:keyvalue"});
      }
      have_default = true;
    }
    std::string backend = config("backend");
    if (backend.empty()) backend = kMemoryBackend;
    auto got = connections.Get(backend, config("url"));
    if (!got) {
      errors.push_back(
          {at + (backend != kNatsBackend && backend != kRedisBackend && backend != kMemoryBackend
                     ? ".config.backend"
                     : ".config.url"),
           got.error().message()});
      continue;
    }
    kv.backend = std::move(*got);
    b->keyvalue_.push_back(std::move(kv));
  }
  if (!errors.empty()) {
    std::string message;
    for (const auto& e : errors) message += (message.empty() ? "" : "; ") + e.ToString();
    return Error(message);
  }
  b->entries_ = std::move(entries);
  return std::shared_ptr<const WorkloadBindings>(std::move(b));
}

bool WorkloadBindings::Declared(std::string_view import) const {
  InterfaceName name;
  if (!ParseInterfaceName(import, name)) return false;
  for (const auto& e : entries_) {
    if (e.namespace_ + ":" + e.package != name.package || !Declares(e, name.interface)) continue;
    if (e.version.empty() || VersionsCompatible(e.version, name.version)) return true;
  }
  return false;
}

Status WorkloadBindings::CheckImports(const component::Component& component,
                                      const component::Linker& linker) const {
  std::vector<std::string> names;
  for (const auto& import : component.imports) names.push_back(import.name);
  return CheckImportNames(names, linker);
}

Status WorkloadBindings::CheckImportNames(const std::vector<std::string>& imports,
                                          const component::Linker& linker) const {
  std::vector<std::string> problems;
  for (const auto& import : imports) {
    InterfaceName name;
    if (!ParseInterfaceName(import, name)) continue;  // plain functions: the Linker decides
    bool platform = std::find(std::begin(kPlatformPackages), std::end(kPlatformPackages),
                              name.package) != std::end(kPlatformPackages);
    if (!platform && !Declared(import)) {
      problems.push_back(import +
                         " is not declared in hostInterfaces (add an entry with namespace " +
                         name.package.substr(0, name.package.find(':')) + ", package " +
                         name.package.substr(name.package.find(':') + 1) + " and interface " +
                         name.interface + ")");
    } else if (!linker.HasInterface(import)) {
      problems.push_back(import + " is not provided by this host");
    }
  }
  if (problems.empty()) return Ok();
  std::string message = "workload " + identity_.namespace_ + "/" + identity_.name +
                        ": component imports what it may not use: ";
  for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  return Error(message);
}

Result<BucketBinding> WorkloadBindings::Open(std::string_view identifier) const {
  auto scoped = [&](std::string_view bucket) {
    return identity_.namespace_ + "_" + std::string(bucket);
  };
  auto bind = [&](const KeyValueEntry& e, std::string bucket) {
    return BucketBinding{e.backend, std::move(bucket), e.atomics, e.batch};
  };
  const KeyValueEntry* fallback = nullptr;
  for (const auto& e : keyvalue_) {
    if (e.name.empty()) {
      fallback = &e;
    } else if (e.name == identifier) {
      return bind(e, e.pinned.empty() ? scoped(e.name) : e.pinned);
    }
  }
  const Error no_such_store("no store \"" + std::string(identifier) + "\"", kNoSuchStore);
  if (fallback == nullptr) return no_such_store;
  if (!fallback->pinned.empty()) {
    if (identifier.empty() || identifier == fallback->pinned)
      return bind(*fallback, fallback->pinned);
    return no_such_store;
  }
  if (identifier.empty()) return bind(*fallback, scoped("default"));
  if (!IsBucketIdentifier(identifier)) return no_such_store;
  return bind(*fallback, scoped(identifier));
}

Result<ContainerBinding> WorkloadBindings::OpenContainer(std::string_view name) const {
  auto bind = [&](const BlobstoreEntry& e, std::string bucket) {
    return ContainerBinding{e.backend, std::move(bucket), std::string(name), e.max_object_bytes};
  };
  const BlobstoreEntry* fallback = nullptr;
  for (const auto& e : blobstore_) {
    if (e.name.empty()) {
      fallback = &e;
    } else if (e.name == name) {
      return bind(e, e.pinned.empty() ? identity_.namespace_ + "_" + e.name : e.pinned);
    }
  }
  const std::string quoted = "\"" + std::string(name) + "\"";
  if (fallback == nullptr) {
    return Error("no wasi:blobstore hostInterfaces entry serves container " + quoted +
                     (blobstore_.empty() ? "" : " (no entry is named so, and none is unnamed)"),
                 kNoSuchStore);
  }
  if (!fallback->pinned.empty()) {
    if (name == fallback->pinned) return bind(*fallback, fallback->pinned);
    return Error("container " + quoted + " is not served: the wasi:blobstore entry serves only \"" +
                     fallback->pinned + "\"",
                 kNoSuchStore);
  }
  if (!IsBucketIdentifier(name)) {
    return Error("container name " + quoted + " must be 1-64 characters of [A-Za-z0-9-]",
                 kNoSuchStore);
  }
  return bind(*fallback, identity_.namespace_ + "_" + std::string(name));
}

uint64_t WorkloadBindings::MaxObjectBytes() const {
  uint64_t max = 0;
  for (const auto& e : blobstore_) max = std::max(max, e.max_object_bytes);
  return max == 0 ? kDefaultMaxObjectBytes : max;
}

const api::StringMap& WorkloadBindings::ConfigOf(std::string_view namespace_,
                                                 std::string_view package) const {
  static const api::StringMap kEmpty;
  for (const auto& e : entries_) {
    if (e.namespace_ == namespace_ && e.package == package) return e.config;
  }
  return kEmpty;
}

}  // namespace wcloud::plugins
