#!/usr/bin/env bash
# One-stop, idempotent machine setup for the demo and the tests:
# system packages, a running Docker engine, the local test image, and node modules + build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

bash "$here/install-deps.sh"
bash "$here/start-engine.sh"
bash "$here/build-test-image.sh"

cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing node modules"
  # npm install, not npm ci: npm 11 omits optional platform packages from the lock and then rejects it in ci.
  npm install --no-audit --no-fund
fi
npm run --silent build
echo "setup: ready"
