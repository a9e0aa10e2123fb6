#!/usr/bin/env bash
# Builds the browser client into web/dist for nginx (make run), when its
# sources changed since the last build: `npm ci` when package-lock.json
# changed, then the type check and `vite build`. Quick when nothing changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web=$root/web
log() { echo "[web] $*"; }
stamp="$web/node_modules/.package-lock.sha256"
want=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "npm ci"
  (cd "$web" && npm ci --no-audit --no-fund --silent)
  echo "$want" > "$stamp"
fi
sources=$(cd "$web" && find src public index.html vite.config.ts tsconfig.json package-lock.json -type f 2>/dev/null |
  LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
built="$web/dist/.sources.sha256"
if [ "$(cat "$built" 2>/dev/null)" != "$sources" ] || ! [ -f "$web/dist/index.html" ]; then
  log "building the client (web/dist)"
  (cd "$web" && npx tsc --noEmit -p . && npx vite build --logLevel warn)
  echo "$sources" > "$built"
else
  log "web/dist is up to date"
fi
