// Media types of Wasm components stored as OCI artifacts (the wasm-oci convention wasmCloud uses).
#pragma once

#include <string_view>

namespace wcloud::oci {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kWasmConfig = "application/vnd.wasm.config.v0+json";
inline constexpr std::string_view kWasmLayer = "application/wasm";
// Layers pushed by older wasmCloud tooling.
inline constexpr std::string_view kLegacyWasmLayer =
    "application/vnd.module.wasm.content.layer.v1+wasm";

}  // namespace wcloud::oci
