#!/usr/bin/env bash
# Starts a Docker engine in the background if none answers, and waits (bounded) until it does.
# Idempotent: does nothing when `docker info` already succeeds.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  echo "start-engine: docker engine already answering"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "start-engine: dockerd not installed; run scripts/install-deps.sh as root first" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start-engine: no engine answers and starting dockerd needs root" >&2
  exit 1
fi

log=/var/log/otterstack-dockerd.log
echo "start-engine: starting dockerd (log: $log)"
# setsid: dockerd must outlive this script and the shell/CI step that ran it.
# Docker's default address pools hold about 30 bridge networks; every release has one (kept releases
# keep theirs), and the test suite, with both compose versions in parallel, went past that ("could not
# find an available, non-overlapping IPv4 address pool"). /24 networks from a /16 hold 256. Only when
# the operator's daemon.json does not set pools itself (dockerd refuses the flag and the key together).
pool_args=()
if ! grep -qs default-address-pools /etc/docker/daemon.json; then
  pool_args=(--default-address-pool base=10.213.0.0/16,size=24)
fi
setsid dockerd "${pool_args[@]}" >"$log" 2>&1 < /dev/null &

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    echo "start-engine: engine up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 0.5
done
echo "start-engine: dockerd did not answer within 60 s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
