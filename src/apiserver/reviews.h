// The self reviews kubectl's `auth can-i` and `auth whoami` ask for: SelfSubjectAccessReview and
// SelfSubjectRulesReview (authorization.k8s.io/v1), SelfSubjectReview (authentication.k8s.io/v1).
// `wcloud up` has one credential, its bearer token, and it may do everything: the answers say so
// for the user that token stands for. Create-only and never stored, as Kubernetes' are.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace wcloud::apiserver {

// The user behind `wcloud up`'s token.
inline constexpr char kAdminUser[] = "wcloud-admin";

// For discovery: the groups, and a group version's APIResourceList entries.
std::vector<std::string> ReviewGroups();
Json ReviewResources(const std::string& group, const std::string& version);

struct ReviewAnswer {
  int status = 200;
  Json body;
};
// The answer to `method` on `path` ("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"),
// or nullopt when the path is not a review's. `body` is the request's JSON (maybe invalid).
std::optional<ReviewAnswer> ServeReview(const std::string& method, const std::string& path,
                                        const std::string& body);

}  // namespace wcloud::apiserver
