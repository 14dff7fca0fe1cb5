#!/usr/bin/env bash
# Builds the unit tests of the concurrent layers with clang, ThreadSanitizer and the
# thread-safety analysis (-Wthread-safety -Werror: a GUARDED_BY member touched without its mutex
# fails the build), in their own tree, and runs them; the host and the layers under it are built
# for the analysis too. Usage: run_tsan.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src="$1"
build="$2"
tests=(util_test http_server_test kube_test ingress_test apiserver_test operator_unit_test
       hostapi_test)
# Built for the analysis only (their tests run V8, which ThreadSanitizer cannot see into).
analysed=(wcloud_host)
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DWCLOUD_TSAN=ON > "$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target "${tests[@]}" "${analysed[@]}" -j "$(nproc)"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
failed=0
for t in "${tests[@]}"; do
  binary="$(find "$build/src" -name "$t" -type f -perm -u+x | head -n 1)"
  echo "== $t"
  if ! (cd "$build" && WCLOUD_BINARY_DIR="$build" WCLOUD_SOURCE_DIR="$src" "$binary" --gtest_brief=1); then
    echo "FAILED: $t under ThreadSanitizer"
    failed=1
  fi
done
exit "$failed"
