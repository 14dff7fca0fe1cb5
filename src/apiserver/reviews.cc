#include "apiserver/reviews.h"

namespace wcloud::apiserver {
namespace {

constexpr char kAuthn[] = "authentication.k8s.io";
constexpr char kAuthz[] = "authorization.k8s.io";

struct Review {
  const char* group;
  const char* plural;
  const char* kind;
};
constexpr Review kReviews[] = {
    {kAuthz, "selfsubjectaccessreviews", "SelfSubjectAccessReview"},
    {kAuthz, "selfsubjectrulesreviews", "SelfSubjectRulesReview"},
    {kAuthn, "selfsubjectreviews", "SelfSubjectReview"},
};

Json Failure(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

}  // namespace

std::vector<std::string> ReviewGroups() { return {kAuthn, kAuthz}; }

Json ReviewResources(const std::string& group, const std::string& version) {
  Json resources = Json::array();
  if (version != "v1") return resources;
  for (const Review& r : kReviews) {
    if (group != r.group) continue;
    resources.push_back({{"name", r.plural},
                         {"singularName", ""},
                         {"namespaced", false},
                         {"kind", r.kind},
                         {"verbs", {"create"}}});
  }
  return resources;
}

std::optional<ReviewAnswer> ServeReview(const std::string& method, const std::string& path,
                                        const std::string& body) {
  const Review* review = nullptr;
  for (const Review& r : kReviews) {
    if (path == std::string("/apis/") + r.group + "/v1/" + r.plural) review = &r;
  }
  if (!review) return std::nullopt;
  if (method != "POST") {
    return ReviewAnswer{405, Failure(405, "MethodNotAllowed",
                                     std::string(review->plural) + ": only create is supported")};
  }
  // kubectl sends these built-in kinds as protobuf; the answer does not depend on what is asked
  // (everything is allowed), so a body that is not JSON is answered without echoing it.
  Json request = Json::parse(body, nullptr, false);
  const bool json = request.is_object();
  Json answer = json ? request : Json::object();
  answer["apiVersion"] = std::string(review->group) + "/v1";
  answer["kind"] = review->kind;
  if (!answer.contains("metadata") || !answer["metadata"].is_object()) {
    answer["metadata"] = Json::object();
  }
  const std::string kind = review->kind;
  if (kind == "SelfSubjectReview") {
    answer["status"] = {
        {"userInfo",
         {{"username", kAdminUser}, {"groups", {"system:masters", "system:authenticated"}}}}};
  } else if (kind == "SelfSubjectAccessReview") {
    if (json && (!answer.contains("spec") || !answer["spec"].is_object())) {
      return ReviewAnswer{422, Failure(422, "Invalid", "spec: Required value")};
    }
    answer["status"] = {{"allowed", true},
                        {"reason",
                         "wcloud up's token may do everything (one credential, the "
                         "cluster admin's)"}};
  } else {
    answer["status"] = {
        {"resourceRules", {{{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}}}},
        {"nonResourceRules", {{{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}}},
        {"incomplete", false}};
  }
  return ReviewAnswer{201, answer};
}

}  // namespace wcloud::apiserver
