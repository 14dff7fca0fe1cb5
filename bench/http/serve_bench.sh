#!/usr/bin/env bash
# `wcloud serve` with the C http_hello fixture (a fresh instance per request, and --pool-size 16)
# against nginx returning the same 22-byte body and against `jco serve` of the same component,
# all measured with wrk over keep-alive connections on this machine.
# Usage: bench/http/serve_bench.sh [BUILD_DIR] [CONNECTIONS] [SECONDS] [THREADS] [ROUNDS]
# THREADS is wcloud's --threads (event loops and guest workers), nginx's worker processes and
# wrk's threads. The servers are measured in turn ROUNDS times and the median round of each is
# reported, so load from elsewhere on the machine hits all of them alike. Before timing, each
# server answers a short wrk run whose every body is checked (check_body.lua).
# Then fairness: one host (fair_bench_server: WorkloadHost as `wcloud up` runs it, nproc + 1
# workers, 2 s request timeout) serving a workload whose every request spins until its deadline
# and an http_hello workload; the hello workload's latency over 2 connections alone, then while
# the spinning one is loaded with twice as many connections as there are workers.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
build="${1:-$root/build}"
connections="${2:-50}"
seconds="${3:-10}"
threads="${4:-1}"
rounds="${5:-3}"
wcloud="$build/wcloud"
component="$build/tests/components/http_hello.wasm"
jco="$root/tools/npm/node_modules/.bin/jco"
export PATH="$root/.deps/node/bin:$PATH"  # jco runs on the project's Node.js
[[ -x "$wcloud" ]] || { echo "build wcloud first: $wcloud" >&2; exit 1; }
[[ -f "$component" ]] || { echo "build test_component_http_hello first: $component" >&2; exit 1; }
fair_server="$build/bench/http/fair_bench_server"
spin_component="$build/tests/components/http_loop.wasm"
[[ -x "$fair_server" && -f "$spin_component" ]] || {
  echo "build fair_bench_server and test_component_http_loop first" >&2
  exit 1
}
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }
[[ -x "$jco" ]] || { echo "jco not found: $jco" >&2; exit 1; }
body=$'hello from http_hello\n'

source "$here/lib.sh"

# Every response of a 2-second run must be 200 with the body.
check() {
  local name="$1" url="$2" out
  out="$(WANT_BODY="$body" wrk -t"$threads" -c"$connections" -d2s -s "$here/check_body.lua" "$url")"
  if ! echo "$out" | grep -q "^bad responses: 0 of [1-9]"; then
    echo "$out" >&2
    echo "$name answered wrongly under load" >&2
    exit 1
  fi
}

start_nginx "hello from http_hello\n"

fresh_port="$(free_port)"
"$wcloud" serve "$component" --listen "127.0.0.1:$fresh_port" --threads "$threads" \
  >"$tmp/fresh.log" 2>&1 &
pids+=($!)
pooled_port="$(free_port)"
"$wcloud" serve "$component" --listen "127.0.0.1:$pooled_port" --threads "$threads" \
  --pool-size 16 >"$tmp/pooled.log" 2>&1 &
pids+=($!)
# jco serve's default: one instance for every request (http_hello allows reuse).
jco_port="$(free_port)"
setsid "$jco" serve --port "$jco_port" --host 127.0.0.1 "$component" >"$tmp/jco.log" 2>&1 &
groups+=($!)

names=(nginx fresh pooled jco)
declare -A urls=(
  [nginx]="http://127.0.0.1:$nginx_port/"
  [fresh]="http://127.0.0.1:$fresh_port/"
  [pooled]="http://127.0.0.1:$pooled_port/"
  [jco]="http://127.0.0.1:$jco_port/"
)
for name in "${names[@]}"; do
  port="${urls[$name]#http://127.0.0.1:}"
  wait_port "${port%/}"
  [[ "$(curl -s "${urls[$name]}")" == "${body%$'\n'}" ]] || { echo "$name: wrong body" >&2; exit 1; }
  check "$name" "${urls[$name]}"  # also the warm-up
done

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $connections connections, ${seconds}s x $rounds rounds, $threads thread(s) for wrk," \
  "nginx workers and wcloud --threads"
printf "%-8s %6s %12s %10s %10s\n" server round req/s p50_ms p99_ms
for name in "${names[@]}"; do : >"$tmp/$name.rounds"; done
for round in $(seq "$rounds"); do
  for name in "${names[@]}"; do
    read -r rps p50 p99 < <(measure "${urls[$name]}")
    echo "$rps $p50 $p99" >>"$tmp/$name.rounds"
    printf "%-8s %6s %12s %10s %10s\n" "$name" "$round" "$rps" "$p50" "$p99"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# The median round by req/s, with its latencies.
declare -A rps
echo "median:"
printf "%-8s %12s %10s %10s\n" server req/s p50_ms p99_ms
for name in "${names[@]}"; do
  read -r r p50 p99 < <(median "$tmp/$name.rounds")
  rps[$name]="$r"
  printf "%-8s %12s %10s %10s\n" "$name" "$r" "$p50" "$p99"
done
awk -v f="${rps[fresh]}" -v p="${rps[pooled]}" -v n="${rps[nginx]}" -v j="${rps[jco]}" 'BEGIN {
  printf "fresh/nginx  %.2f (goal >= 0.25)\n", f / n
  printf "pooled/nginx %.2f (goal >= 0.60)\n", p / n
  printf "fresh/jco    %.1f\n", f / j
  printf "pooled/jco   %.1f (goal >= 20)\n", p / j
}'

echo
echo "fairness: a spinning workload and http_hello on one host"
fair_threads=$(($(nproc) + 1))
mkdir -p "$tmp/fair"
spin_port="$(free_port)"
hello_port="$(free_port)"
"$fair_server" "$spin_component" "$component" "$fair_threads" 2000 "$tmp/fair" "$spin_port" \
  "$hello_port" >"$tmp/fair.out" 2>"$tmp/fair.log" &
pids+=($!)
wait_port "$spin_port"
wait_port "$hello_port"
hello_url="http://127.0.0.1:$hello_port/"
[[ "$(curl -s "$hello_url")" == "${body%$'\n'}" ]] || { echo "hello: wrong body" >&2; exit 1; }

# probe: the hello workload over 2 connections for SECONDS; "requests rps p50_ms p99_ms
# non-2xx timeouts" (a request not answered within 30 s is a timeout).
probe() {
  wrk -t1 -c2 -d"${seconds}s" --timeout 30s --latency "$hello_url" | awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v
    }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { n = $1 }
    $1 == "Requests/sec:" { rps = $2 }
    /Non-2xx/ { bad = $NF }
    /Socket errors/ { split($0, f, "timeout "); timeouts = f[2] + 0 }
    END { printf "%s %s %.3f %.3f %d %d\n", n, rps, p50, p99, bad, timeouts }'
}
printf "%-22s %9s %10s %10s %10s %8s %8s\n" hello requests req/s p50_ms p99_ms non-2xx timeouts
read -r n rps p50 p99 bad timeouts < <(probe)
printf "%-22s %9s %10s %10s %10s %8s %8s\n" alone "$n" "$rps" "$p50" "$p99" "$bad" "$timeouts"
spin_connections=$((fair_threads * 2))
wrk -t1 -c"$spin_connections" -d"$((seconds + 4))s" --timeout 30s "http://127.0.0.1:$spin_port/loop" \
  >"$tmp/spin.out" 2>&1 &
spin_wrk=$!
sleep 2  # every worker the spinning workload may have is spinning
read -r n rps p50 p99 bad timeouts < <(probe)
printf "%-22s %9s %10s %10s %10s %8s %8s\n" "beside spinning" "$n" "$rps" "$p50" "$p99" "$bad" \
  "$timeouts"
wait "$spin_wrk"
echo "spinning workload ($spin_connections connections, $((seconds + 4))s):" \
  "$(awk '/ requests in / { printf "%s answered", $1 } /Non-2xx/ { printf ", %s of them non-2xx (504)", $NF }' "$tmp/spin.out")"
