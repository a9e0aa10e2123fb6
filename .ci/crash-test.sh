#!/usr/bin/env bash
# Crash safety (issue #22, `make crash-test`): PostgreSQL is killed with
# SIGKILL (the postmaster and every backend: a power cut as far as the
# database can tell) in the middle of
#   1. a bulk XML import of 20,000 forms (api.import_forms_xml),
#   2. a certification-results import of 20,000 rows
#      (api.import_certification_results),
#   3. a statistics refresh (stats.refresh, where the schema has one),
# and restarted (crash recovery). After each: nothing of the interrupted
# request is visible (row counts and checksums as before it), the same
# upload again succeeds in full, and the statistics are the previous ones.
# Uses the scratch stack `crash` (PostgreSQL on CRASH_PG_PORT, 54490).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
stack=crash
pg_port=${CRASH_PG_PORT:-54490}
api_port=${CRASH_API_PORT:-3290}
dir=$RUN_DIR/$stack
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; .ci/stack.sh down "$stack" >/dev/null 2>&1' EXIT
db() { .ci/cluster.sh psql "$dir" "$pg_port" "$@"; }
log() { printf '[crash] %s\n' "$*"; }
failed=no
fail() { log "FAILED: $*"; failed=yes; }

# Runs SQL (after CLAIMS) in the background as application APP, waits until
# it has been running for SECONDS, then kills every process of the cluster
# with SIGKILL and starts it again (crash recovery).
crash_during() {
  local app=$1 seconds=$2 claims=$3 sql=$4 client pid=""
  db -Atq -c "SET application_name = '$app'" -c "$claims" -c "$sql" >"$work/$app.out" 2>&1 &
  client=$!
  for _ in $(seq 600); do
    pid=$(db -Atq -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active'
                        AND now() - query_start > interval '$seconds seconds'")
    [ -n "$pid" ] && break
    kill -0 "$client" 2>/dev/null || { fail "$app finished before it could be interrupted"; return; }
    sleep 0.1
  done
  local postmaster children
  postmaster=$(head -n 1 "$dir/pgdata/postmaster.pid")
  children=$(pgrep -P "$postmaster" | tr '\n' ' ')
  # the postmaster first, so that it cannot start anything new
  kill -9 "$postmaster" $children 2>/dev/null || true
  pkill -9 -P "$postmaster" 2>/dev/null || true
  for p in $postmaster $children; do
    while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
  done
  wait "$client" 2>/dev/null || true
  log "killed PostgreSQL (postmaster $postmaster) ${seconds}s into $app: the client saw: $(tail -n 1 "$work/$app.out")"
  .ci/cluster.sh start "$dir" "$pg_port" 2>&1 | grep -v 'another server might be running' || true
  grep -q 'database system was interrupted\|was not properly shut down' "$dir/postgres.log" ||
    fail "the server log shows no crash recovery"
  log "restarted: crash recovery done"
}

.ci/stack.sh up "$stack" "$pg_port" "$api_port" --fresh >/dev/null

# --- 1. bulk XML import -------------------------------------------------------
db -q -f tests/bench/bulk_setup.sql
read -r hospital doctor version < <(db -Atq -c "SELECT (SELECT id FROM app.organisations WHERE code = '1310123455') || ' ' ||
  (SELECT id FROM app.accounts WHERE login_id = 'bench-bulk-doctor') || ' ' || nanbyo.form_version_in_force('N006')")
python3 tests/bench/make_bulk_file.py 20000 "$work" CRASH "$hospital" "$doctor" "$version"
chmod -R a+r "$work"
doctor_claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'doctor', 'sub', id::text,
  'org', organisation_id::text)::text, false) FROM app.accounts WHERE login_id = 'bench-bulk-doctor'"
import_sql="SELECT 'accepted ' || (r ->> 'accepted') || ', rejected ' || (r ->> 'rejected') FROM api.import_forms_xml(pg_read_file('$work/forms.xml')) r"
state_forms="SELECT (SELECT count(*) FROM app.forms) || ' forms, ' || (SELECT count(*) FROM app.patients) || ' patients, ' ||
  (SELECT count(*) FROM app.form_personal) || ' personal parts, ' || (SELECT count(*) FROM app.form_history) || ' history rows, ' ||
  (SELECT count(*) FROM app.audit_log WHERE action LIKE 'bulk%') || ' bulk audit entries'"
before=$(db -Atq -c "$state_forms")
log "1. bulk XML import of 20,000 forms, killed mid-way (before: $before)"
crash_during crash-bulk 3 "$doctor_claims" "$import_sql"
after=$(db -Atq -c "$state_forms")
[ "$after" = "$before" ] && log "nothing of the interrupted import is visible: $after" || fail "after the crash: $after (before: $before)"
again=$(db -Atq -c "$doctor_claims" -c "$import_sql" | tail -n 1)
[ "$again" = "accepted 20000, rejected 0" ] && log "the same file again: $again" || fail "the same file again: $again"

# --- 2. certification-results import -----------------------------------------
.ci/stack.sh up "$stack" "$pg_port" "$api_port" --fresh >/dev/null
db -q -v n=20000 -f tests/bench/certification_setup.sql
staff=$(db -Atq -c "SELECT id FROM app.accounts WHERE login_id = 'bench-cert-staff'")
db -q -c "\\copy (SELECT form_id, access_key FROM public.bench_certification_keys ORDER BY form_id) TO '$work/keys.csv' CSV"
python3 tests/bench/make_certification_file.py "$work/keys.csv" "$work" "$staff"
chmod -R a+r "$work"
staff_claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'municipality_staff', 'sub', '$staff')::text, false)"
cert_sql="SELECT 'applied ' || (r ->> 'applied') || ', unchanged ' || (r ->> 'unchanged') FROM api.import_certification_results(pg_read_binary_file('$work/results.csv')) r"
state_cert="SELECT (SELECT count(*) FROM app.certifications) || ' certifications, ' ||
  (SELECT count(*) FROM app.certification_imports) || ' imports, ' ||
  (SELECT count(*) FROM app.forms WHERE status = 'reviewed') || ' reviewed forms, ' ||
  (SELECT count(*) FROM app.form_history WHERE part = 'certification') || ' certification history rows'"
before=$(db -Atq -c "$state_cert")
log "2. certification import of 20,000 rows, killed mid-way (before: $before)"
crash_during crash-cert 3 "$staff_claims" "$cert_sql"
after=$(db -Atq -c "$state_cert")
[ "$after" = "$before" ] && log "nothing of the interrupted import is visible: $after" || fail "after the crash: $after (before: $before)"
# the published statistics before the certifications arrive (part 3 below)
has_stats=$(db -Atq -c "SELECT to_regclass('stats.cells') IS NOT NULL")
figures="SELECT count(*) || ' cells, ' || md5(coalesce(string_agg(c::text, ',' ORDER BY c::text), '')) FROM stats.cells c"
if [ "$has_stats" = t ]; then
  db -Atq -c "SELECT stats.refresh()" >/dev/null
  stats_before=$(db -Atq -c "$figures")
fi
again=$(db -Atq -c "$staff_claims" -c "$cert_sql" | tail -n 1)
[ "$again" = "applied 20000, unchanged 0" ] && log "the same file again: $again" || fail "the same file again: $again"

# --- 3. statistics refresh -----------------------------------------------------
if [ "$has_stats" = t ]; then
  log "3. statistics refresh over the 20,000 certified forms, killed mid-way"
  operator_claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'operator_admin')::text, false)"
  crash_during crash-stats 1 "$operator_claims" "SELECT stats.refresh()"
  after=$(db -Atq -c "$figures")
  [ "$after" = "$stats_before" ] && log "the previous figures are intact: $after" ||
    fail "the figures changed after the interrupted refresh: $after (before: $stats_before)"
  db -Atq -c "SELECT stats.refresh()" >/dev/null
  now=$(db -Atq -c "$figures")
  [ "$now" != "$stats_before" ] && log "the next refresh works and counts the certifications: $now" ||
    fail "the next refresh did not change the figures"
else
  log "3. statistics refresh: no stats schema here, skipped"
fi

[ $failed = no ] || exit 1
log "passed"
