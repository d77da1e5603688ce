#!/usr/bin/env bash
# Builds `otterstack/label-proxy:local`, the label proxy (a stand-in for Traefik, whose image cannot
# be pulled here): busybox-static for sh + the system node and the libraries it links + the two
# bench/stand-in/*.mjs files. Idempotent: rebuilt only when those files or this script change (their
# hash, with node's version, is kept as the image label otterstack.hash).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../bench/stand-in"
IMAGE="${OTTERSTACK_LABEL_PROXY_IMAGE:-otterstack/label-proxy:local}"
NODE="$(command -v node)"
NODE="$(readlink -f "$NODE")"

hash=$( (cat "$src/label-proxy.mjs" "$src/label-rules.mjs" "$here/build-label-proxy-image.sh" "$here/lib/rootfs.sh"; "$NODE" --version) | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{index .Config.Labels "otterstack.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$hash" ]; then
  echo "build-label-proxy-image: $IMAGE up to date ($hash)"
  exit 0
fi
[ -x /bin/busybox ] || { echo "build-label-proxy-image: /bin/busybox missing; run scripts/install-deps.sh" >&2; exit 1; }

. "$here/lib/rootfs.sh"
root=$(rootfs_new)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/opt/label-proxy"
# node is dynamically linked.
rootfs_add_binary "$root" "$NODE" /usr/bin/node
cp "$src/label-proxy.mjs" "$src/label-rules.mjs" "$root/opt/label-proxy/"
rootfs_import "$root" "$IMAGE" \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change "LABEL otterstack.hash=$hash" \
  --change 'EXPOSE 80 8080' \
  --change 'ENTRYPOINT ["node", "/opt/label-proxy/label-proxy.mjs"]'
echo "build-label-proxy-image: built $IMAGE ($hash)"
