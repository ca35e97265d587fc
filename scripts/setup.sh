#!/usr/bin/env bash
# Installs what drcon's demo and tests need and are missing: node packages, Consul, Nginx.
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

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing node packages (npm ci)"
  npm ci --no-audit --no-fund >&2
fi

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  say "installing nginx (Debian package)"
  apt_install nginx
  # The package starts a system nginx on port 80; drcon runs its own.
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
