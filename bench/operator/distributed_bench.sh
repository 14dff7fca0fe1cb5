#!/usr/bin/env bash
# Distributed mode from the user's side (see docs/benchmarks.md): nats-server, `wcloud up --nats`
# (API server, operator and its own host, hostgroup default) and three `wcloud host` processes
# (hostgroup edge), driven by the real kubectl and curl.
#  1. Start latency: ROUNDS WorkloadDeployments (1 replica of the C http_hello component, routed
#     by Host header), each timed from the start of `kubectl apply` to the first 200, placed on
#     the in-process host and, in the same run, on a remote host over NATS; medians.
#  2. Failover: KILLS times, kill -9 of the host running one replica of a 2-replica deployment;
#     time until both Workloads are Ready on other hosts and the moved one answers there; the
#     killed host is started again (same identity) before the next round; median.
# Usage: bench/operator/distributed_bench.sh [BUILD_DIR] [ROUNDS] [KILLS]
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
rounds="${2:-10}"
kills="${3:-5}"
wcloud="$build/wcloud"
component="$build/tests/components/http_hello.wasm"
[[ -x "$wcloud" && -f "$component" ]] || {
  echo "needs $wcloud and $component: cmake --build $build --target wcloud test_components" >&2
  exit 1
}

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

deployment() {  # NAME HOSTGROUP HOST REPLICAS
  cat <<YAML
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata: {name: $1}
spec:
  replicas: $4
  template:
    spec:
      hostSelector: {hostgroup: $2}
      components:
        - name: http
          image: file://$component
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config: {host: $3}
YAML
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

nats_port="$(free_port)"
nats-server -a 127.0.0.1 -p "$nats_port" >"$work/nats.log" 2>&1 &
pids+=($!)
nats="nats://127.0.0.1:$nats_port"
api_port="$(free_port)"
up_http="$(free_port)"
"$wcloud" up --data-dir "$work/up" --api-listen "127.0.0.1:$api_port" \
  --http-listen "127.0.0.1:$up_http" --nats "$nats" >"$work/up.log" 2>&1 &
pids+=($!)
declare -a host_pid host_port
start_host() {  # INDEX
  "$wcloud" host --nats "$nats" --hostgroup edge --data-dir "$work/host$1" \
    --http-listen "127.0.0.1:${host_port[$1]}" >>"$work/host$1.log" 2>&1 &
  host_pid[$1]=$!
  pids+=($!)
}
for i in 0 1 2; do
  host_port[$i]="$(free_port)"
  start_host "$i"
done
export KUBECONFIG="$work/up/kubeconfig"
until [[ -f "$KUBECONFIG" ]] && [[ "$(kubectl get hosts --no-headers 2>/dev/null | grep -c True)" == 4 ]]; do
  sleep 0.2
done

# The first 200 for Host header $1 from any of the ports $2...
first_200() {
  local host="$1"
  shift
  while true; do
    for port in "$@"; do
      if [[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "http://127.0.0.1:$port/")" == 200 ]]; then
        return
      fi
    done
    sleep 0.005
  done
}

echo "== start latency (kubectl apply -> first 200), $rounds rounds each"
for group in default edge; do
  : >"$work/start.$group"
  for r in $(seq 1 "$rounds"); do
    name="$group-$r"
    t0="$(now_ms)"
    deployment "$name" "$group" "$name.example" 1 | kubectl apply -f - >/dev/null
    t1="$(now_ms)"
    if [[ "$group" == default ]]; then
      first_200 "$name.example" "$up_http"
    else
      first_200 "$name.example" "${host_port[@]}"
    fi
    t2="$(now_ms)"
    echo "$((t2 - t0)) $((t2 - t1))" >>"$work/start.$group"
  done
  echo "$group: median $(cut -d' ' -f1 "$work/start.$group" | median) ms," \
    "after kubectl apply returned $(cut -d' ' -f2 "$work/start.$group" | median) ms" \
    "($([[ $group == default ]] && echo in-process || echo over NATS))"
done
kubectl delete wd --all --wait=true >/dev/null

echo "== failover (kill -9 of a host -> its Workload Ready and answering elsewhere), $kills rounds"
deployment failover edge failover.example 2 | kubectl apply -f - >/dev/null
: >"$work/failover"
for r in $(seq 1 "$kills"); do
  until [[ "$(kubectl get workloads --no-headers 2>/dev/null | grep -c ' True ')" == 2 ]]; do sleep 0.1; done
  victim_id="$(kubectl get workloads -o jsonpath='{.items[0].status.hostId}')"
  victim=""
  for i in 0 1 2; do grep -q "$victim_id" "$work/host$i.log" && victim="$i"; done
  survivors=()
  for i in 0 1 2; do [[ "$i" != "$victim" ]] && survivors+=("${host_port[$i]}"); done
  t0="$(now_ms)"
  kill -KILL "${host_pid[$victim]}"
  wait "${host_pid[$victim]}" 2>/dev/null || true
  until [[ "$(kubectl get workloads -o jsonpath='{range .items[*]}{.status.hostId} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -v "$victim_id" | grep -c ' True')" == 2 ]]; do
    sleep 0.05
  done
  first_200 failover.example "${survivors[@]}"
  t1="$(now_ms)"
  echo "$((t1 - t0))" >>"$work/failover"
  echo "round $r: $((t1 - t0)) ms"
  start_host "$victim"
  until [[ "$(kubectl get hosts --no-headers | grep -c True)" == 4 ]]; do sleep 0.2; done
done
echo "failover: median $(median <"$work/failover") ms of $kills"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
