// A client of the OCI distribution API for Wasm components: resolve a tag to a digest, pull a
// component, push one. Speaks Basic and Bearer-token auth the way registries challenge for it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/image_reference.h"
#include "curl/easy.h"
#include "oci/credentials.h"
#include "util/result.h"

namespace wcloud::oci {

struct PulledComponent {
  std::string manifest_digest;  // what the tag pointed at: identifies the revision
  std::string layer_digest;     // content digest of `bytes`, verified
  std::string bytes;            // the component binary
};

struct RegistryRequest;
struct RegistryResponse;

class RegistryClient {
 public:
  struct Options {
    std::optional<Credentials> credentials;
    // Docker's rule: registries on loopback addresses speak plain HTTP, all others HTTPS.
    bool plain_http_for_loopback = true;
    long timeout_seconds = 60;
    // A bigger layer is refused before it is downloaded whole.
    size_t max_component_bytes = size_t{512} << 20;
  };

  explicit RegistryClient(Options options);
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // The digest of the manifest `ref` names now (for a digest reference, that digest, checked).
  Result<std::string> ResolveDigest(const api::ImageReference& ref);

  // Fetches the manifest (following an image index to its wasm entry) and the component layer.
  Result<PulledComponent> Pull(const api::ImageReference& ref);

  // Uploads `component` as config + layer + manifest under ref's tag; returns the manifest digest.
  Result<std::string> Push(const api::ImageReference& ref, std::string_view component);

 private:
  Result<RegistryResponse> Send(const api::ImageReference& ref, const RegistryRequest& request);
  Result<RegistryResponse> Perform(const RegistryRequest& request,
                                   const std::string& authorization);
  Result<std::string> Authorize(const api::ImageReference& ref, const std::string& challenge);
  Result<std::string> FetchManifest(const api::ImageReference& ref, std::string_view identifier,
                                    std::string* media_type, std::string* digest);
  Result<std::string> FetchBlob(const api::ImageReference& ref, const std::string& digest,
                                size_t limit);
  Status UploadBlob(const api::ImageReference& ref, std::string_view data,
                    const std::string& digest);
  std::string BaseUrl(const api::ImageReference& ref) const;

  Options options_;
  // One handle, so connections to a registry are reused across requests.
  curl::Easy curl_;
  // Authorization header values that worked, per registry and scope.
  std::map<std::string, std::string> authorization_;
};

}  // namespace wcloud::oci
