#!/usr/bin/env bash
# Serves an HTTP fixture with `jco serve` on a free 127.0.0.1 port and checks its contract with
# curl (see each fixture's wit/world.wit).
# usage: check_http.sh NODE_MODULES COMPONENT hello|echo|js
set -euo pipefail

if [[ $# -ne 3 ]]; then
  echo "usage: $0 NODE_MODULES COMPONENT hello|echo|js" >&2
  exit 2
fi
node_modules=$1 component=$2 kind=$3
scratch=$(mktemp -d)
server_pid=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  # jco serve runs the server in a child node process: end the whole process group we started.
  if [[ -n $server_pid ]]; then kill -- "-$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
  console.log(s.address().port); s.close(); });')
serve_args=(--port "$port" --host 127.0.0.1)
# componentize-js components fail on a reused instance: one fresh instance per request.
if [[ $kind == js ]]; then serve_args+=(--isolate-requests instance); fi
setsid "$node_modules/.bin/jco" serve "${serve_args[@]}" "$component" >"$scratch/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  if grep -q "Server listening" "$scratch/serve.log"; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$scratch/serve.log"; exit 1; fi
  sleep 0.1
done
url="http://127.0.0.1:$port"

failed=0
passed=0
expect() {  # expect WHAT ACTUAL WANTED
  if [[ $2 == "$3" ]]; then
    passed=$((passed + 1))
  else
    echo "not ok - $1: got '$2', want '$3'"
    failed=1
  fi
}
# request NAME curl-args...: the response headers go to $scratch/NAME.headers (lower-cased names,
# no CR) and the body to $scratch/NAME.body.
request() {
  local name=$1
  shift
  curl -sS -m 30 -D "$scratch/$name.raw" -o "$scratch/$name.body" "$@"
  tr -d '\r' <"$scratch/$name.raw" | awk -F': ' 'NR == 1 { print; next } NF { print tolower($1) ": " substr($0, length($1) + 3) }' \
    >"$scratch/$name.headers"
}
# body_line NAME: "ok" when the body is exactly the given text plus one newline.
body_line() {
  if printf '%s\n' "$2" | cmp -s - "$scratch/$1.body"; then echo ok; else cat "$scratch/$1.body"; fi
}
status() { head -n 1 "$scratch/$1.headers" | cut -d ' ' -f 2; }
header() { { grep "^$2: " "$scratch/$1.headers" || true; } | cut -d ' ' -f 2-; }
echo_headers() { { grep '^x-echo-\|^x-fixture' "$scratch/$1.headers" || true; } | tr '\n' '|'; }

case $kind in
  hello)
    for i in 1 2 3; do  # the same instance serves every request
      request "r$i" "$url/any/path"
      expect "status $i" "$(status "r$i")" 200
      expect "body $i" "$(body_line "r$i" "hello from http_hello")" ok
      expect "content-type $i" "$(header "r$i" content-type)" text/plain
      expect "x-fixture $i" "$(header "r$i" x-fixture)" http_hello
    done
    ;;
  echo)
    request get "$url/x?y=1&z=%20" -H 'X-Custom: abc' -H 'User-Agent: check'
    expect "GET status" "$(status get)" 200
    # curl sends Accept, then the -H headers in order; jco's server drops Host.
    expect "GET headers" "$(echo_headers get)" \
      "x-fixture: http_echo|x-echo-method: GET|x-echo-path: /x?y=1&z=%20|x-echo-header-accept: */*|x-echo-header-x-custom: abc|x-echo-header-user-agent: check|"
    expect "GET body" "$(wc -c <"$scratch/get.body")" 0
    head -c 100000 /dev/urandom >"$scratch/big.in"
    request post "$url/upload" -X POST --data-binary "@$scratch/big.in" \
      -H 'Content-Type: application/octet-stream'
    expect "POST status" "$(status post)" 200
    expect "POST method" "$(header post x-echo-method)" POST
    expect "POST content-length echoed" "$(header post x-echo-header-content-length)" 100000
    if cmp -s "$scratch/big.in" "$scratch/post.body"; then
      passed=$((passed + 1))
    else
      echo "not ok - POST body of 100000 random bytes comes back unchanged"
      failed=1
    fi
    for method in PUT DELETE PATCH OPTIONS; do
      request "$method" "$url/m" -X "$method" --data-binary "body of $method"
      expect "$method method" "$(header "$method" x-echo-method)" "$method"
      expect "$method body" "$(cat "$scratch/$method.body")" "body of $method"
    done
    ;;
  js)
    for path in /some/path /again /; do
      request js "$url$path"
      expect "status $path" "$(status js)" 200
      expect "body $path" "$(body_line js "hello from js $path")" ok
      expect "x-fixture $path" "$(header js x-fixture)" js_http
    done
    ;;
  *)
    echo "unknown kind $kind" >&2
    exit 2
    ;;
esac
echo "$passed passed, $((failed)) failing checks above"
if [[ $failed != 0 ]]; then cat "$scratch/serve.log"; fi
exit "$failed"
