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
[[ -f "$component" ]] || { echo "error: missing $component: run make build" >&2; exit 1; }

# listening HOST:PORT: whether something accepts connections there.
listening() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

# A wcloud up already running on this data dir holds its lock (flock, as wcloud takes it).
if [[ -f "$data_dir/lock" ]] && ! flock -n "$data_dir/lock" true 2>/dev/null; then
  pid="$(cat "$data_dir/lock" 2>/dev/null || true)"
  echo "error: wcloud up is already running${pid:+ (pid $pid)} with its state in $data_dir" >&2
  echo "  use it: export KUBECONFIG=$data_dir/kubeconfig; kubectl get wasmcloud" >&2
  echo "  or stop it first: Ctrl-C where it runs${pid:+, or kill $pid}" >&2
  exit 1
fi
if listening "$listen"; then
  echo "error: the Kubernetes API address $listen is taken by another program" >&2
  echo "  choose another: WCLOUD_API_LISTEN=127.0.0.1:6444 make up" >&2
  exit 1
fi
if listening "$app"; then
  echo "error: the sample's address $app is taken by another program" >&2
  echo "  choose another: WCLOUD_SAMPLE_ADDRESS=127.0.0.1:8081 make up" >&2
  exit 1
fi

"$wcloud" version
echo "Checking the sample manifests:"
"$wcloud" validate -f config/samples
echo

# wcloud up says "wcloud is up" once it serves; its output also goes to the terminal. It refuses
# to start (and says why) when the data dir is in use or the API address is taken.
log="$(mktemp)"
"$wcloud" up --data-dir "$data_dir" --api-listen "$listen" > >(tee "$log") 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -f "$log"' EXIT
# Ctrl-C is how this ends: a requested stop is a success.
trap 'exit 0' INT TERM
until grep -q '^wcloud is up' "$log"; do
  if ! kill -0 $server 2>/dev/null; then
    wait $server || true
    echo "make up: wcloud up did not start (its error is above)" >&2
    exit 1
  fi
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
answered=false
for _ in $(seq 1 300); do
  if curl -sf "http://$app/" >/dev/null 2>&1; then answered=true; break; fi
  kill -0 $server 2>/dev/null || { echo "error: wcloud up exited (its error is above)" >&2; exit 1; }
  sleep 0.1
done
if [[ $answered != true ]]; then
  echo "error: the sample did not answer on http://$app/ within 30 s; its Workloads say:" >&2
  kubectl get workloads -o custom-columns='NAME:.metadata.name,PHASE:.status.phase,HOST:.status.hostId,CONDITIONS:.status.conditions[*].message' >&2 || true
  exit 1
fi
kubectl get wasmcloud
echo
curl -s "http://$app/"
cat <<MSG

wcloud is running (pid $server); the sample WorkloadDeployment "hello" (2 replicas of a C
component) answers:
  curl http://$app/
kubectl reaches it through the kubeconfig wcloud wrote; in another shell:
  export KUBECONFIG=$data_dir/kubeconfig
  kubectl get wasmcloud                       # every runtime.wasmcloud.dev object
  kubectl scale wd hello --replicas=5         # more replicas behind the same address
  kubectl get ww -w                           # watch Workloads change
  kubectl apply -f config/samples/            # the seed's samples (their ghcr.io images need a network)
Press Ctrl-C to stop; state is kept in $data_dir (a next make up resumes it).
MSG
wait $server
