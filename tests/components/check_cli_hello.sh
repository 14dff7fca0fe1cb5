#!/usr/bin/env bash
# Runs every cli_hello case under `jco run` and compares stdout, stderr, the exit code and the
# files written to /out with the recorded expectations; --record rewrites the expectations.
# usage: check_cli_hello.sh NODE_MODULES COMPONENT CASES_DIR DATA_DIR [--record]
#
# A case is a directory: `args` (one argument per line, after the program name), optional `env`
# (NAME=VALUE lines, the guest's whole environment), `stdout`, `stderr`, `exit` and optional
# `out/` (what the guest leaves in /out). Every case runs with two preopens: /data (DATA_DIR)
# and /out (a fresh empty directory).
set -euo pipefail

if [[ $# -lt 4 || $# -gt 5 ]]; then
  echo "usage: $0 NODE_MODULES COMPONENT CASES_DIR DATA_DIR [--record]" >&2
  exit 2
fi
node_modules=$1 component=$2 cases=$3 data=$4 record=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=0
for case_dir in "$cases"/*/; do
  name=$(basename "$case_dir")
  out="$scratch/$name/out"
  mkdir -p "$out"
  args=()
  if [[ -s "$case_dir/args" ]]; then
    mapfile -t args <"$case_dir/args"
  fi
  guest_env=""
  if [[ -f "$case_dir/env" ]]; then
    guest_env=$(cat "$case_dir/env")
  fi
  rc=0
  WCLOUD_NODE_MODULES=$node_modules WCLOUD_GUEST_ENV=$guest_env \
    WCLOUD_GUEST_PREOPENS="/data::$data;/out::$out" \
    "$node_modules/.bin/jco" run --jco-import "$here/jco_run_sandbox.mjs" "$component" \
    "${args[@]}" >"$scratch/$name/stdout" 2>"$scratch/$name/stderr" || rc=$?
  echo "$rc" >"$scratch/$name/exit"

  if [[ $record == --record ]]; then
    cp "$scratch/$name/stdout" "$scratch/$name/stderr" "$scratch/$name/exit" "$case_dir"
    rm -rf "$case_dir/out"
    if [[ -n $(ls -A "$out") ]]; then cp -r "$out" "$case_dir/out"; fi
    echo "recorded $name (exit $rc)"
    continue
  fi
  case_failed=0
  for stream in stdout stderr exit; do
    if ! diff -u "$case_dir/$stream" "$scratch/$name/$stream" >"$scratch/$name/$stream.diff"; then
      echo "not ok - $name: $stream differs"
      cat "$scratch/$name/$stream.diff"
      case_failed=1
    fi
  done
  expected_out="$case_dir/out"
  if [[ ! -d $expected_out ]]; then expected_out="$scratch/empty"; mkdir -p "$expected_out"; fi
  if ! diff -ru "$expected_out" "$out"; then
    echo "not ok - $name: files in /out differ"
    case_failed=1
  fi
  if [[ $case_failed == 0 ]]; then echo "ok - $name"; else failed=1; fi
done
exit "$failed"
