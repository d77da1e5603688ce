#!/usr/bin/env bash
# Builds `otterstack/caddy:local`, the managed proxy's image for tests (#18): Debian's caddy binary
# (the `caddy` package) and the libraries it links, plus busybox-static for sh/cat/wget, in a
# `docker import`ed rootfs, because the official caddy:2 image cannot be pulled here. It runs the
# real Caddy; OtterStack starts it with `caddy run --config …` as it does the official image.
# Idempotent: rebuilt only when the caddy binary or this script change (their hash is the image label
# otterstack.hash); the image it replaces is removed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
IMAGE="${OTTERSTACK_CADDY_IMAGE:-otterstack/caddy:local}"
CADDY="$(command -v caddy || true)"
[ -n "$CADDY" ] || { echo "build-caddy-image: caddy missing; run scripts/install-deps.sh" >&2; exit 1; }
CADDY="$(readlink -f "$CADDY")"
[ -x /bin/busybox ] || { echo "build-caddy-image: /bin/busybox missing; run scripts/install-deps.sh" >&2; exit 1; }

hash=$( (cat "$CADDY" "$here/build-caddy-image.sh" "$here/lib/rootfs.sh") | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{index .Config.Labels "otterstack.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$hash" ]; then
  echo "build-caddy-image: $IMAGE up to date ($hash)"
  exit 0
fi

. "$here/lib/rootfs.sh"
root=$(rootfs_new)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{etc/ssl/certs,data,root}
# Debian's caddy is linked dynamically (libzstd, libc).
rootfs_add_binary "$root" "$CADDY" /usr/bin/caddy
# Public CAs, for ACME against a real CA (Let's Encrypt); a test CA (pebble) is configured apart.
[ ! -f /etc/ssl/certs/ca-certificates.crt ] || cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
# XDG_* as in the official image: certificates and state under /data (OtterStack mounts its volume there).
rootfs_import "$root" "$IMAGE" \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change 'ENV XDG_DATA_HOME=/data' \
  --change 'ENV XDG_CONFIG_HOME=/data/config' \
  --change "LABEL otterstack.hash=$hash" \
  --change 'EXPOSE 80 443' \
  --change 'CMD ["caddy", "run", "--config", "/etc/caddy/caddy.json"]'
echo "build-caddy-image: built $IMAGE ($hash)"
