#!/usr/bin/env bash
# Deploys the application schema into a database, in ONE transaction:
# either everything below is in place afterwards or nothing changed.
#
#   sql/deploy.sh [--extra FILE]... [--check] -- PSQL_ARGS...
#
#   1. Run-once migrations (tables, columns, indexes, data changes), in the
#      order sql/manifest.txt lists them, each applied once and recorded in
#      app.schema_migrations with its sha256. A recorded migration whose file
#      changed, or that the manifest no longer lists, stops the deploy: a
#      shipped migration is never edited.
#   2. Repeatable code (functions, views, triggers, policies, grants, jobs),
#      every file the manifest lists as `code`, reloaded on every deploy.
#      The first code file drops the `api` schema, every row-level-security
#      policy and the API roles' grants, so the code files are the whole
#      truth: what a file no longer says is gone after the deploy.
#   3. --extra files (the demo data of `make run`), in the same transaction.
#
# --check only says which migrations are pending (exit 0) and verifies the
# recorded ones; it changes nothing. PSQL_ARGS name the database (-h, -p,
# -U, -d, …), as for psql. Needs bash, psql and sha256sum: the same script
# runs in CI, `make run` and the Docker image (docker/initdb).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/sql/manifest.txt

extras=() check=no
while [ $# -gt 0 ]; do
  case "$1" in
    --extra) extras+=("$(realpath "$2")"); shift 2 ;;
    --check) check=yes; shift ;;
    --) shift; break ;;
    *) echo "deploy.sh: unknown option $1 (usage: deploy.sh [--extra FILE]... [--check] -- PSQL_ARGS...)" >&2; exit 2 ;;
  esac
done
psql_cmd=(psql -X -v ON_ERROR_STOP=1 -q "$@")
fail() { echo "deploy.sh: $*" >&2; exit 1; }

# --- read the manifest ------------------------------------------------------
declare -a mig_versions mig_paths code_paths
while read -r kind a b rest; do
  case "$kind" in
    ''|'#'*) continue ;;
    migration) [ -n "$b" ] && [ -z "$rest" ] || fail "manifest: 'migration VERSION PATH' expected, got: $kind $a $b $rest"
               mig_versions+=("$a"); mig_paths+=("$b") ;;
    code) [ -n "$a" ] && [ -z "$b" ] || fail "manifest: 'code PATH' expected, got: $kind $a $b"
          code_paths+=("$a") ;;
    *) fail "manifest: unknown line kind '$kind'" ;;
  esac
done < "$manifest"
for p in "${mig_paths[@]}" "${code_paths[@]}"; do
  [ -f "$root/$p" ] || fail "manifest names $p, which does not exist"
done
[ "$(printf '%s\n' "${mig_paths[@]}" "${code_paths[@]}" | sort | uniq -d)" = "" ] ||
  fail "manifest names a file twice"

# --- what the database has already -----------------------------------------
declare -A applied
recorded=
if [ "$("${psql_cmd[@]}" -At -c "SELECT to_regclass('app.schema_migrations') IS NOT NULL")" = t ]; then
  recorded=$("${psql_cmd[@]}" -At -c "SELECT path || ' ' || sha256 FROM app.schema_migrations ORDER BY path")
fi
while read -r path sum; do
  [ -n "$path" ] && applied[$path]=$sum
done <<< "$recorded"
listed=" ${mig_paths[*]} "
for path in "${!applied[@]}"; do
  [[ "$listed" == *" $path "* ]] ||
    fail "E_MIGRATION_REMOVED: the database recorded migration $path, which the manifest no longer lists"
done

pending=()
for i in "${!mig_paths[@]}"; do
  path=${mig_paths[$i]}
  sum=$(sha256sum "$root/$path" | cut -d' ' -f1)
  if [ -n "${applied[$path]:-}" ]; then
    [ "${applied[$path]}" = "$sum" ] ||
      fail "E_MIGRATION_EDITED: $path changed after it was applied (recorded sha256 ${applied[$path]}, file $sum); write a new migration instead"
  else
    pending+=("$i:$sum")
  fi
done
if [ "$check" = yes ]; then
  for p in "${pending[@]}"; do i=${p%%:*}; echo "pending ${mig_versions[$i]} ${mig_paths[$i]}"; done
  exit 0
fi

# --- one script, one transaction ---------------------------------------------
script=$(mktemp)
trap 'rm -f "$script"' EXIT
q() { printf "'%s'" "${1//\'/\'\'}"; }
{
  echo "SET client_min_messages = warning;"
  echo "-- one deploy at a time"
  echo "DO \$\$ BEGIN PERFORM pg_advisory_xact_lock(hashtext('nanbyo-db deploy')); END \$\$;"
  echo "-- where the code files find their data files (sql/master/data/)"
  echo "\\set nanbyo_root $(q "$root")"
  echo "CREATE SCHEMA IF NOT EXISTS app;"
  echo "CREATE TABLE IF NOT EXISTS app.schema_migrations (
  path        text PRIMARY KEY,
  version     text NOT NULL,
  sha256      text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now());"
  echo "COMMENT ON TABLE app.schema_migrations IS 'Run-once migrations applied by sql/deploy.sh';"
  for p in "${pending[@]}"; do
    i=${p%%:*} sum=${p#*:}
    echo "\\i $(q "$root/${mig_paths[$i]}")"
    echo "INSERT INTO app.schema_migrations (path, version, sha256) VALUES ($(q "${mig_paths[$i]}"), $(q "${mig_versions[$i]}"), $(q "$sum"));"
  done
  for path in "${code_paths[@]}"; do echo "\\i $(q "$root/$path")"; done
  for f in "${extras[@]}"; do echo "\\i $(q "$f")"; done
  echo "-- PostgREST reloads its schema cache when this commits"
  echo "NOTIFY pgrst, 'reload schema';"
} > "$script"
PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
  "${psql_cmd[@]}" --single-transaction -f "$script"
for p in "${pending[@]}"; do i=${p%%:*}; echo "[deploy] applied migration ${mig_versions[$i]} ${mig_paths[$i]}"; done
