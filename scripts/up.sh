#!/usr/bin/env bash
# The main job behind `make up`. Until `wcloud up` (API server + operator + host) lands, the most
# useful thing the binary does is check the sample manifests the way the API server will.
set -euo pipefail
wcloud="${1:-build/wcloud}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

"$wcloud" version
echo
echo "Validating the sample manifests in config/samples/:"
"$wcloud" validate -f config/samples
echo
cat <<MSG
Next steps:
  $wcloud validate -f my-workload.yaml       # check your own manifests (exit 1 on any error)
  $wcloud crds | kubectl apply -f -          # install the five CRDs into a cluster
  $wcloud --help                             # every command
MSG
