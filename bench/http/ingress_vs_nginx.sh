#!/usr/bin/env bash
# Requests per second and latency of the ingress server against nginx, both answering every
# request with the same 13-byte body over keep-alive connections, measured with wrk.
# Usage: bench/http/ingress_vs_nginx.sh [BUILD_DIR] [CONNECTIONS] [SECONDS] [THREADS] [ROUNDS]
# THREADS is the server's event-loop threads and nginx's worker processes (the same for both);
# wrk runs with as many threads. The two servers are measured alternately ROUNDS times and the
# median round of each is reported, so load from elsewhere on the machine hits both alike.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/../../build}"
connections="${2:-50}"
seconds="${3:-10}"
threads="${4:-1}"
rounds="${5:-3}"
server_bin="$build/bench/http/ingress_bench_server"
[[ -x "$server_bin" ]] || { echo "build ingress_bench_server first: $server_bin" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk not found" >&2; exit 1; }

source "$here/lib.sh"

start_nginx "hello world!\n"
wait_port "$nginx_port"

"$server_bin" 0 "$threads" >"$tmp/ingress.port" &
pids+=($!)
for _ in $(seq 100); do [[ -s "$tmp/ingress.port" ]] && break; sleep 0.05; done
ingress_port="$(head -1 "$tmp/ingress.port")"
wait_port "$ingress_port"

# Both must answer the same body before their speed means anything.
[[ "$(curl -s "http://127.0.0.1:$nginx_port/")" == "hello world!" ]] || { echo "nginx body" >&2; exit 1; }
[[ "$(curl -s "http://127.0.0.1:$ingress_port/")" == "hello world!" ]] || { echo "ingress body" >&2; exit 1; }

nginx_url="http://127.0.0.1:$nginx_port/"
ingress_url="http://127.0.0.1:$ingress_port/"
wrk -t"$threads" -c"$connections" -d2s "$nginx_url" >/dev/null  # warm-up
wrk -t"$threads" -c"$connections" -d2s "$ingress_url" >/dev/null

echo "wrk: $connections connections, ${seconds}s x $rounds rounds, $threads thread(s) for each" \
  "server and for wrk"
printf "%-8s %6s %12s %10s %10s\n" server round req/s p50_ms p99_ms
: >"$tmp/nginx.rounds"
: >"$tmp/ingress.rounds"
for round in $(seq "$rounds"); do
  for name in nginx ingress; do
    url="$nginx_url"
    [[ "$name" == ingress ]] && url="$ingress_url"
    read -r rps p50 p99 < <(measure "$url")
    echo "$rps $p50 $p99" >>"$tmp/$name.rounds"
    printf "%-8s %6s %12s %10s %10s\n" "$name" "$round" "$rps" "$p50" "$p99"
  done
done

# The median round by req/s, with its latencies.
read -r n_rps n_p50 n_p99 < <(median "$tmp/nginx.rounds")
read -r i_rps i_p50 i_p99 < <(median "$tmp/ingress.rounds")
echo "median:"
printf "%-8s %12s %10s %10s\n" nginx "$n_rps" "$n_p50" "$n_p99"
printf "%-8s %12s %10s %10s\n" ingress "$i_rps" "$i_p50" "$i_p99"
awk -v i="$i_rps" -v n="$n_rps" 'BEGIN { printf "ratio ingress/nginx req/s: %.2f\n", i / n }'
