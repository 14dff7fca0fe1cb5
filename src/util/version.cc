#include "util/version.h"

#include <build_commit.h>  // generated at each build: WCLOUD_GIT_COMMIT

namespace wcloud {

std::string_view Version() { return WCLOUD_VERSION; }
std::string_view GitCommit() { return WCLOUD_GIT_COMMIT; }

}  // namespace wcloud
