#!/usr/bin/env bash
# Builds a component from C sources.
# usage: build_c_component.sh c-command|c-abi CLANG JCO OUTPUT WORK_DIR WIT_DIR WORLD WASI_WIT_DIR
#                             SOURCE... [-I DIR]...
#   c-command: wasi-libc (clang --target=wasm32-wasi), then jco new --wasi-command, which adapts
#              the preview1 imports with the command adapter bundled with jco; WIT_DIR, WORLD and
#              WASI_WIT_DIR are unused ("-").
#   c-abi:     no libc (the canonical ABI is written by hand), then jco embed with WIT_DIR's *.wit
#              (plus WASI_WIT_DIR's packages under deps/ unless it is "-") and world WORLD, then
#              jco new, which checks every import and export against the world.
set -euo pipefail

if [[ $# -lt 9 ]]; then
  echo "usage: $0 KIND CLANG JCO OUTPUT WORK_DIR WIT_DIR WORLD WASI_WIT_DIR SOURCE... [-I DIR]..." >&2
  exit 2
fi
kind=$1 clang=$2 jco=$3 output=$4 work=$5 wit_dir=$6 world=$7 wasi_wit=$8
shift 8
cflags=(-O2 -Wall -Wextra -Werror)

rm -rf "$work"
mkdir -p "$work"
case $kind in
  c-command)
    "$clang" --target=wasm32-wasi "${cflags[@]}" "$@" -o "$work/core.wasm"
    "$jco" new "$work/core.wasm" --wasi-command -o "$work/component.wasm"
    ;;
  c-abi)
    "$clang" --target=wasm32 -ffreestanding -nostdlib "${cflags[@]}" -Wl,--no-entry "$@" \
      -o "$work/core.wasm"
    mkdir -p "$work/wit"
    cp "$wit_dir"/*.wit "$work/wit/"
    if [[ $wasi_wit != - ]]; then
      mkdir -p "$work/wit/deps"
      cp -r "$wasi_wit"/* "$work/wit/deps/"
    fi
    "$jco" embed --wit "$work/wit" --world-name "$world" "$work/core.wasm" -o "$work/embedded.wasm"
    "$jco" new "$work/embedded.wasm" -o "$work/component.wasm"
    ;;
  *)
    echo "unknown kind $kind" >&2
    exit 2
    ;;
esac
mv "$work/component.wasm" "$output"
