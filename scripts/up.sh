#!/usr/bin/env bash
# The main job behind `make up`: start `wcloud up` (API server, operator and this machine's host
# in one process), apply a sample WorkloadDeployment of the C hello component the build made,
# wait until it answers over HTTP, print how to reach it, and keep running until Ctrl-C.
set -euo pipefail
wcloud="${1:-build/wcloud}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
data_dir="${WCLOUD_DATA_DIR:-$HOME/.wcloud}"
listen="${WCLOUD_API_LISTEN:-127.0.0.1:6443}"
app="${WCLOUD_SAMPLE_ADDRESS:-127.0.0.1:8080}"
component="$root/$(dirname "$wcloud")/tests/components/http_hello.wasm"
[[ -f "$component" ]] || { echo "missing $component: run make build" >&2; exit 1; }

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
kubectl apply -f - <<YAML
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: hello
  namespace: default
spec:
  replicas: 2
  template:
    spec:
      hostSelector:
        hostgroup: default
      components:
        - name: http
          image: file://$component
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config:
            address: $app
YAML
echo "Waiting for the sample to answer on http://$app/ ..."
for _ in $(seq 1 300); do
  if curl -sf "http://$app/" >/dev/null 2>&1; then break; fi
  kill -0 $server 2>/dev/null || { echo "wcloud up exited early" >&2; exit 1; }
  sleep 0.1
done
kubectl get wasmcloud
echo
curl -s "http://$app/"
cat <<MSG

wcloud is running (pid $server); the sample WorkloadDeployment "hello" (2 replicas of a C
component) answers:
  curl http://$app/
In another shell:
  export KUBECONFIG=$data_dir/kubeconfig
  kubectl get wasmcloud                       # every runtime.wasmcloud.dev object
  kubectl scale wd hello --replicas=5         # more replicas behind the same address
  kubectl get ww -w                           # watch Workloads change
  kubectl apply -f config/samples/            # the seed's samples (their ghcr.io images need a network)
Press Ctrl-C to stop; state is kept in $data_dir.
MSG
wait $server
