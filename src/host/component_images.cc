#include "host/component_images.h"

#include <filesystem>

#include "api/image_reference.h"
#include "api/object_url.h"
#include "oci/registry_client.h"
#include "util/bounded_file.h"
#include "util/sha256.h"

namespace wcloud::host {
namespace {

constexpr std::string_view kFileScheme = "file://";
// The registry client's limit, for files too.
constexpr uintmax_t kMaxComponentBytes = uintmax_t{512} << 20;

// Registry errors that start with the reference name it already; others get it in front.
Error NameImage(const Error& e, const api::ImageReference& ref, const std::string& image) {
  if (e.message().rfind(ref.ToString(), 0) == 0) return e;
  return e.Wrap("image " + image);
}

}  // namespace

Result<ComponentImage> ComponentImages::Resolve(const std::string& image,
                                                const std::optional<oci::Credentials>& credentials,
                                                const std::string& pull_policy) {
  if (image.rfind(kFileScheme, 0) == 0) {
    std::string path = image.substr(kFileScheme.size());
    if (path.empty() || path[0] != '/') {
      return Error("image " + image +
                   ": a file image needs an absolute path, as file:///path/to/component.wasm");
    }
    return ReadFile(path);
  }
  if (!image.empty() && image[0] == '/') return ReadFile(image);
  if (api::IsObjectUrl(image)) return FetchObject(image);
  return Pull(image, credentials, pull_policy);
}

Result<ComponentImage> ComponentImages::ReadFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec) return Error("image file " + path + ": " + ec.message());
  if (!fs::is_regular_file(st)) return Error("image file " + path + ": not a regular file");
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return Error("image file " + path + ": " + ec.message());
  auto mtime = fs::last_write_time(path, ec);
  if (ec) return Error("image file " + path + ": " + ec.message());
  int64_t stamp = mtime.time_since_epoch().count();
  {
    MutexLock lock(mu_);
    auto it = files_.find(path);
    if (it != files_.end() && it->second.size == size && it->second.mtime == stamp) {
      auto bytes = bytes_.find(it->second.digest);
      if (bytes != bytes_.end()) return ComponentImage{it->second.digest, bytes->second};
    }
  }
  auto bytes = ReadBoundedFile(path, kMaxComponentBytes);
  if (!bytes) return bytes.error().Wrap("image file");
  std::string digest = Sha256Digest(*bytes);
  auto shared = std::make_shared<const std::string>(std::move(*bytes));
  MutexLock lock(mu_);
  files_[path] = FileStamp{size, stamp, digest};
  bytes_[digest] = shared;
  return ComponentImage{digest, shared};
}

// Objects are named by their content digest: once here, never fetched again.
Result<ComponentImage> ComponentImages::FetchObject(const std::string& image) {
  WCLOUD_ASSIGN_OR_RETURN(api::ObjectUrl url, api::ParseObjectUrl(image));
  const std::string& digest = url.object;
  {
    MutexLock lock(mu_);
    if (auto it = bytes_.find(digest); it != bytes_.end())
      return ComponentImage{digest, it->second};
  }
  if (store_ && store_->Has(digest)) {
    if (auto bytes = store_->Get(digest)) {  // checked against the digest
      auto shared = std::make_shared<const std::string>(std::move(*bytes));
      MutexLock lock(mu_);
      bytes_[digest] = shared;
      return ComponentImage{digest, shared};
    }
  }
  if (!objects_) {
    return Error("image " + image + ": this host has no NATS connection to fetch it from",
                 ErrorCode::kFailedPrecondition);
  }
  auto bytes = objects_->Fetch(url.bucket, url.object, kMaxComponentBytes);
  if (!bytes) return bytes.error().Wrap("image " + image);
  if (std::string actual = Sha256Digest(*bytes); actual != digest) {
    return Error("image " + image + ": digest mismatch: the object's bytes are " + actual,
                 ErrorCode::kInvalidArgument);
  }
  if (store_) {
    if (auto stored = store_->Put(*bytes); !stored) {
      return stored.error().Wrap("image " + image + ": keeping the fetched component");
    }
  }
  auto shared = std::make_shared<const std::string>(std::move(*bytes));
  MutexLock lock(mu_);
  bytes_[digest] = shared;
  return ComponentImage{digest, shared};
}

Result<ComponentImage> ComponentImages::Pull(const std::string& image,
                                             const std::optional<oci::Credentials>& credentials,
                                             const std::string& pull_policy) {
  auto ref = api::ParseImageReference(image);
  if (!ref) return ref.error().Wrap("image " + image);
  std::string policy = pull_policy;
  if (policy.empty())
    policy = ref->digest.empty() && ref->tag == "latest" ? "Always" : "IfNotPresent";
  api::ImageReference tagged = *ref;
  tagged.digest.clear();
  std::string manifest = ref->digest;
  if (manifest.empty() && policy != "Always") {
    MutexLock lock(mu_);
    auto it = tags_.find(tagged.ToString());
    if (it != tags_.end()) manifest = it->second;
  }
  if (!manifest.empty()) {
    if (auto cached = Cached(manifest)) return *cached;
  }
  if (policy == "Never") {
    return Error("image " + image + ": not present on this host and imagePullPolicy is Never");
  }

  oci::RegistryClient registry({.credentials = credentials});
  if (manifest.empty()) {
    auto resolved = registry.ResolveDigest(*ref);
    if (!resolved) return NameImage(resolved.error(), *ref, image);
    manifest = std::move(*resolved);
    {
      MutexLock lock(mu_);
      tags_[tagged.ToString()] = manifest;
    }
    if (auto cached = Cached(manifest)) return *cached;
  }
  api::ImageReference pinned = *ref;
  pinned.digest = manifest;
  auto pulled = registry.Pull(pinned);
  if (!pulled) return NameImage(pulled.error(), pinned, image);
  if (store_) {
    auto stored = store_->Put(pulled->bytes);
    if (!stored) return stored.error().Wrap("image " + image + ": keeping the pulled component");
  }
  return Keep(manifest, std::move(pulled->layer_digest), std::move(pulled->bytes));
}

std::optional<ComponentImage> ComponentImages::Cached(const std::string& manifest_digest) {
  std::string content;
  {
    MutexLock lock(mu_);
    auto layer = layers_.find(manifest_digest);
    if (layer == layers_.end()) return std::nullopt;
    content = layer->second;
    auto bytes = bytes_.find(content);
    if (bytes != bytes_.end()) return ComponentImage{content, bytes->second};
  }
  if (!store_ || !store_->Has(content)) return std::nullopt;
  auto bytes = store_->Get(content);  // checked against the digest
  if (!bytes) return std::nullopt;
  return Keep(manifest_digest, content, std::move(*bytes));
}

ComponentImage ComponentImages::Keep(const std::string& manifest_digest, std::string layer_digest,
                                     std::string bytes) {
  auto shared = std::make_shared<const std::string>(std::move(bytes));
  MutexLock lock(mu_);
  layers_[manifest_digest] = layer_digest;
  bytes_[layer_digest] = shared;
  return ComponentImage{std::move(layer_digest), shared};
}

void ComponentImages::Retain(const std::set<std::string>& keep) {
  MutexLock lock(mu_);
  std::erase_if(bytes_, [&](const auto& entry) { return !keep.count(entry.first); });
}

}  // namespace wcloud::host
