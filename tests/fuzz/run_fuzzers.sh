#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in their own tree and runs each for a
# short while from the sample manifests. Usage: run_fuzzers.sh SOURCE_DIR BUILD_DIR SECONDS
set -euo pipefail
src="$1"
build="$2"
seconds="${3:-30}"
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DWCLOUD_FUZZ=ON > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target manifest_fuzzer -j "$(nproc)"
corpus="$build/corpus/manifest"
mkdir -p "$corpus"
cp "$src"/config/samples/*.yaml "$corpus"/
"$build/src/api/manifest_fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=4096 -print_final_stats=1 "$corpus"

# The component decoder and WIT printer, seeded with components built here (jco parse of the
# inspect WAT fixtures, and a clang + jco command component); at most 30 s.
cmake --build "$build" --target component_fuzzer -j "$(nproc)"
jco="$src/tools/npm/node_modules/.bin/jco"
corpus="$build/corpus/component"
mkdir -p "$corpus"
for wat in "$src"/tests/component/inspect_wat/*.wat; do
  "$jco" parse "$wat" -o "$corpus/$(basename "$wat" .wat).wasm"
done
printf 'int main(void) { return 0; }\n' >"$build/component_seed.c"
clang --target=wasm32-wasi -O2 "$build/component_seed.c" -o "$build/component_seed.wasm"
"$jco" new "$build/component_seed.wasm" --wasi-command -o "$corpus/command.wasm"
"$build/src/component/component_fuzzer" -max_total_time="$((seconds < 30 ? seconds : 30))" \
  -max_len=262144 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$corpus"
