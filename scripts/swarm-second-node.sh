#!/usr/bin/env bash
# swarm-second-node.sh - run a 2nd dockerd as a swarm WORKER inside its own network namespace,
# joined to the swarm managed by the default engine (/var/run/docker.sock). For the multi-node
# tests of issue #20 (placement across nodes, images pulled from the project's registry), and to
# try a two-node swarm on one machine. Needs root, iproute2, iptables, nsenter/unshare.
#
#   swarm-second-node.sh up      -> prints the worker's swarm node id on stdout (idempotent)
#   swarm-second-node.sh down    -> full cleanup (idempotent)
#   swarm-second-node.sh status
#
# NODE2_FORWARD_PORTS="5000 …": the worker's own 127.0.0.1:<port> goes to NODE2_HOST_IP:<port>
# (a registry on the host's loopback, reached through a forwarder the caller runs on that address).
#
# Nothing in the host netns is changed except: one veth (HOST_IF, HOST_IP/30) is created.
# Main engine config / iptables / sysctls are untouched. The worker has no default route,
# so nothing it does can leave the namespace except towards HOST_IP.
set -euo pipefail

BASE=${NODE2_DIR:-/tmp/otterstack-node2}       # data goes to $BASE/{data,exec}
NS=${NODE2_NETNS:-otter-node2}
NODE_HOSTNAME=${NODE2_HOSTNAME:-otter-node2}   # shown in `docker node ls` (own UTS namespace)
HOST_IF=${NODE2_HOST_IF:-ot-n2-h}
NS_IF=${NODE2_NS_IF:-ot-n2-c}
HOST_IP=${NODE2_HOST_IP:-10.231.0.1}
NS_IP=${NODE2_NS_IP:-10.231.0.2}
PFX=30
BIP=${NODE2_BIP:-10.214.0.1/24}                # worker docker0 (inside the netns only)
POOL=${NODE2_POOL:-10.215.0.0/16}              # worker local pools (docker_gwbridge etc.)
IMAGES=${NODE2_IMAGES:-otterstack/busybox:local}
RT_TABLE=231
SOCK=$BASE/docker.sock
PIDFILE=$BASE/docker.pid
D1=(docker)                                    # manager engine (default socket)
D2=(docker -H "unix://$SOCK")                  # worker engine

log() { echo "[second-node] $*" >&2; }
nsx() { ip netns exec "$NS" "$@"; }

worker_alive() { [ -S "$SOCK" ] && timeout 5 "${D2[@]}" version >/dev/null 2>&1; }

worker_node_id() { timeout 5 "${D2[@]}" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true; }

manager_sees_ready() { # $1 = node id
  [ -n "$1" ] && [ "$("${D1[@]}" node inspect "$1" --format '{{.Status.State}}' 2>/dev/null)" = ready ]
}

status() {
  if worker_alive; then
    local id; id=$(worker_node_id)
    echo "worker dockerd: up (pid $(cat "$PIDFILE" 2>/dev/null)), node id: ${id:-none}, manager view: $("${D1[@]}" node inspect "$id" --format '{{.Status.State}}' 2>/dev/null || echo unknown)"
  else
    echo "worker dockerd: down"
  fi
}

plumb_netns() { # $1 = manager advertise IP, $2 = manager swarm port, $3 = data path port
  local mip=$1 mport=$2 dport=$3
  ip netns add "$NS"
  ip link add "$HOST_IF" type veth peer name "$NS_IF"
  ip link set "$NS_IF" netns "$NS"
  ip addr add "$HOST_IP/$PFX" dev "$HOST_IF"
  ip link set "$HOST_IF" up
  nsx ip link set lo up
  nsx ip addr add "$NS_IP/$PFX" dev "$NS_IF"
  nsx ip link set "$NS_IF" up
  # NOTE: deliberately no default route -> no traffic can leave via the host.
  nsx sysctl -qw net.ipv4.conf.all.route_localnet=1 "net.ipv4.conf.$NS_IF.route_localnet=1"
  local p
  for p in ${NODE2_FORWARD_PORTS:-}; do
    nsx iptables -w -t nat -A OUTPUT -d 127.0.0.1/32 -p tcp --dport "$p" -j DNAT --to-destination "$HOST_IP"
  done
  nsx iptables -w -t nat -A POSTROUTING -s 127.0.0.0/8 -o "$NS_IF" -j SNAT --to-source "$NS_IP"

  case "$mip" in
  127.*)
    # The manager advertises a loopback address, which inside the netns means the netns itself.
    # The worker stores/uses that address for: reconnecting to the manager (TCP $mport),
    # gossip (TCP+UDP 7946) and VXLAN (UDP $dport). Redirect all of it to HOST_IP.
    # TCP control + gossip: plain DNAT of locally generated packets, then fix the 127.x source.
    nsx iptables -w -t nat -A OUTPUT -d "$mip/32" -p tcp -m multiport --dports "$mport,7946" -j DNAT --to-destination "$HOST_IP"
    nsx iptables -w -t nat -A OUTPUT -d "$mip/32" -p udp --dport 7946 -j DNAT --to-destination "$HOST_IP"
    # VXLAN: the kernel vxlan driver short-circuits ("encap bypass") packets whose outer dst is a
    # local address, so DNAT alone is not enough: route UDP/$dport to $mip via the veth with a
    # policy rule placed *before* the local table, then DNAT it to HOST_IP.
    nsx ip rule add pref 100 lookup local
    nsx ip rule del pref 0 lookup local
    nsx ip rule add pref 50 to "$mip/32" ipproto udp dport "$dport" lookup "$RT_TABLE"
    nsx ip route add "$mip/32" via "$HOST_IP" dev "$NS_IF" src "$NS_IP" table "$RT_TABLE"
    nsx iptables -w -t nat -A OUTPUT -d "$mip/32" -p udp --dport "$dport" -j DNAT --to-destination "$HOST_IP"
    # Incoming VXLAN from the manager has outer src HOST_IP, but the worker's (permanent) fdb
    # entries say the manager VTEP is $mip; vxlan_snoop() drops such packets. Rewrite the source.
    nsx iptables -w -t nat -A INPUT -s "$HOST_IP/32" -p udp --dport "$dport" -j SNAT --to-source "$mip"
    ;;
  *)
    # Manager advertises a host-netns address: a host route via the veth is all it takes.
    nsx ip route add "$mip/32" via "$HOST_IP" dev "$NS_IF"
    ;;
  esac
}

start_dockerd() {
  mkdir -p "$BASE/data" "$BASE/exec"
  echo '{}' >"$BASE/daemon.json"   # never read /etc/docker/daemon.json
  # nsenter --net (NOT `ip netns exec`): ip netns exec remounts /sys, which hides the
  # /sys/fs/cgroup v1 mounts -> "failed to start daemon: Devices cgroup isn't mounted".
  # unshare --uts only to give the node its own hostname in `docker node ls`.
  # dockerd starts its own containerd under $BASE/exec/containerd (no --containerd).
  nsenter --net="/run/netns/$NS" unshare --uts sh -c '
    hostname "$0"
    exec setsid dockerd \
      --config-file "$1/daemon.json" \
      --data-root "$1/data" --exec-root "$1/exec" --pidfile "$1/docker.pid" \
      -H "unix://$1/docker.sock" \
      --bip "$2" --default-address-pool "base=$3,size=24" \
      --cgroup-parent "/$0" \
      --swarm-default-advertise-addr "$4"
  ' "$NODE_HOSTNAME" "$BASE" "$BIP" "$POOL" "$NS_IP" >"$BASE/dockerd.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 120); do worker_alive && return 0; sleep 0.25; done
  log "worker dockerd did not come up; tail of $BASE/dockerd.log:"; tail -20 "$BASE/dockerd.log" >&2
  return 1
}

up() {
  if worker_alive; then
    local id; id=$(worker_node_id)
    if manager_sees_ready "$id"; then echo "$id"; return 0; fi
    log "worker running but not a ready swarm node (id='$id'); recreating"
  fi
  down >/dev/null 2>&1 || true

  [ "$("${D1[@]}" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')" = "active true" ] \
    || { log "default engine is not an active swarm manager"; return 1; }
  local mip maddr mport dport token
  mip=$("${D1[@]}" info --format '{{.Swarm.NodeAddr}}')
  maddr=$("${D1[@]}" info --format '{{range .Swarm.RemoteManagers}}{{.Addr}} {{end}}' | awk '{print $1}')
  mport=${maddr##*:}; mport=${mport:-2377}
  dport=$("${D1[@]}" info --format '{{.Swarm.Cluster.DataPathPort}}' 2>/dev/null || true)
  case "$dport" in ''|0|'<no value>') dport=4789 ;; esac
  token=$("${D1[@]}" swarm join-token -q worker)

  mkdir -p "$BASE"
  plumb_netns "$mip" "$mport" "$dport"
  start_dockerd

  local img
  for img in ${IMAGES}; do
    "${D1[@]}" save "$img" | "${D2[@]}" load -q >&2
  done

  # The manager listens on *:$mport, so HOST_IP:$mport reaches it from the netns.
  "${D2[@]}" swarm join --token "$token" --advertise-addr "$NS_IP" --listen-addr "$NS_IP:2377" \
    "$HOST_IP:$mport" >&2

  local id i
  id=$(worker_node_id)
  echo "$id" >"$BASE/node-id"
  for i in $(seq 1 60); do manager_sees_ready "$id" && { echo "$id"; return 0; }; sleep 0.5; done
  log "node $id not Ready on the manager after 30s"; return 1
}

down() {
  local ids="" id
  [ -f "$BASE/node-id" ] && ids=$(cat "$BASE/node-id")
  if worker_alive; then
    id=$(worker_node_id); [ -n "$id" ] && ids="$ids $id"
    timeout 60 "${D2[@]}" swarm leave --force >/dev/null 2>&1 || true
  fi
  # remove the worker node object(s) from the manager (never the manager itself)
  local self; self=$("${D1[@]}" info --format '{{.Swarm.NodeID}}' 2>/dev/null || true)
  ids="$ids $("${D1[@]}" node ls --format '{{.ID}} {{.Hostname}}' 2>/dev/null | awk -v h="$NODE_HOSTNAME" '$2==h{print $1}')"
  for id in $(echo $ids | tr ' ' '\n' | sort -u); do
    [ -n "$id" ] && [ "$id" != "$self" ] || continue
    "${D1[@]}" node rm --force "$id" >/dev/null 2>&1 && log "removed node $id from swarm" || true
  done

  # stop dockerd (it stops its containers and its own containerd)
  local pid
  if [ -f "$PIDFILE" ]; then
    pid=$(cat "$PIDFILE")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" || true
    fi
  fi
  # anything still running inside our netns (containerd, shims, containers) was started by us
  if [ -e "/run/netns/$NS" ]; then
    for pid in $(ip netns pids "$NS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.5
  fi
  # unmount everything under $BASE (overlay2 merged dirs, the overlay2 private bind, netns files)
  local m
  for _ in 1 2 3; do
    m=$(findmnt -rn -o TARGET | grep "^$BASE/" | sort -r || true)
    [ -z "$m" ] && break
    for t in $m; do umount "$t" 2>/dev/null || umount -l "$t" 2>/dev/null || true; done
  done
  # cgroups created via --cgroup-parent (cgroup v1: one dir per controller)
  for d in /sys/fs/cgroup/*/"$NODE_HOSTNAME"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  ip netns del "$NS" 2>/dev/null || true          # also destroys the veth pair
  ip link del "$HOST_IF" 2>/dev/null || true
  # data, keep the script itself
  if [ -d "$BASE" ]; then
    find "$BASE" -mindepth 1 -maxdepth 1 ! -name "$(basename "$0")" -exec rm -rf {} + 2>/dev/null || true
  fi
  return 0
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
