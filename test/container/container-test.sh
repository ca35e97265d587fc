#!/usr/bin/env bash
# The container test: builds the project's Dockerfile unchanged, runs the image as the issue runs
# it (CONSUL=<a real Consul agent>, SERVICE=simple, Nginx's port published), registers two real
# backends through Consul's HTTP API, and checks what a user would see:
#   503 naming the service before any instance exists; one instance gets all the traffic; two
#   share it; a deregistered instance gets none; the image's HEALTHCHECK passes;
#   `podman stop` ends the container with status 0 (tini -> drcon -> Nginx).
# Then (host setup) the image's other role: `drcon:test register consul://…` with Podman's Docker
# API socket mounted at /tmp/docker.sock registers a container started with SERVICE_NAME.
#
#   test/container/run.sh test [pod|host|live|both|all]
#                                                  (default all; both = pod and host; needs root,
#                                                  podman, consul, curl)
#
# Prints one "ok"/"not ok" line per check, then "N passed, N failed"; exits 1 when a check failed.
# CTR_SKIP_BUILD=1 reuses an image already built (CTR_IMAGE, default drcon:test).
#
# Two network setups, because this machine allows traffic only to loopback and to network
# namespaces made here, never to other hosts' private addresses:
#   pod   the faithful one: port 80 published with -p 127.0.0.1:PORT:80, on a podman pod (default
#         bridge network, a namespace made by this test) that also holds the Consul agent (this
#         machine's consul binary, mounted into a container of the image) and the backends, so
#         drcon reaches them on the pod's loopback; the test reaches Nginx and Consul's API
#         through the published ports.
#   host  the Consul agent a process on this machine's 127.0.0.1, the container with
#         --network=host and LISTEN=127.0.0.1:PORT (no -p there). Its status server takes a free
#         port (STATUS_ADDR; the HEALTHCHECK asks there), as 127.0.0.1:9600 may be held by
#         another drcon here.
#   live  host's setup with UPSTREAMS=live: the same scenario, and the instances' changes cost
#         no Nginx reload (drcon's /metrics).
# The backends are containers of the image too (a Node one-liner), so no Node is needed here.
# Everything the test starts carries the label drcon-container-test=<run id> and is removed on
# exit, also on failure or Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=run.sh
source "$here/run.sh"

setups=${1:-all}
case "$setups" in
  pod | host | live) ;;
  both) setups="pod host" ;;
  all) setups="pod host live" ;;
  *) echo "usage: test/container/run.sh test [pod|host|live|both|all]" >&2; exit 2 ;;
esac
for tool in curl consul; do
  command -v "$tool" >/dev/null || { ctr_say "$tool is not installed (bash scripts/setup.sh installs consul)"; exit 1; }
done

run_id=drcon-ctest-$$
label="drcon-container-test=$run_id"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/drcon-ctest.XXXXXX")
host_consul_pid= host_consul_pids=
host_consul_pid=
api_pid=
passed=0
failed=0

cleanup() {
  local ids
  ids=$(podman ps -aq --filter "label=$label" 2>/dev/null || true)
  [ -z "$ids" ] || podman rm -f -t 0 $ids >/dev/null 2>&1 || true
  podman pod rm -f "$run_id-pod" >/dev/null 2>&1 || true
  for pid in $host_consul_pids; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [ -n "$host_consul_pid" ]; then kill "$host_consul_pid" 2>/dev/null || true; wait "$host_consul_pid" 2>/dev/null || true; fi
  if [ -n "$api_pid" ]; then kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One check: runs the command; "ok"/"not ok" with what went wrong (the command's stderr).
check() {
  local name=$1
  shift
  if "$@" 2>"$scratch/why"; then
    passed=$((passed + 1))
    echo "ok $((passed + failed)) - $name"
  else
    failed=$((failed + 1))
    echo "not ok $((passed + failed)) - $name"
    sed 's/^/#   /' "$scratch/why"
    return 1
  fi
}

# Sets each named variable to a TCP port of 127.0.0.1 that nothing listens on and that this run
# has not handed out yet. (Assigned, not printed: a $(...) subshell would forget what it handed out.)
# The ports come from below the kernel's ephemeral range: a port there may be the local end of
# some client's connection at any moment, and then nothing can listen on it.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range
[ "$ephemeral_low" -gt 11000 ] || ephemeral_low=32768 # an unusual range: take our chances
handed_out=" "
free_ports() {
  local name port
  for name in "$@"; do
    while :; do
      port=$((10000 + RANDOM % (ephemeral_low - 10000)))
      case "$handed_out" in *" $port "*) continue ;; esac
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
    done
    handed_out+="$port "
    printf -v "$name" %s "$port"
  done
}

# Polls until the command succeeds; false (with `what` on stderr) after 30 s.
wait_until() {
  local what=$1 deadline=$((SECONDS + 30))
  shift
  until "$@" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then echo "timed out waiting for $what" >&2; return 1; fi
    sleep 0.2
  done
}

# Lets a change reach Nginx before the check that follows; says so (a comment line) when it did not.
settle() { wait_until "$@" 2>/dev/null || echo "# gave up waiting for $1"; }

# "STATUS BODY" of a GET, as curl sees it; "000" when nothing answers.
answer() {
  local body status
  status=$(curl -s -m 5 -o "$scratch/body" -w '%{http_code}' "$1") || true
  body=$(cat "$scratch/body" 2>/dev/null || true)
  rm -f "$scratch/body"
  echo "$status $body"
}

# The distinct answers to N requests, one per line, sorted.
answers() {
  local i
  for ((i = 0; i < $2; i++)); do answer "$1"; done | sort -u
}

# Passes when the distinct answers to N requests are exactly the expected lines.
answers_are() {
  local url=$1 count=$2 expected got
  shift 2
  expected=$(printf '%s\n' "$@" | sort -u)
  got=$(answers "$url" "$count")
  [ "$got" = "$expected" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$got" >&2; return 1; }
}

# The agent at $consul_url has a leader (its answer is "" until then).
consul_up() {
  local leader
  leader=$(curl -s -m 2 "$consul_url/v1/status/leader")
  [ -n "$leader" ] && [ "$leader" != '""' ]
}

consul_up_or_gone() { consul_up || ! kill -0 "$host_consul_pid"; }

# Registers ID, listening at 127.0.0.1:PORT as seen from the agent, as an instance of "simple".
register() {
  curl -sSf -X PUT -d "{\"ID\":\"$1\",\"Name\":\"simple\",\"Address\":\"127.0.0.1\",\"Port\":$2}" \
    "$consul_url/v1/agent/service/register"
}
deregister() { curl -sSf -X PUT "$consul_url/v1/agent/service/deregister/$1"; }

# A backend: a container of the image answering "200 NAME", logging one line per request.
backend_script='const [name, port] = process.argv.slice(1);
require("node:http").createServer((request, response) => {
  console.log("request", request.url);
  response.writeHead(200, { "content-type": "text/plain" });
  response.end(name + "\n");
}).listen(Number(port), "127.0.0.1", () => console.log("listening", port));'
start_backend() { # NAME SETUP PORT podman-network-args...: container NAME-SETUP answering NAME
  local name=$1 container=$run_id-$1-$2 port=$3
  shift 3
  podman run -d --pull=never --no-healthcheck --label "$label" --name "$container" "$@" \
    --entrypoint node "$CTR_IMAGE" -e "$backend_script" "$name" "$port" >/dev/null || return
  wait_until "backend $name" sh -c "podman logs '$container' 2>/dev/null | grep -q listening" \
    || { podman logs --tail 5 "$container" >&2; return 1; }
}
# How many requests backend NAME of SETUP has answered.
hits() { podman logs "$run_id-$1-$2" 2>/dev/null | grep -c '^request' || true; }

# drcon's container; podman's complaints about systemd timers for the HEALTHCHECK (no systemd
# here) go to the scratch log, not the test output.
start_drcon() { # CONTAINER podman-args...
  local container=$1
  shift
  podman run -d --pull=never --label "$label" --name "$container" "$@" "$CTR_IMAGE" 2>>"$scratch/podman.log" >/dev/null
}

served_by_first_render() { [ "$(answer "$1")" = "503 no healthy instance of service simple" ]; }
only() { [ "$(answers "$1" 4)" = "200 $2" ]; }
both() { [ "$(answers "$1" 10 | wc -l)" = 2 ]; }
healthy() { podman healthcheck run "$1" 2>>"$scratch/podman.log" >/dev/null; }
stops_cleanly() {
  podman stop -t 10 "$1" >/dev/null
  local code
  code=$(podman inspect -f '{{.State.ExitCode}}' "$1")
  [ "$code" = 0 ] || { echo "exit status $code; last log lines:" >&2; podman logs --tail 8 "$1" >&2 2>&1; return 1; }
}
# drcon's count of successful Nginx reloads, from its /metrics at $status_url.
reloads() { curl -sf -m 5 "$status_url/metrics" | awk '/^drcon_nginx_reloads_total\{result="ok"\} /{print $2}'; }
same_reloads() { # BEFORE
  local now
  now=$(reloads)
  [ -n "$now" ] && [ "$now" = "$1" ] || { echo "reloads: $1 before, ${now:-none} now" >&2; return 1; }
}
same_hits() { # NAME SETUP BEFORE
  local now
  now=$(hits "$1" "$2")
  [ "$now" = "$3" ] || { echo "$1 answered $((now - $3)) more requests" >&2; return 1; }
}

# The scenario, on the load balancer and agent that <setup>_start left in the globals below.
# Called as `scenario SETUP || true`: a failed check is counted, and the next ones still run.
lb_url= consul_url= status_url= drcon= port1= port2=
scenario() {
  local setup=$1 before reloads_before
  check "$setup: 503 naming the service before any instance exists" \
    wait_until "the first render at $lb_url" served_by_first_render "$lb_url"
  [ "$setup" != live ] || reloads_before=$(reloads)
  register simple-1 "$port1"
  settle "simple-1 at $lb_url" only "$lb_url" simple-1
  check "$setup: one registered instance gets all the traffic" answers_are "$lb_url" 10 "200 simple-1"
  register simple-2 "$port2"
  settle "both instances at $lb_url" both "$lb_url"
  check "$setup: two registered instances share the traffic" answers_are "$lb_url" 20 "200 simple-1" "200 simple-2"
  deregister simple-1
  settle "simple-1 out at $lb_url" only "$lb_url" simple-2
  before=$(hits simple-1 "$setup")
  check "$setup: a deregistered instance gets no traffic" answers_are "$lb_url" 20 "200 simple-2"
  check "$setup: ... not one request, though it still runs" same_hits simple-1 "$setup" "$before"
  [ "$setup" != live ] || check "$setup: the instances came and went without an Nginx reload" same_reloads "$reloads_before"
  check "$setup: the image's HEALTHCHECK passes" healthy "$drcon"
  check "$setup: podman stop ends drcon and Nginx with status 0" stops_cleanly "$drcon"
}

pod_start() {
  local lb_port consul_port pod=$run_id-pod
  free_ports lb_port consul_port
  podman pod create --label "$label" --name "$pod" -p "127.0.0.1:$lb_port:80" -p "127.0.0.1:$consul_port:8500" >/dev/null || return
  # -client=0.0.0.0: published ports arrive on the pod's bridge address, not on its loopback.
  podman run -d --pull=never --no-healthcheck --label "$label" --name "$run_id-consul" --pod "$pod" \
    -v "$(readlink -f "$(command -v consul)"):/usr/local/bin/consul:ro" --entrypoint consul "$CTR_IMAGE" \
    agent -dev -client=0.0.0.0 -bind=127.0.0.1 -log-level=warn >/dev/null || return
  consul_url=http://127.0.0.1:$consul_port lb_url=http://127.0.0.1:$lb_port/ drcon=$run_id-drcon-pod port1=9001 port2=9002
  wait_until "Consul in the pod" consul_up || return
  start_backend simple-1 pod "$port1" --pod "$pod" || return
  start_backend simple-2 pod "$port2" --pod "$pod" || return
  start_drcon "$drcon" --pod "$pod" -e CONSUL=127.0.0.1:8500 -e SERVICE=simple
}

host_start() { # [SETUP]: host, or live for UPSTREAMS=live
  local setup=${1:-host} upstreams=reload lb_port status_port http dns lan wan server grpc
  [ "$setup" = host ] || upstreams=live
  free_ports lb_port status_port port1 port2 http dns lan wan server grpc
  consul agent -dev -bind=127.0.0.1 -client=127.0.0.1 -node="$run_id" -http-port="$http" -dns-port="$dns" \
    -serf-lan-port="$lan" -serf-wan-port="$wan" -server-port="$server" -grpc-port="$grpc" -log-level=warn \
    >"$scratch/consul.log" 2>&1 &
  host_consul_pid=$! host_consul_pids+=" $!"
  consul_url=http://127.0.0.1:$http lb_url=http://127.0.0.1:$lb_port/ status_url=http://127.0.0.1:$status_port
  drcon=$run_id-drcon-$setup
  wait_until "Consul on 127.0.0.1:$http" consul_up_or_gone
  consul_up || { echo "Consul on 127.0.0.1:$http did not start:" >&2; cat "$scratch/consul.log" >&2; return 1; }
  start_backend simple-1 "$setup" "$port1" --network=host || return
  start_backend simple-2 "$setup" "$port2" --network=host || return
  start_drcon "$drcon" --network=host -e "CONSUL=127.0.0.1:$http" -e SERVICE=simple \
    -e "LISTEN=127.0.0.1:$lb_port" -e "STATUS_ADDR=127.0.0.1:$status_port" -e "UPSTREAMS=$upstreams"
}

live_start() { host_start live; }
# The register role, on the host setup's Consul: the engine is Podman's API on a socket of this run.
registered() { curl -s -m 2 "$consul_url/v1/agent/services" | grep -q "\"ID\": *\"ctest-reg:$1:80\""; }
register_role() {
  local socket=$scratch/docker.sock status_port backend_port
  free_ports status_port backend_port
  podman system service --time=0 "unix://$socket" >"$scratch/api.log" 2>&1 &
  api_pid=$!
  wait_until "the Docker API socket" test -S "$socket" || return
  podman run -d --pull=never --no-healthcheck --label "$label" --name "$run_id-register" --network=host -h ctest-reg \
    -v "$socket:/tmp/docker.sock" -e "STATUS_ADDR=127.0.0.1:$status_port" "$CTR_IMAGE" register "consul://${consul_url#http://}" >/dev/null || return
  podman run -d --pull=never --no-healthcheck --label "$label" --name "$run_id-registered" -p "127.0.0.1:$backend_port:80" \
    -e SERVICE_NAME=simple --entrypoint node "$CTR_IMAGE" -e "$backend_script" registered 80 >/dev/null || return
  wait_until "the container registered" registered "$run_id-registered"
}

if [ "${CTR_SKIP_BUILD:-}" != 1 ]; then ctr_build; fi
started=$SECONDS
for setup in $setups; do
  case $setup in
    pod) echo "# pod: the container in a pod with Consul and the backends, port 80 published on 127.0.0.1" ;;
    host) echo "# host: Consul on this machine's loopback, the container on the host network" ;;
    live) echo "# live: as host, with UPSTREAMS=live" ;;
  esac
  if check "$setup: Consul, two backends and the drcon container start" "${setup}_start"; then scenario "$setup" || true; fi
  if [ "$setup" = host ]; then check "host: the image as drcon register puts a container with SERVICE_NAME in Consul" register_role || true; fi
done
echo "# image $CTR_IMAGE: $(ctr_size); the scenarios took $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
