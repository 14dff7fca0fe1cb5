#!/usr/bin/env bash
# The cost of metrics on serving: `wcloud serve` with the C http_hello fixture, a fresh instance
# per request and --pool-size 16, each with --metrics-listen (every request counted) and without
# it (nothing counted), measured in turn in the same run with wrk over keep-alive connections.
# Prometheus scrapes the servers with metrics once a second meanwhile (curl), as it would.
# Usage: bench/http/metrics_bench.sh [BUILD_DIR] [CONNECTIONS] [SECONDS] [THREADS] [ROUNDS]
# The median round of each server is reported, and metrics-on over metrics-off (goal >= 0.97),
# as a ratio of medians and as the median of each round's paired ratio with its 95% interval;
# also the server's CPU time (user + system, from /proc) per request answered in each round,
# which other load on the machine disturbs less than req/s.
# SAME=1 starts the "+metrics" servers without metrics too: the ratios then show how far two
# processes of one binary differ by themselves (code and heap placement), the floor under any
# difference metrics make.
# SERVER_CPUS and CLIENT_CPUS (taskset lists, e.g. 0 and 1) pin the servers and wrk to cores of
# their own, so that the client's work does not come out of the server's time.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
build="${1:-$root/build}"
connections="${2:-50}"
seconds="${3:-10}"
threads="${4:-1}"
rounds="${5:-5}"
wcloud="$build/wcloud"
component="$build/tests/components/http_hello.wasm"
[[ -x "$wcloud" ]] || { echo "build wcloud first: $wcloud" >&2; exit 1; }
[[ -f "$component" ]] || { echo "build test_component_http_hello first: $component" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }
body=$'hello from http_hello\n'

source "$here/lib.sh"
server_prefix=()
[[ -n "${SERVER_CPUS:-}" ]] && server_prefix=(taskset -c "$SERVER_CPUS")
[[ -n "${CLIENT_CPUS:-}" ]] && wrk_prefix=(taskset -c "$CLIENT_CPUS")

names=(fresh fresh+metrics pooled pooled+metrics)
declare -A urls metrics_urls server_pids
start=("${names[@]}")
# REVERSE_START=1 starts the servers with metrics first: a bias of the start order (where each
# process's code and heap land) then falls the other way.
[[ -n "${REVERSE_START:-}" ]] && start=(pooled+metrics pooled fresh+metrics fresh)
for name in "${start[@]}"; do
  port="$(free_port)"
  args=(serve "$component" --listen "127.0.0.1:$port" --threads "$threads")
  [[ "$name" == pooled* ]] && args+=(--pool-size 16)
  if [[ "$name" == *+metrics && -z "${SAME:-}" ]]; then
    metrics_port="$(free_port)"
    args+=(--metrics-listen "127.0.0.1:$metrics_port")
    metrics_urls[$name]="http://127.0.0.1:$metrics_port/metrics"
  fi
  "${server_prefix[@]}" "$wcloud" "${args[@]}" >"$tmp/$name.log" 2>&1 &
  pids+=($!)
  server_pids[$name]=$!
  urls[$name]="http://127.0.0.1:$port/"
done
for name in "${names[@]}"; do
  port="${urls[$name]#http://127.0.0.1:}"
  wait_port "${port%/}"
  [[ "$(curl -s "${urls[$name]}")" == "${body%$'\n'}" ]] || { echo "$name: wrong body" >&2; exit 1; }
  measure "${urls[$name]}" >/dev/null  # warm-up
done

# A scraper for the servers with metrics, as Prometheus at a 1 s interval.
(
  while true; do
    for url in "${metrics_urls[@]}"; do curl -s -o /dev/null "$url" || true; done
    sleep 1
  done
) &
pids+=($!)

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $connections connections, ${seconds}s x $rounds rounds, $threads thread(s) for wrk" \
  "and wcloud --threads"
echo "cores: servers ${SERVER_CPUS:-any}, wrk ${CLIENT_CPUS:-any}"
# cpu_ticks PID: the process's user + system time in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
printf "%-16s %6s %12s %10s %10s %12s\n" server round req/s p50_ms p99_ms cpu_us/req
for name in "${names[@]}"; do : >"$tmp/$name.rounds"; : >"$tmp/$name.cpu"; done
for round in $(seq "$rounds"); do
  # Each pair runs back to back, in the other order every second round, so that what the
  # machine does meanwhile falls on both alike (the paired ratios below).
  order=("${names[@]}")
  ((round % 2 == 0)) && order=(fresh+metrics fresh pooled+metrics pooled)
  for name in "${order[@]}"; do
    before="$(cpu_ticks "${server_pids[$name]}")"
    read -r rps p50 p99 < <(measure "${urls[$name]}")
    after="$(cpu_ticks "${server_pids[$name]}")"
    cpu="$(awk -v t=$((after - before)) -v us="$tick_us" -v r="$rps" -v s="$seconds" \
      'BEGIN { printf "%.2f", t * us / (r * s) }')"
    echo "$rps $p50 $p99" >>"$tmp/$name.rounds"
    echo "$cpu" >>"$tmp/$name.cpu"
    printf "%-16s %6s %12s %10s %10s %12s\n" "$name" "$round" "$rps" "$p50" "$p99" "$cpu"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A rps cpus
echo "median:"
printf "%-16s %12s %10s %10s %12s\n" server req/s p50_ms p99_ms cpu_us/req
for name in "${names[@]}"; do
  read -r r p50 p99 < <(median "$tmp/$name.rounds")
  rps[$name]="$r"
  cpus[$name]="$(median "$tmp/$name.cpu")"
  printf "%-16s %12s %10s %10s %12s\n" "$name" "$r" "$p50" "$p99" "${cpus[$name]}"
done
awk -v f="${rps[fresh]}" -v fm="${rps[fresh+metrics]}" -v p="${rps[pooled]}" \
  -v pm="${rps[pooled+metrics]}" 'BEGIN {
  printf "fresh: metrics on/off  %.3f (goal >= 0.97)\n", fm / f
  printf "pooled: metrics on/off %.3f (goal >= 0.97)\n", pm / p
}'
awk -v f="${cpus[fresh]}" -v fm="${cpus[fresh+metrics]}" -v p="${cpus[pooled]}" \
  -v pm="${cpus[pooled+metrics]}" 'BEGIN {
  printf "fresh: CPU per request, metrics on/off  %.3f\n", fm / f
  printf "pooled: CPU per request, metrics on/off %.3f\n", pm / p
}'
# Paired: each round's on/off ratio (the pair ran back to back), their median and a 95%
# distribution-free interval of that median (order statistics), which shared-core noise that
# moves both servers of a pair alike does not widen.
for mode in fresh pooled; do
  paste -d' ' "$tmp/$mode.rounds" "$tmp/$mode+metrics.rounds" |
    awk '{ print $4 / $1 }' | sort -g >"$tmp/$mode.paired"
  awk -v mode="$mode" '{ r[NR] = $1 } END {
    n = NR; k = int((n - 1.96 * sqrt(n)) / 2); if (k < 1) k = 1
    printf "%s: paired on/off ratio, median of %d rounds %.3f, 95%% interval %.3f-%.3f\n",
      mode, n, (n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2), r[k], r[n - k + 1]
  }' "$tmp/$mode.paired"
done
# The servers with metrics counted every request they answered.
for name in fresh+metrics pooled+metrics; do
  [[ -n "${metrics_urls[$name]:-}" ]] || continue
  echo "$name: $(curl -s "${metrics_urls[$name]}" | grep '^wcloud_http_requests_total{code="2xx"')"
done
