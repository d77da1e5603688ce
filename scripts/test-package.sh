#!/usr/bin/env bash
# Proves the npm package installs and works as a user would get it: `npm pack`, then
# `npm install -g` of the tarball into a throwaway prefix, then the installed `otterstack` run from
# an unrelated directory (version, doctor against the real engine, completion, systemd unit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "test-package: packed $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
tar -tzf "$work/$tarball" | sed 's/^/  /'

echo "test-package: npm install -g into $work/prefix (builds better-sqlite3)"
npm install -g --prefix "$work/prefix" --no-audit --no-fund "$work/$tarball" >/dev/null
bin="$work/prefix/bin/otterstack"
[ -x "$bin" ] || { echo "test-package: $bin missing after install" >&2; exit 1; }

mkdir -p "$work/elsewhere" && cd "$work/elsewhere"
fail() { echo "test-package: FAIL: $*" >&2; exit 1; }
version=$("$bin" --version)
[ "$version" = "$(node -p "require('$root/package.json').version")" ] || fail "--version printed '$version'"
[ "$("$bin" -V)" = "$version" ] || fail "-V differs from --version"
"$bin" --data-dir "$work/data" doctor || fail "doctor failed from $(pwd)"
"$bin" --data-dir "$work/data" project list --json | grep -q '^\[' || fail "project list --json"
"$bin" completion bash | bash -n || fail "completion bash is not valid bash"
"$bin" completion bash | grep -q 'complete -F _otterstack_complete otterstack' || fail "completion bash has no complete line"
"$bin" --data-dir "$work/data" watch --systemd-unit > "$work/otterstack-watch.service"
grep -q "^ExecStart=\"$(command -v node)\" \"$(readlink -f "$bin")\"" "$work/otterstack-watch.service" || fail "unit ExecStart does not name the installed binary"
if command -v systemd-analyze >/dev/null 2>&1; then
  # verify checks the unit's syntax and that ExecStart's binary exists; missing docker.service is fine.
  out=$(systemd-analyze verify "$work/otterstack-watch.service" 2>&1 || true)
  if printf '%s\n' "$out" | grep -v 'docker.service' | grep -qi 'error\|invalid\|unknown\|failed'; then
    fail "systemd-analyze verify: $out"
  fi
  echo "test-package: systemd-analyze verify ok"
fi
echo "test-package: ok ($version installed with npm install -g, doctor passes from $(pwd))"
