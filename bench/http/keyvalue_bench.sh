#!/usr/bin/env bash
# Requests per second of a get+set wasi:http handler on each keyvalue backend: `wcloud serve` with
# the http_kv fixture (tests/components/http_kv), POST /getset/bench/key-N (bucket.get, then
# bucket.set to the 64-byte body) over keep-alive connections, measured with wrk, against
# in-memory, nats-server -js and redis-server started here on free ports. A baseline row is the
# same server answering GET /config/k (one wasi:config call, no keyvalue backend), so the
# backend's share of a request can be read off. Backends are measured in turn ROUNDS times and the
# median round of each is reported, so load from elsewhere on the machine hits all alike.
# Usage: bench/http/keyvalue_bench.sh [BUILD_DIR] [CONNECTIONS] [SECONDS] [ROUNDS] [POOL_SIZE]
# POOL_SIZE is wcloud serve's --pool-size (0: a fresh instance per request).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
connections="${2:-32}"
seconds="${3:-10}"
rounds="${4:-3}"
pool="${5:-4}"
wcloud="$build/wcloud"
component="$build/tests/components/http_kv.wasm"
[[ -x "$wcloud" ]] || { echo "build wcloud first: $wcloud" >&2; exit 1; }
[[ -f "$component" ]] || { echo "build test_component_http_kv first: $component" >&2; exit 1; }
for tool in wrk nats-server redis-server curl; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 1; }
done

source "$here/lib.sh"

nats_port="$(free_port)"
nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$tmp/js" >"$tmp/nats.log" 2>&1 &
pids+=($!)
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$tmp/redis.log" 2>&1 &
pids+=($!)
wait_port "$nats_port"
wait_port "$redis_port"

# One wcloud serve per backend, all running for the whole benchmark.
declare -A port
for backend in in-memory nats redis; do
  case $backend in
    in-memory) config="{}" ;;
    nats) config="{backend: nats, url: 'nats://127.0.0.1:$nats_port'}" ;;
    redis) config="{backend: redis, url: 'redis://127.0.0.1:$redis_port'}" ;;
  esac
  cat >"$tmp/$backend.yaml" <<YAML
hostInterfaces:
  - {namespace: wasi, package: keyvalue, interfaces: [store, atomics, batch], config: $config}
  - {namespace: wasi, package: config, interfaces: [store], config: {k: v}}
  - {namespace: wasi, package: logging, interfaces: [logging]}
YAML
  port[$backend]="$(free_port)"
  "$wcloud" serve "$component" --listen "127.0.0.1:${port[$backend]}" --pool-size "$pool" \
    --interfaces "$tmp/$backend.yaml" >"$tmp/serve-$backend.log" 2>&1 &
  pids+=($!)
  wait_port "${port[$backend]}"
  # The handler must work before its speed means anything.
  curl -sf -X POST --data-binary first "http://127.0.0.1:${port[$backend]}/getset/bench/check" \
    >/dev/null
  [[ "$(curl -sf -X POST --data-binary second \
    "http://127.0.0.1:${port[$backend]}/getset/bench/check")" == first ]] ||
    { echo "$backend: getset answered wrong" >&2; exit 1; }
done

cat >"$tmp/getset.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("v", 64)
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/getset/bench/key-" .. (n % 1000))
end
LUA

rows=(baseline in-memory nats redis)
run() {
  case $1 in
    baseline) measure "http://127.0.0.1:${port[in-memory]}/config/k" ;;
    *) measure "http://127.0.0.1:${port[$1]}/" -s "$tmp/getset.lua" ;;
  esac
}

for row in "${rows[@]}"; do
  seconds=2 run "$row" >/dev/null  # warm-up: pools filled, buckets created
done

echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: 1 thread, $connections connections, ${seconds}s x $rounds rounds; wcloud serve" \
  "--pool-size $pool, one worker and network thread per core"
printf "%-10s %6s %12s %10s %10s\n" backend round req/s p50_ms p99_ms
for row in "${rows[@]}"; do : >"$tmp/$row.rounds"; done
for round in $(seq "$rounds"); do
  for row in "${rows[@]}"; do
    read -r rps p50 p99 < <(run "$row")
    echo "$rps $p50 $p99" >>"$tmp/$row.rounds"
    printf "%-10s %6s %12s %10s %10s\n" "$row" "$round" "$rps" "$p50" "$p99"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The median round by req/s, with its latencies.
echo "median:"
for row in "${rows[@]}"; do
  read -r rps p50 p99 < <(median "$tmp/$row.rounds")
  printf "%-10s %12s %10s %10s\n" "$row" "$rps" "$p50" "$p99"
done
