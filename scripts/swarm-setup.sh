#!/usr/bin/env bash
# Makes the local engine a single-node swarm manager, idempotently (issue #20): nothing happens
# when it already is one. `docker swarm init --advertise-addr 127.0.0.1` keeps swarm traffic on
# loopback. Compose projects are unaffected by swarm mode.
#   scripts/swarm-setup.sh          -> init when needed; prints "initialized" or "already active"
#   scripts/swarm-setup.sh --leave  -> leave the swarm (removes every stack!): only what init made
set -euo pipefail
state=$(docker info --format '{{.Swarm.LocalNodeState}}')
if [ "${1:-}" = --leave ]; then
  [ "$state" = inactive ] || docker swarm leave --force >/dev/null
  echo left
  exit 0
fi
case "$state" in
  active) echo "already active" ;;
  inactive) docker swarm init --advertise-addr 127.0.0.1 >/dev/null && echo initialized ;;
  *) echo "swarm-setup: the engine's swarm state is '$state': fix it (docker swarm leave --force) and run again" >&2; exit 1 ;;
esac
