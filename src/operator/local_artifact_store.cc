#include "operator/local_artifact_store.h"

#include "api/object_url.h"

namespace wcloud::operator_ {

Result<std::string> LocalArtifactStore::Stage(const std::string& digest, std::string_view bytes,
                                              const std::map<std::string, std::string>& labels) {
  auto image = labels.find("image");
  if (image == labels.end()) {
    return Error("staging " + digest + ": no image reference", ErrorCode::kInvalidArgument);
  }
  WCLOUD_TRY_STATUS(components_.Put(bytes));
  return image->second;
}

bool LocalArtifactStore::Serves(const std::string& url) const {
  return !url.empty() && !api::IsObjectUrl(url);
}

}  // namespace wcloud::operator_
