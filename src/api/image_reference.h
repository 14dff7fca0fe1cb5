// OCI image references ("ghcr.io/wasmcloud/components/hello:0.1.0", "localhost:5000/x@sha256:..."),
// parsed by the grammar of the distribution project's reference package, with Docker's defaults.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::api {

struct ImageReference {
  std::string registry;  // "ghcr.io", "localhost:5000"; "docker.io" when the name has none
  std::string
      repository;      // "wasmcloud/components/hello"; "library/x" for single names on docker.io
  std::string tag;     // "latest" when neither tag nor digest was given
  std::string digest;  // "sha256:<64 hex>" or empty

  // The tag, or the digest when there is one: what a manifest request asks for.
  const std::string& Identifier() const { return digest.empty() ? tag : digest; }
  std::string ToString() const;
  bool operator==(const ImageReference&) const = default;
};

// Parses `text`; the error names what part is malformed.
Result<ImageReference> ParseImageReference(std::string_view text);

}  // namespace wcloud::api
