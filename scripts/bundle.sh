#!/usr/bin/env bash
# Bundles the CLI/TUI into one ES module. Why: loading ~1,000 small ESM files (kysely, conf,
# zx) dominated start-up (npm run bench: TUI first paint); one tree-shaken file loads in a
# fraction of that. Native (better-sqlite3) and dynamically-requiring (blessed) packages stay
# external and load from node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/esbuild src/main.ts \
  --bundle --platform=node --format=esm --target=node20 \
  --outfile=dist/otterstack.mjs \
  --external:better-sqlite3 --external:blessed --external:blessed-contrib --external:nodemailer \
  "--define:__OTTERSTACK_VERSION__=\"$(node -p 'require("./package.json").version')\"" \
  "--banner:js=import { createRequire as __otterRequire } from 'node:module'; const require = __otterRequire(import.meta.url);" \
  --log-level=warning
chmod +x dist/otterstack.mjs
