#!/usr/bin/env bash
# One-stop, idempotent machine setup for the demo and the tests:
# system packages, a running Docker engine, the local test image, and node modules + build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

bash "$here/install-deps.sh"
bash "$here/install-compose-v2.sh"
bash "$here/start-engine.sh"
bash "$here/build-test-image.sh"
bash "$here/build-label-proxy-image.sh"
bash "$here/build-caddy-image.sh"

cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules"
  # npm ci: exactly the locked tree (scripts/complete-lockfile.mjs keeps the lock acceptable to it).
  npm ci --no-audit --no-fund
fi
npm run --silent build
echo "setup: ready"
