#!/usr/bin/env bash
# Installs everything wcloud and its tests need on Debian 12, as root. Idempotent: a second run
# only checks. V8 always comes from Debian's libnode108/libnode-dev extracted into .deps/libnode,
# because a Node.js 20 package can block `apt-get install libnode-dev` and the system's
# include/node may hold another V8.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"
stamp="$deps/.apt-installed-v1"

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache git ca-certificates
  # libraries (DEVELOPERS.md)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libnats-dev
  libhiredis-dev libcurl4-openssl-dev libprotobuf-dev protobuf-compiler libcli11-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  # what libnode108 needs at run time
  libicu72 libuv1 libc-ares2 libnghttp2-14 libbrotli1 zlib1g libssl3
  # test servers and benchmark references
  nats-server redis-server docker-registry apache2-utils nginx-light wrk valgrind
  # test components
  clang lld libclang-rt-14-dev wasi-libc libclang-rt-14-dev-wasm32 wabt nodejs
)

export DEBIAN_FRONTEND=noninteractive
if [[ ! -f "$stamp" ]] || ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}"
  # Debian starts these as services; tests start their own on free ports.
  for svc in nats-server redis-server docker-registry nginx; do
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
    service "$svc" stop >/dev/null 2>&1 || true
  done
  mkdir -p "$deps"
  touch "$stamp"
fi

# V8 (Node 18's V8 10.2) from Debian, extracted, never installed.
libnode="$deps/libnode"
if [[ ! -f "$libnode/usr/lib/x86_64-linux-gnu/libnode.so.108" || ! -f "$libnode/usr/include/node/v8.h" ]]; then
  tmp="$(mktemp -d)"
  chmod a+rwx "$tmp"  # apt downloads as the _apt user where it can
  (cd "$tmp" && apt-get download -qq libnode108 libnode-dev)
  rm -rf "$libnode"
  mkdir -p "$libnode"
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$libnode"; done
  rm -rf "$tmp"
  # libnode-dev's libnode.so symlink may point at the versioned file; make sure it exists.
  ln -sf libnode.so.108 "$libnode/usr/lib/x86_64-linux-gnu/libnode.so"
fi

# Pinned npm tools (component toolchains, the JavaScript Kubernetes client) in a project folder,
# reinstalled whenever the lockfile changes.
tools="$root/tools/npm"
lock_sum="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1)"
if [[ "$(cat "$tools/node_modules/.wcloud-lock" 2>/dev/null)" != "$lock_sum" ]]; then
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$tools/node_modules/.wcloud-lock"
fi

echo "install-deps: ok"
