#!/usr/bin/env bash
# `npm run demo`: sets the machine up, creates a demo git repo with two releases, deploys v1
# then v2 with OtterStack, and shows status and history. Re-runnable.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
bash "$here/setup.sh"

otter() { node "$root/dist/otterstack.mjs" --headless "$@"; }
demo_dir="${OTTERSTACK_DEMO_DIR:-/tmp/otterstack-demo-repo}"
port="${OTTERSTACK_DEMO_PORT:-8088}"

if [ ! -d "$demo_dir/.git" ]; then
  echo "demo: creating demo repository in $demo_dir"
  mkdir -p "$demo_dir"
  cd "$demo_dir"
  git init -q -b main
  release() {
    cat > compose.yaml <<YAML
services:
  web:
    image: otterstack/busybox:local
    init: true
    command: ["sh", "-c", "mkdir -p /www && echo 'hello from the OtterStack demo, release $1' > /www/index.html && date >> /data/starts && exec httpd -f -p 8080 -h /www"]
    ports: ["127.0.0.1:${port}:8080"]
    volumes: ["data:/data"]
    healthcheck:
      test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
      interval: 2s
      timeout: 3s
      retries: 3
volumes:
  data: {}
YAML
    git add compose.yaml
    git -c user.name=demo -c user.email=demo@localhost commit -qm "release $1"
    git tag "$1"
  }
  release v1
  release v2
fi

otter project show demo >/dev/null 2>&1 || otter project add --name demo --repo "$demo_dir"
otter doctor || true
otter deploy demo --ref v1
otter deploy demo --ref v2
echo
otter status demo
echo
answer=$(node -e 'fetch(process.argv[1]).then((r) => r.text()).then((t) => process.stdout.write(t.trim()), () => process.stdout.write("(no answer)"))' "http://127.0.0.1:${port}/")
echo "demo: the app answers on http://127.0.0.1:${port}/ -> ${answer}"
echo "demo: headless: node dist/otterstack.mjs --headless status    TUI: node dist/otterstack.mjs"
if [ -t 0 ] && [ -t 1 ] && [ -z "${CI:-}" ]; then
  echo "demo: opening the TUI (q quits)"
  exec node "$root/dist/otterstack.mjs"
fi
