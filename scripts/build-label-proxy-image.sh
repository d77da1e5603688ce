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

hash=$( (cat "$src/label-proxy.mjs" "$src/label-rules.mjs" "$here/build-label-proxy-image.sh"; "$NODE" --version) | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{index .Config.Labels "otterstack.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$hash" ]; then
  echo "build-label-proxy-image: $IMAGE up to date ($hash)"
  exit 0
fi
[ -x /bin/busybox ] || { echo "build-label-proxy-image: /bin/busybox missing; run scripts/install-deps.sh" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,tmp,usr/bin,opt/label-proxy}
cp /bin/busybox "$root/bin/busybox"
for applet in sh ls cat wget; do ln -s busybox "$root/bin/$applet"; done
cp "$NODE" "$root/usr/bin/node"
# node is dynamically linked: its libraries and the loader, at the paths ldd resolves them to.
for lib in $(ldd "$NODE" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$src/label-proxy.mjs" "$src/label-rules.mjs" "$root/opt/label-proxy/"
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
chmod 1777 "$root/tmp"
# The image this replaces: untagged by the import, it would stay on disk (106 MB each time).
old=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/bin:/bin' \
  --change "LABEL otterstack.hash=$hash" \
  --change 'EXPOSE 80 8080' \
  --change 'ENTRYPOINT ["node", "/opt/label-proxy/label-proxy.mjs"]' \
  - "$IMAGE" >/dev/null
# Left when a container still uses it.
new=$(docker image inspect --format '{{.Id}}' "$IMAGE")
[ -z "$old" ] || [ "$old" = "$new" ] || docker image rm "$old" >/dev/null 2>&1 || true
echo "build-label-proxy-image: built $IMAGE ($hash)"
