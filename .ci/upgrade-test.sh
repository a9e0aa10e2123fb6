#!/usr/bin/env bash
# The upgrade test (part of `make test`): a database of the last release,
# with the demo data, upgraded to this checkout.
#   1. the newest release of sql/releases.txt is taken from git (the commit
#      that added its line) and deployed with its demo data into a cluster
#      of its own (.run/upgrade);
#   2. every table of `app` is copied aside;
#   3. this checkout's sql/deploy.sh applies the later migrations and
#      reloads all code, twice (a second deploy changes nothing);
#   4. every row copied aside must still be there, column for column (the
#      columns it had), and no table may be gone;
#   5. the upgraded schema must equal the schema of a fresh deploy of this
#      checkout (pg_dump --schema-only of app and api), given as
#      FRESH_DB_ARGS (psql connection args; `make test` passes its scratch
#      stack, on which every other test ran);
#   6. the extension, created at the release's version when its script is
#      kept (extension/pg/sql/nanbyo--VERSION.sql) and upgraded by the
#      deploy, equals a fresh install (version and every function);
#   7. a migration edited after it was applied is refused (E_MIGRATION_EDITED).
#
#   upgrade-test.sh FRESH_PSQL_ARGS...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
export PATH="$PG_BIN:$PATH"
fresh_args=("$@")
port=${UPGRADE_PG_PORT:-54349}
dir=$RUN_DIR/upgrade
work=$(mktemp -d)
trap '"$root/.ci/cluster.sh" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
say() { printf '[upgrade] %s\n' "$*"; }

release=$(grep -E '^[0-9]' "$root/sql/releases.txt" | tail -n 1 | cut -d' ' -f1)
# (UPGRADE_FROM_COMMIT: start from another commit instead, e.g. to try a
# change of this script)
commit=${UPGRADE_FROM_COMMIT:-$(git -C "$root" log -1 --format=%H -G "^${release//./\\.} " -- sql/releases.txt || true)}
if [ -z "$commit" ]; then
  echo "[upgrade] the commit that added release $release to sql/releases.txt is not in this clone's history" >&2
  exit 1
fi
say "release $release is commit ${commit:0:12}"
mkdir -p "$work/release"
git -C "$root" archive "$commit" sql policies tests/demo | tar -x -C "$work/release"

"$root/.ci/cluster.sh" stop "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
"$root/.ci/cluster.sh" start "$dir" "$port"
db=(-h "$dir" -p "$port" -U postgres -d "$DB_NAME")
psql_db() { psql -X -v ON_ERROR_STOP=1 -qAt "${db[@]}" "$@"; }

# the extension as the release shipped it, when its script is kept
# (extension/pg/sql/nanbyo--VERSION.sql): the deploy then upgrades it too
extension_release=""
if [ -f "$root/extension/pg/sql/nanbyo--$release.sql" ]; then
  extension_release=$release
  psql_db -c "CREATE EXTENSION nanbyo VERSION '$release'"
fi

demo=()
for f in "$work"/release/tests/demo/*.sql; do demo+=(--extra "$f"); done
say "deploying release $release with its demo data"
"$work/release/sql/deploy.sh" "${demo[@]}" -- "${db[@]}" >/dev/null

psql_db <<'SQL'
CREATE SCHEMA upgrade_check;
DO $$
DECLARE t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'app'::regnamespace AND c.relkind = 'r' LOOP
    EXECUTE format('CREATE TABLE upgrade_check.%I AS SELECT * FROM app.%I', t, t);
  END LOOP;
END
$$;
SQL
rows=$(psql_db -c "SELECT sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM upgrade_check.%I', relname),
  false, true, '')))[1]::text::bigint) FROM pg_class WHERE relnamespace = 'upgrade_check'::regnamespace AND relkind = 'r'")
tables=$(psql_db -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'upgrade_check'")
say "copied $tables tables aside; deploying this checkout on top, twice"
"$root/sql/deploy.sh" -- "${db[@]}"
"$root/sql/deploy.sh" -- "${db[@]}"
pending=$("$root/sql/deploy.sh" --check -- "${db[@]}")
[ -z "$pending" ] || { echo "[upgrade] migrations still pending after the deploy: $pending" >&2; exit 1; }

# every row of the release, with the columns it had, is still there
missing=""
for t in $(psql_db -c "SELECT relname FROM pg_class WHERE relnamespace = 'upgrade_check'::regnamespace AND relkind = 'r' ORDER BY 1"); do
  n=$(psql_db -c "SELECT CASE WHEN to_regclass('app.$t') IS NULL THEN 'table gone' ELSE (
      SELECT count(*)::text FROM (
        SELECT to_jsonb(s) AS r FROM upgrade_check.$t s
        EXCEPT ALL
        SELECT (SELECT jsonb_object_agg(k, v) FROM jsonb_each(to_jsonb(a)) e(k, v)
                 WHERE k IN (SELECT attname FROM pg_attribute
                              WHERE attrelid = 'upgrade_check.$t'::regclass AND attnum > 0 AND NOT attisdropped))
          FROM app.$t a) d) END")
  if [ "$n" != 0 ]; then missing+="  app.$t: $n"$'\n'; fi
done
if [ -n "$missing" ]; then
  printf '[upgrade] rows of release %s missing or changed after the upgrade:\n%s' "$release" "$missing" >&2
  exit 1
fi
say "all $rows rows of $tables tables are still there"
psql_db -c "SET client_min_messages = warning; DROP SCHEMA upgrade_check CASCADE"

dump() { pg_dump --schema-only --no-owner -n app -n api "$@" | grep -v -e '^--' -e '^$' -e '^\\\(un\)\?restrict '; }
# (grants of one object in the order they were made do not matter: they
# are compared as a sorted list, everything else line by line)
split_dump() {
  grep -v -E '^(GRANT|REVOKE) ' "$1.all" > "$1.sql"
  grep -E '^(GRANT|REVOKE) ' "$1.all" | LC_ALL=C sort >> "$1.sql"
}
dump "${db[@]}" > "$work/upgraded.all"
dump "${fresh_args[@]}" > "$work/fresh.all"
split_dump "$work/upgraded"
split_dump "$work/fresh"
if ! diff -u "$work/fresh.sql" "$work/upgraded.sql" > "$work/schema.diff"; then
  echo "[upgrade] the upgraded schema differs from a fresh deploy's (- fresh, + upgraded):" >&2
  head -n 60 "$work/schema.diff" >&2
  exit 1
fi
say "the upgraded schema equals a fresh deploy's ($(wc -l < "$work/fresh.sql") lines of pg_dump)"

# the extension: upgraded from the release's version by its update scripts
# (ALTER EXTENSION nanbyo UPDATE in the deploy), it must be the installed
# version and define exactly the functions a fresh install does
if [ -n "$extension_release" ]; then
  extension_functions="SELECT (SELECT extversion FROM pg_extension WHERE extname = 'nanbyo') AS version
    UNION ALL (SELECT pg_get_functiondef(p.oid) FROM pg_proc p
                WHERE p.pronamespace = 'nanbyo'::regnamespace ORDER BY p.oid::regprocedure::text)"
  psql -X -qAt "${db[@]}" -c "$extension_functions" > "$work/extension.upgraded"
  psql -X -qAt "${fresh_args[@]}" -c "$extension_functions" > "$work/extension.fresh"
  if ! diff -u "$work/extension.fresh" "$work/extension.upgraded" > "$work/extension.diff"; then
    echo "[upgrade] the extension upgraded from $extension_release differs from a fresh install (- fresh, + upgraded);" \
         "extension/pg/sql/ needs an update script:" >&2
    head -n 40 "$work/extension.diff" >&2
    exit 1
  fi
  say "the extension upgraded from $extension_release to $(head -n 1 "$work/extension.fresh") equals a fresh install" \
      "($(grep -c '^CREATE OR REPLACE FUNCTION' "$work/extension.fresh") functions)"
fi

# a shipped migration edited afterwards is refused, and nothing is applied
mkdir -p "$work/edited"
cp -r "$root/sql" "$root/policies" "$work/edited/"
echo "-- edited" >> "$work/edited/sql/foundation/migrations/0001_baseline.sql"
if out=$("$work/edited/sql/deploy.sh" -- "${db[@]}" 2>&1); then
  echo "[upgrade] an edited migration was deployed: $out" >&2
  exit 1
fi
grep -q E_MIGRATION_EDITED <<< "$out" || { echo "[upgrade] unexpected refusal: $out" >&2; exit 1; }
say "an edited migration is refused: E_MIGRATION_EDITED"
