#!/usr/bin/env bash
# User-space instructions per request of `wcloud serve` with the C http_hello fixture, counted by
# callgrind over N keep-alive requests sent one at a time: a number that does not depend on the
# machine's load, so changes to the request path can be compared on a busy machine.
# Usage: bench/http/instructions.sh [BUILD_DIR] [REQUESTS] [SERVE_ARGS...]
# SERVE_ARGS default to --pool-size 4 (pooled); `fresh` stands for none (the default: a fresh
# instance per request). Prints the total per request, then the functions (inclusive) above 2%.
# CACHE_SIM=1 also simulates the caches (callgrind --cache-sim=yes) and prints each event per
# request: data reads and writes and their first-level and last-level misses.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
build="${1:-$root/build}"
requests="${2:-2000}"
shift $(($# > 2 ? 2 : $#))
serve_args=("$@")
[[ ${#serve_args[@]} -gt 0 ]] || serve_args=(--pool-size 4)
[[ "${serve_args[0]}" != fresh ]] || serve_args=()
wcloud="$build/wcloud"
component="$build/tests/components/http_hello.wasm"
[[ -x "$wcloud" ]] || { echo "build wcloud first: $wcloud" >&2; exit 1; }
[[ -f "$component" ]] || { echo "build test_component_http_hello first: $component" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 1; }
body=$'hello from http_hello\n'

source "$here/lib.sh"

port="$(free_port)"
# One guest worker and one network loop, so that the counts add up per request.
cache_args=()
[[ -z "${CACHE_SIM:-}" ]] || cache_args=(--cache-sim=yes)
valgrind --tool=callgrind "${cache_args[@]}" --smc-check=all-non-file \
  --callgrind-out-file="$tmp/callgrind.out" \
  "$wcloud" serve "$component" --listen "127.0.0.1:$port" --threads 1 "${serve_args[@]}" \
  >"$tmp/serve.log" 2>&1 &
server=$!
pids+=($server)
wait_port "$port"
# Warm up (instances, V8's tiers, buffers), then count only the measured requests.
python3 "$here/keepalive_client.py" "$port" 200 "$body"
callgrind_control -z "$server" >/dev/null
python3 "$here/keepalive_client.py" "$port" "$requests" "$body"
callgrind_control -d "$server" >/dev/null
dump="$(ls -t "$tmp"/callgrind.out.* | head -1)"

if [[ -n "${CACHE_SIM:-}" ]]; then
  callgrind_annotate "$dump" 2>/dev/null | awk -v n="$requests" '
    /^Events shown:/ { for (i = 3; i <= NF; i++) event[i - 2] = $i }
    /PROGRAM TOTALS/ {  # each count is followed by its "(100.0%)"
      for (i = 1; i < NF - 1; i += 2) {
        v = $i; gsub(",", "", v); printf "%s %.1f  ", event[(i + 1) / 2], v / n
      }
      printf "per request\n"
    }'
fi
callgrind_annotate --inclusive=yes "$dump" 2>/dev/null | awk -v n="$requests" '
  /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; printf "%d instructions per request\n", total / n; next }
  total && $1 ~ /^[0-9,]+$/ {
    v = $1; gsub(",", "", v)
    if (v < total * 0.02) next
    name = $0; sub(/^[^?]*\?\?\?:/, "", name); sub(/^ *[0-9,]+ \([^)]*\) */, "", name)
    sub(/ \[\/.*$/, "", name); gsub(/\(anonymous namespace\)::/, "", name); sub(/\(.*$/, "", name)
    if (name ~ /^0x|^\.\/|^std::thread|^std::_Function_handler/ || seen[name]++) next
    printf "%8d  %s\n", v / n, name
  }'
