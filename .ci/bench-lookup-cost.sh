#!/usr/bin/env bash
# Where an access-key lookup's time goes in PostgreSQL (BENCHMARKS.md, issue
# #5): pgbench replays PostgREST's statements for one lookup
# (tests/bench/replay_fetch_form_by_key.sql) on the scratch stack `bench`
# with 100,000 issued forms, 10 clients, and prints the CPU of the whole
# machine per request, read from /proc/stat. Three transactions: the request
# with `SELECT 1` in place of the call (BEGIN, set_config, the pre-request
# check, COMMIT), the lookup, and the lookup with synchronous_commit off.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; .ci/stack.sh down bench >/dev/null 2>&1' EXIT
db() { .ci/cluster.sh psql "$RUN_DIR/bench" 54349 "$@"; }

.ci/stack.sh up bench 54349 3002 --fresh >/dev/null 2>&1
chmod 777 "$work"
db -q -v keys_file="$work/keys.txt" -v drafts_file="$work/drafts.txt" -f tests/bench/forms_setup.sql
chmod 644 "$work/keys.txt"
db -q -c "CREATE UNLOGGED TABLE public.bench_replay_keys (n serial PRIMARY KEY, key text)" \
      -c "\\copy public.bench_replay_keys (key) FROM '$work/keys.txt'" \
      -c "GRANT SELECT ON public.bench_replay_keys TO PUBLIC"
token=$(curl -sf -X POST "http://127.0.0.1:3002/rpc/login" -H 'Content-Type: application/json' \
  -d '{"login_id":"bench-staff","password":"Bench-Pass-2026!","key":"KEY-bench-staff"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
claims=$(python3 -c 'import base64, sys; p = sys.argv[1].split(".")[1]; print(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).decode())' "$token")
cp tests/bench/replay_fetch_form_by_key.sql "$work/lookup.sql"
grep -v '^WITH pgrst_source' tests/bench/replay_fetch_form_by_key.sql | sed 's/^COMMIT;/SELECT 1;\nCOMMIT;/' > "$work/request.sql"
chmod 644 "$work"/*.sql

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6}' /proc/stat; }
run() {  # label script [PGOPTIONS]
  local args=(-n -M prepared -h "$RUN_DIR/bench" -p 54349 -U postgres -c 10 -j 2 -D "claims=$claims" -f "$2" "$DB_NAME")
  as_postgres env PGOPTIONS="${3:-}" "$PG_BIN/pgbench" -T 3 "${args[@]}" >/dev/null 2>&1  # warm-up
  read -r b0 i0 < <(busy)
  local out
  out=$(as_postgres env PGOPTIONS="${3:-}" "$PG_BIN/pgbench" -T 10 "${args[@]}" 2>&1)
  read -r b1 i1 < <(busy)
  if ! grep -q "number of failed transactions: 0 " <<<"$out"; then echo "$out" >&2; exit 1; fi
  python3 -c '
import sys
label, tps, b, i = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ticks = 100  # USER_HZ
print(f"{label:<45} {tps:8.0f}/s  {b / ticks / (tps * 10) * 1e6:5.0f} µs CPU per request  ({b / (b + i) * 100:.0f} % busy)")
' "$1" "$(grep -o 'tps = [0-9.]*' <<<"$out" | cut -d' ' -f3)" $((b1 - b0)) $((i1 - i0))
}
run "request around the call (SELECT 1)" "$work/request.sql"
run "fetch_form_by_key" "$work/lookup.sql"
run "fetch_form_by_key, synchronous_commit off" "$work/lookup.sql" "-c synchronous_commit=off"
