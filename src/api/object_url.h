// Where a component staged in a NATS JetStream Object Store is found: the URL an Artifact's
// status.artifactURL carries and a Workload's image may name,
//   nats-object://<bucket>/<object>    e.g. nats-object://wcloud-artifacts/sha256:4f1c…
// The object's name is its content digest, so a host checks the bytes it gets against the URL.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::api {

inline constexpr std::string_view kObjectScheme = "nats-object://";

struct ObjectUrl {
  std::string bucket;
  std::string object;  // "sha256:<64 hex>"
  std::string ToString() const { return std::string(kObjectScheme) + bucket + "/" + object; }
};

bool IsObjectUrl(std::string_view image);
// Errors name the URL and what is wrong: the bucket's characters (ADR-20: letters, digits, '-'
// and '_'), or an object that is not a sha256 content digest.
Result<ObjectUrl> ParseObjectUrl(std::string_view url);

}  // namespace wcloud::api
