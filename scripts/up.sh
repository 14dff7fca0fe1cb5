#!/usr/bin/env bash
# The main job behind `make up`: start `wcloud up` (the Kubernetes-compatible API server of the
# embedded default), apply the sample manifests with kubectl, print how to reach them, and keep
# running until Ctrl-C.
set -euo pipefail
wcloud="${1:-build/wcloud}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
data_dir="${WCLOUD_DATA_DIR:-$HOME/.wcloud}"
listen="${WCLOUD_API_LISTEN:-127.0.0.1:6443}"

"$wcloud" version
echo "Checking the sample manifests:"
"$wcloud" validate -f config/samples
echo

rm -f "$data_dir/kubeconfig"
"$wcloud" up --data-dir "$data_dir" --api-listen "$listen" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null || true' INT TERM EXIT
for _ in $(seq 1 200); do
  [[ -f "$data_dir/kubeconfig" ]] && break
  kill -0 $server 2>/dev/null || { echo "wcloud up exited early" >&2; exit 1; }
  sleep 0.05
done
export KUBECONFIG="$data_dir/kubeconfig"
kubectl apply -f config/samples/
echo
kubectl get wasmcloud
cat <<MSG

wcloud is running (pid $server). In another shell:
  export KUBECONFIG=$data_dir/kubeconfig
  kubectl get wasmcloud                      # every runtime.wasmcloud.dev object
  kubectl get wd hello-world -o yaml         # one of the samples, with server-side defaults
  kubectl get ww -w                          # watch Workloads change
Press Ctrl-C to stop; state is kept in $data_dir.
MSG
wait $server
