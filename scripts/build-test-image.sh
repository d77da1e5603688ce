#!/usr/bin/env bash
# Builds the local base image `otterstack/busybox:local` from Debian's busybox-static
# (Docker Hub is not reachable here). Gives sh, httpd and wget. Idempotent.
set -euo pipefail
IMAGE="${OTTERSTACK_TEST_IMAGE:-otterstack/busybox:local}"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "build-test-image: $IMAGE already present"
  exit 0
fi
[ -x /bin/busybox ] || { echo "build-test-image: /bin/busybox missing; run scripts/install-deps.sh" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,etc,tmp,www,root} "$root/var/www"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'otterstack test image' > "$root/www/index.html"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/bin' \
  --change 'CMD ["sh"]' \
  - "$IMAGE" >/dev/null
echo "build-test-image: built $IMAGE"
