# Packing a real program into a test image without a registry (sourced by build-*-image.sh): Docker
# Hub is unreachable here, so images are `docker import`ed rootfs trees holding busybox-static and
# a host binary with the shared libraries it links.

# rootfs_new: a temp rootfs with busybox (sh ls cat wget), a root user and a sticky /tmp. Prints its path.
rootfs_new() {
  local root
  root=$(mktemp -d)
  mkdir -p "$root"/{bin,etc,tmp,usr/bin}
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh ls cat wget; do ln -s busybox "$root/bin/$applet"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  chmod 1777 "$root/tmp"
  echo "$root"
}

# rootfs_add_binary ROOT BINARY DEST: the binary at DEST, and its libraries and loader at the paths ldd resolves them to.
rootfs_add_binary() {
  local root=$1 binary=$2 dest=$3 lib
  cp "$binary" "$root$dest"
  for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# rootfs_import ROOT IMAGE [--change ...]: imports ROOT as IMAGE, then removes the image it replaced
# (untagged by the import, it would stay on disk; left when a container still uses it).
rootfs_import() {
  local root=$1 image=$2 old new
  shift 2
  old=$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
  tar -C "$root" -c . | docker import "$@" - "$image" >/dev/null
  new=$(docker image inspect --format '{{.Id}}' "$image")
  [ -z "$old" ] || [ "$old" = "$new" ] || docker image rm "$old" >/dev/null 2>&1 || true
}
