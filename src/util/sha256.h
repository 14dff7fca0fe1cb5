// SHA-256 digests as OCI writes them ("sha256:<64 lowercase hex>").
#pragma once

#include <string>
#include <string_view>

namespace wcloud {

// Lowercase hex of SHA-256(data).
std::string Sha256Hex(std::string_view data);

// "sha256:" + Sha256Hex(data): the content digest of OCI blobs and manifests.
inline std::string Sha256Digest(std::string_view data) { return "sha256:" + Sha256Hex(data); }

}  // namespace wcloud
