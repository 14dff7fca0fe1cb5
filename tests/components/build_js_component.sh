#!/usr/bin/env bash
# Builds a componentize-js component whose world exports wasi:http@0.2.10.
# usage: build_js_component.sh NPM_BIN_DIR WASI_WIT_DIR JS_SOURCE WIT_DIR WORLD OUTPUT WORK_DIR
#   WASI_WIT_DIR is jco's lib/wit/builtin/0.2.12; its packages are copied into WORK_DIR/wit/deps
#   with the version relabelled to 0.2.10 (the only wasi:http version StarlingMonkey's fetch event
#   binds) and without wasi-http's own `imports`/`proxy` worlds, next to WIT_DIR's *.wit files.
set -euo pipefail

if [[ $# -ne 7 ]]; then
  echo "usage: $0 NPM_BIN_DIR WASI_WIT_DIR JS_SOURCE WIT_DIR WORLD OUTPUT WORK_DIR" >&2
  exit 2
fi
npm_bin=$1 wasi_wit=$2 source=$3 wit_dir=$4 world=$5 output=$6 work=$7

rm -rf "$work"
mkdir -p "$work/wit/deps"
cp "$wit_dir"/*.wit "$work/wit/"
for pkg in "$wasi_wit"/*/; do
  name=$(basename "$pkg")
  mkdir -p "$work/wit/deps/$name"
  sed 's/@0\.2\.12/@0.2.10/g' "$pkg/package.wit" >"$work/wit/deps/$name/package.wit"
done
# Drop the worlds of wasi-http: `proxy` and `imports` would pull in interfaces StarlingMonkey
# does not provide at 0.2.10. Worlds there start at column 0 and end with a "}" line.
awk '/^world / { skip = 1 } !skip { print } skip && /^}/ { skip = 0 }' \
  "$work/wit/deps/wasi-http/package.wit" >"$work/wit/deps/wasi-http/package.wit.new"
mv "$work/wit/deps/wasi-http/package.wit.new" "$work/wit/deps/wasi-http/package.wit"

"$npm_bin/componentize-js" "$source" --wit "$work/wit" --world-name "$world" \
  --out "$output.tmp"
mv "$output.tmp" "$output"
