#!/usr/bin/env bash
# Installs what drcon's demo and tests need and are missing: node packages, Consul, Nginx and
# its Lua module.
# Says what it installs. Idempotent; installing system packages needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# drcon runs on the Node of its `node` dev dependency (node_modules/.bin/node), which every npm
# script finds first on its PATH. npm itself runs on the first node on PATH, and on one older than
# the packages' engines it warns EBADENGINE for each of them: so npm ci runs on the project's
# Node when it is installed, and when it is not and the system's Node is too old, on the locked
# version of it, fetched alone first.
wanted_major=$(sed -n 's/.*"node": *">= *\([0-9][0-9]*\).*/\1/p' package.json | head -n 1)
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  bootstrap=$(mktemp -d)
  trap 'rm -rf "$bootstrap"' EXIT
  if [ "$(node_major node_modules/.bin/node)" -ge "$wanted_major" ]; then
    # npm ci replaces node_modules: run on a link to the binary, which outlives its removal.
    mkdir "$bootstrap/bin"
    ln "$(readlink -f node_modules/.bin/node)" "$bootstrap/bin/node" 2>/dev/null \
      || cp "$(readlink -f node_modules/.bin/node)" "$bootstrap/bin/node"
    PATH="$bootstrap/bin:$PATH"
  elif [ "$(node_major node)" -lt "$wanted_major" ]; then
    version=$(awk '/"node_modules\/node": \{/ { getline; gsub(/[^0-9.]/, ""); print; exit }' package-lock.json)
    say "the system's Node is $(node --version 2>/dev/null || echo missing), older than $wanted_major: fetching Node $version to run npm on"
    # Its install script fetches the binary; allowed as the project allows it (package.json).
    echo '{ "private": true, "allowScripts": { "node": true } }' > "$bootstrap/package.json"
    npm install --prefix "$bootstrap" --no-save --no-package-lock --no-audit --no-fund "node@$version" >&2
    ln -s node_modules/.bin "$bootstrap/bin"
    PATH="$bootstrap/bin:$PATH"
  fi
  say "installing node packages (npm ci)"
  npm ci --no-audit --no-fund >&2
fi
say "drcon runs on Node $(node_modules/.bin/node --version) (node_modules/.bin/node)"

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx (Debian package)"
  apt_install nginx
  # The package starts a system nginx on port 80; drcon runs its own.
  as_root systemctl disable --now nginx >/dev/null 2>&1 || as_root service nginx stop >/dev/null 2>&1 || true
fi

# `drcon lb -upstreams live` (and its tests) need Nginx's Lua module and lua-resty-core; only
# Debian's nginx takes Debian's module packages.
if command -v dpkg >/dev/null 2>&1 && dpkg -s nginx >/dev/null 2>&1 \
  && ! dpkg -s libnginx-mod-http-lua lua-resty-core >/dev/null 2>&1; then
  say "installing nginx's Lua module (Debian packages libnginx-mod-http-lua, lua-resty-core)"
  apt_install libnginx-mod-http-lua lua-resty-core
  as_root systemctl disable --now nginx >/dev/null 2>&1 || as_root service nginx stop >/dev/null 2>&1 || true
fi

if ! command -v consul >/dev/null 2>&1; then
  say "installing consul (Debian bullseye package)"
  if ! apt-cache policy consul 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    # Consul left Debian after bullseye: add that suite on this machine's own mirror,
    # pinned so that only the consul package comes from it.
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$mirror" ] || { say "no Debian mirror found in the apt sources; install consul by hand"; exit 1; }
    echo "deb $mirror bullseye main" | as_root tee /etc/apt/sources.list.d/drcon-bullseye.list >/dev/null
    printf 'Package: *\nPin: release n=bullseye\nPin-Priority: 100\n\nPackage: consul\nPin: release n=bullseye\nPin-Priority: 500\n' \
      | as_root tee /etc/apt/preferences.d/drcon-bullseye-consul >/dev/null
    apt_updated=
  fi
  apt_install consul
fi
