#!/usr/bin/env bash
# Installs what OtterStack's demo and tests need on a fresh Debian machine.
# Idempotent: installs only what is missing. Must run as root (apt-get).
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }

# dockerd comes from Debian's docker.io; a docker client alone (e.g. /usr/local/bin/docker) is not enough.
have_cmd dockerd || need+=(docker.io)
have_cmd docker-compose || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
# (no `| grep -q` under pipefail: grep's early exit would SIGPIPE busybox and fail the test)
case "$(/bin/busybox --list 2>/dev/null || true)" in *httpd*) ;; *) need+=(busybox-static) ;; esac
have_cmd git || need+=(git)
have_cmd tmux || need+=(tmux)
have_cmd sshd || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
have_cmd ssh || need+=(openssh-client)
have_cmd iptables || need+=(iptables)
# A real registry (distribution 2.8) for the pull-stage tests (#17); run by the tests on 127.0.0.1 only.
have_cmd docker-registry || need+=(docker-registry)
# htpasswd (bcrypt) for the registry-login tests' password-protected registry.
have_cmd htpasswd || need+=(apache2-utils)
# The managed proxy (#18): Debian's caddy is packed into the test image otterstack/caddy:local
# (build-caddy-image.sh); pebble is the RFC 8555 test CA for the HTTPS tests. Neither runs as a service.
have_cmd caddy || need+=(caddy)
have_cmd pebble || need+=(pebble)
# The HTTPS test fetches the app as an operator would: curl --resolve … --cacert <pebble root>.
have_cmd curl || need+=(curl)

if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${need[*]}; run this script as root (apt-get needed)" >&2
    exit 1
  fi
  echo "install-deps: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "install-deps: all system packages present"
fi

# Debian's caddy package enables caddy.service, which would take port 80 from the managed proxy
# (OtterStack runs Caddy in its own container): stop and disable it where systemd runs it.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled caddy.service >/dev/null 2>&1; then
  systemctl disable --now caddy.service >/dev/null 2>&1 || true
fi
