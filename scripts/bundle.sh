#!/usr/bin/env bash
# Bundles the CLI/TUI into one ES module. Why: loading ~1,000 small ESM files (kysely, conf,
# zx) dominated start-up (npm run bench: TUI first paint); one tree-shaken file loads in a
# fraction of that. Native (better-sqlite3) and dynamically-requiring (blessed) packages stay
# external and load from node_modules. --splitting: every dynamic import() (TUI, CLI, zx, yaml, …)
# becomes a chunk of its own, loaded only by the path that needs it.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist/chunks
node_modules/.bin/esbuild src/main.ts \
  --bundle --platform=node --format=esm --target=node20 \
  --splitting --outdir=dist --entry-names=otterstack --chunk-names=chunks/[name]-[hash] --out-extension:.js=.mjs \
  --external:better-sqlite3 --external:blessed --external:blessed-contrib --external:nodemailer \
  "--define:__OTTERSTACK_VERSION__=\"$(node -p 'require("./package.json").version')\"" \
  "--banner:js=import { createRequire as __otterRequire } from 'node:module'; const require = __otterRequire(import.meta.url);" \
  --log-level=warning
chmod +x dist/otterstack.mjs
