#!/usr/bin/env bash
# `wcloud up` from the user's side, with the real kubectl and curl (see docs/benchmarks.md):
#  1. `kubectl apply` of a WorkloadDeployment (1 replica of the C http_hello component, its own
#     address) until the first 200 from it: ROUNDS new deployments, one after another; median.
#  2. MANY WorkloadDeployments (1 replica each, routed by Host header on --http-listen) in one
#     `kubectl apply`: time until every one is Ready, then until every one answers; the RSS of
#     `wcloud up` before and after.
# Usage: bench/operator/up_bench.sh [BUILD_DIR] [MANY] [ROUNDS]
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
many="${2:-200}"
rounds="${3:-10}"
wcloud="$build/wcloud"
component="$build/tests/components/http_hello.wasm"
[[ -x "$wcloud" && -f "$component" ]] || {
  echo "needs $wcloud and $component: cmake --build $build --target wcloud test_components" >&2
  exit 1
}

work="$(mktemp -d)"
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$server/status"; }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

deployment() {  # NAME CONFIG (the wasi:http config, as a YAML flow mapping)
  cat <<YAML
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: {name: $1}
spec:
  replicas: 1
  template:
    spec:
      hostSelector: {hostgroup: default}
      components:
        - name: http
          image: file://$component
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config: $2
YAML
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

api_port="$(free_port)"
http_port="$(free_port)"
"$wcloud" up --data-dir "$work/data" --api-listen "127.0.0.1:$api_port" \
  --http-listen "127.0.0.1:$http_port" >"$work/up.log" 2>&1 &
server=$!
for _ in $(seq 1 400); do
  [[ -f "$work/data/kubeconfig" ]] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/up.log" >&2; exit 1; }
  sleep 0.025
done
export KUBECONFIG="$work/data/kubeconfig"
# kubectl's discovery cache, and the Host object, before anything is timed.
until kubectl get hosts -o name 2>/dev/null | grep -q host; do sleep 0.1; done
rss_idle="$(rss_kb)"

echo
echo "1. kubectl apply -> first 200 ($rounds rounds, 1 replica each)"
: >"$work/first200"
: >"$work/after_apply"
for i in $(seq 1 "$rounds"); do
  port="$(free_port)"
  t0="$(now_ms)"
  deployment "first-$i" "{address: \"127.0.0.1:$port\"}" | kubectl apply -f - >/dev/null
  t_applied="$(now_ms)"
  until [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" == 200 ]]; do :; done
  t1="$(now_ms)"
  echo "  round $i: $((t1 - t0)) ms (kubectl apply itself $((t_applied - t0)) ms)"
  echo "$((t1 - t0))" >>"$work/first200"
  echo "$((t1 - t_applied))" >>"$work/after_apply"
done
echo "  median: $(median <"$work/first200") ms; after kubectl returned: $(median <"$work/after_apply") ms"

echo
echo "2. $many WorkloadDeployments in one kubectl apply -> all Ready"
for i in $(seq 1 "$many"); do
  deployment "many-$i" "{host: many-$i.bench.local}"
  echo "---"
done >"$work/many.yaml"
rss_before="$(rss_kb)"
t0="$(now_ms)"
kubectl apply -f "$work/many.yaml" >/dev/null
t_applied="$(now_ms)"
ready=0
while ((ready < many)); do
  ready="$(kubectl get wd -o jsonpath='{range .items[*]}{.metadata.name} {.status.readyReplicas}{"\n"}{end}' |
    grep -c '^many-[0-9]* 1$' || true)"
  ((ready < many)) && sleep 0.2
done
t_ready="$(now_ms)"
answered=0
for i in $(seq 1 "$many"); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Host: many-$i.bench.local" "http://127.0.0.1:$http_port/")"
  [[ "$code" == 200 ]] && answered=$((answered + 1))
done
t_answered="$(now_ms)"
echo "  kubectl apply returned after $((t_applied - t0)) ms"
echo "  all $many Ready after $((t_ready - t0)) ms"
echo "  $answered/$many answered 200 (checked one by one after Ready, $((t_answered - t_ready)) ms)"
echo "  wcloud up RSS: idle $((rss_idle / 1024)) MiB, before the $many $((rss_before / 1024)) MiB," \
  "after $(($(rss_kb) / 1024)) MiB (peak $(($(hwm_kb) / 1024)) MiB), threads $(ls /proc/$server/task | wc -l)"
echo "  workloads on the host: $(kubectl get ww --no-headers | wc -l)"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
