#!/usr/bin/env bash
# The browser client's tests, callable from .ci/test-all.sh:
#   web/scripts/e2e.sh
# 1. installs what it needs, idempotently: Debian's chromium and fonts-noto-cjk
#    when missing; node_modules and web/dist by .ci/web-build.sh (npm ci when
#    package-lock.json changed, the build when the sources changed);
# 2. runs the Vitest component tests and checks the generated API types;
# 3. starts a fresh demo stack (.ci/stack.sh, name web-e2e)
#    and `vite preview` proxying /api/ to it, and runs the Playwright e2e
#    (screenshots in web/e2e/artifacts/); stops what it started.
# With NANBYO_WEB_URL set (e.g. https://127.0.0.1:8443 behind nginx) the e2e
# runs against that instead and starts nothing (the expired-session case
# needs NANBYO_E2E_PSQL then).
# Ports: WEB_E2E_PG_PORT (54389), WEB_E2E_API_PORT (3031), WEB_E2E_PORT (4173).
set -euo pipefail
web=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$web/.." && pwd)
log() { echo "[web] $*"; }

cjk=$(fc-list : family 2>/dev/null | grep -ci 'noto sans cjk' || true)
if ! [ -x /usr/bin/chromium ] || [ "${cjk:-0}" = 0 ]; then
  log "installing chromium and fonts-noto-cjk (Debian)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# node_modules (npm ci when package-lock.json changed) and web/dist (the type
# check and vite build when the sources changed): the same script as make run
bash "$root/.ci/web-build.sh"

cd "$web"
log "component tests (vitest)"
npx vitest run

started_stack=no preview_pid=
cleanup() {
  [ -n "$preview_pid" ] && kill "$preview_pid" 2>/dev/null || true
  if [ "$started_stack" = yes ]; then "$root/.ci/stack.sh" down web-e2e >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

if [ -z "${NANBYO_WEB_URL:-}" ]; then
  source "$root/.ci/config.sh"
  pg_port=${WEB_E2E_PG_PORT:-54389} api_port=${WEB_E2E_API_PORT:-3031} web_port=${WEB_E2E_PORT:-4173}
  https_port=${WEB_E2E_HTTPS_PORT:-8471} http_port=${WEB_E2E_HTTP_PORT:-8472}
  # behind nginx (TLS, the session cookie, CSP) when the edge is there; else vite preview's proxy
  edge=()
  if [ -x "$root/.ci/edge.sh" ] && command -v nginx >/dev/null; then edge=(--edge="$https_port,$http_port"); fi
  log "fresh demo stack web-e2e (PostgreSQL $pg_port, PostgREST $api_port${edge:+, nginx $https_port})"
  started_stack=yes
  "$root/.ci/stack.sh" up web-e2e "$pg_port" "$api_port" --demo --fresh "${edge[@]}" >/dev/null
  export NANBYO_API_URL=http://127.0.0.1:$api_port
  log "API types are current"
  node scripts/gen-types.mjs --check
  if [ ${#edge[@]} -gt 0 ]; then
    export NANBYO_WEB_URL=https://127.0.0.1:$https_port
  else
    node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$web_port" --strictPort >"$RUN_DIR/web-e2e/preview.log" 2>&1 &  # (not npx: its pid would not be the server's)
    preview_pid=$!
    for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$web_port/api/rpc/health" >/dev/null 2>&1 && break; sleep 0.2; done
    export NANBYO_WEB_URL=http://127.0.0.1:$web_port
  fi
  export NANBYO_E2E_PSQL="$PG_BIN/psql -h $RUN_DIR/web-e2e -p $pg_port -U postgres -d $DB_NAME"
fi
log "end-to-end (chromium) against $NANBYO_WEB_URL"
node e2e/run.mjs
