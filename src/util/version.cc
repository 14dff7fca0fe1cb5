#include "util/version.h"

namespace wcloud {

std::string_view Version() { return WCLOUD_VERSION; }
std::string_view GitCommit() { return WCLOUD_GIT_COMMIT; }

}  // namespace wcloud
