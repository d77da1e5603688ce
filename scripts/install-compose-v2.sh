#!/usr/bin/env bash
# Installs Compose v2 as a docker CLI plugin next to Compose v1, idempotently.
#
# Debian 12 only packages Compose v1. Debian 13 (trixie) packages Compose v2 as a static Go binary
# that needs nothing newer than bookworm's glibc, so we download that one .deb from the same
# Debian mirror with a one-off, throwaway sources list and copy the plugin binary out of it.
# The system is never upgraded and the package is never installed through dpkg (its
# /usr/bin/docker-compose would clash with v1's).
#
# The binary goes to the system plugin directory, so every docker client finds it whatever
# DOCKER_CONFIG says.
set -euo pipefail

plugin_dir=/usr/libexec/docker/cli-plugins
plugin="$plugin_dir/docker-compose"

version_of() { "$1" version --short 2>/dev/null || true; }

if [ -x "$plugin" ] && [[ "$(version_of "$plugin")" =~ ^v?2\. ]]; then
  echo "install-compose-v2: compose $(version_of "$plugin") already at $plugin"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-compose-v2: Compose v2 missing from $plugin; run this script as root (apt-get and $plugin_dir need it)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mirror=$(sed -n 's/^URIs:[[:space:]]*\(http[^ ]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$work/lists/partial" "$work/archives/partial"
echo "deb $mirror trixie main" > "$work/sources.list"
# Everything apt touches lives in $work: the system's own lists and sources are left alone.
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache::Archives=$work/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
  -o "APT::Get::List-Cleanup=false"
  -o "APT::Sandbox::User=root"
)
echo "install-compose-v2: downloading docker-compose from $mirror trixie"
apt-get "${apt_opts[@]}" update -qq
(cd "$work" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
deb=$(ls "$work"/docker-compose_*.deb)
dpkg-deb -x "$deb" "$work/root"
binary=$(find "$work/root" -type f -name docker-compose -path '*cli-plugins*' | head -n 1)
[ -n "$binary" ] || binary=$(find "$work/root" -type f -name docker-compose | head -n 1)
[ -n "$binary" ] || { echo "install-compose-v2: no docker-compose binary in $(basename "$deb")" >&2; exit 1; }
mkdir -p "$plugin_dir"
install -m 0755 "$binary" "$plugin.tmp"
mv -f "$plugin.tmp" "$plugin"
echo "install-compose-v2: installed compose $(version_of "$plugin") at $plugin"
