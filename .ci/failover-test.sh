#!/usr/bin/env bash
# The failover test (issue #22, `make failover-test`; not a timed test):
# on the HA rig of .ci/ha.sh (a fresh one), doctors confirm forms and
# municipality staff look forms up by access key through nginx and
# PostgREST; after FAILOVER_KILL_AFTER seconds the primary is killed with
# SIGKILL (its pg_auto_failover keeper, its postmaster and every backend:
# the machine is gone). pg_auto_failover promotes a standby, PostgREST
# reconnects to it. Then:
#   - every confirmation acknowledged to a client (HTTP 200) is a confirmed
#     form on the new primary, and every acknowledged lookup has its audit
#     entry (by its X-Request-Id): any loss fails the test;
#   - the service answers again;
#   - the old primary rejoins as a standby (pg_rewind by pg_auto_failover).
# Prints the failed requests and the time without acknowledged writes and
# reads, the figures of BENCHMARKS.md.
#
#   failover-test.sh [--keep]   (--keep leaves the rig running afterwards)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
dir=$RUN_DIR/ha
seconds=${FAILOVER_SECONDS:-120}
kill_after=${FAILOVER_KILL_AFTER:-15}
https_port=${HA_HTTPS_PORT:-8600}
url=https://127.0.0.1:$https_port/api
work=$(mktemp -d)
chmod 777 "$work"
keep=${1:-}
cleanup() {
  rm -rf "$work"
  [ "$keep" = --keep ] || .ci/ha.sh down >/dev/null 2>&1 || true
}
trap cleanup EXIT
log() { printf '[failover] %s\n' "$*"; }

log "a fresh HA rig: monitor, primary, two standbys (number_sync_standbys 1), PostgREST, nginx"
.ci/ha.sh down >/dev/null 2>&1 || true
rm -rf "$dir"
.ci/ha.sh up
.ci/ha.sh state

log "loading 100,000 issued forms with access keys and 20,000 drafts (tests/bench/forms_setup.sql)"
.ci/ha.sh psql -q -v keys_file="$work/keys.txt" -v drafts_file="$work/drafts.txt" -f tests/bench/forms_setup.sql
head -n 20000 "$work/keys.txt" > "$work/keys-used.txt"

token() {
  curl -sf --cacert "$dir/tls/cert.pem" -X POST "$url/rpc/login" -H 'Content-Type: application/json' \
    -d "{\"login_id\":\"$1\",\"password\":\"Bench-Pass-2026!\",\"key\":\"KEY-$1\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
doctor=$(token bench-doctor)
staff=$(token bench-staff)

log "load for $seconds s; the primary ($(.ci/ha.sh primary)) is killed after $kill_after s"
"$VENV_DIR/bin/python" tests/ops/failover_load.py --url "$url" --cafile "$dir/tls/cert.pem" \
  --doctor-token "$doctor" --staff-token "$staff" --drafts "$work/drafts.txt" --keys "$work/keys-used.txt" \
  --seconds "$seconds" --out "$work/result.json" &
load=$!
sleep "$kill_after"
old=$(.ci/ha.sh primary)
old_name=${old##*/}
keeper=$(pgrep -f "pg_autoctl run --pgdata $old\$" | head -n 1)
postmaster=$(head -n 1 "$old/postmaster.pid")
pgid=$(ps -o pgid= -p "$keeper" | tr -d ' ')
children=$(pgrep -P "$postmaster" | tr '\n' ' ')
kill_epoch=$(python3 -c 'import time; print(time.time())')
# the postmaster first (so that it restarts nothing), its backends, then
# the keeper and its services (so that nothing restarts the postmaster)
kill -9 "$postmaster" $children 2>/dev/null || true
kill -9 -- "-$pgid" 2>/dev/null || true
log "killed $old_name (keeper $keeper, postmaster $postmaster) with SIGKILL"
new=$(.ci/ha.sh primary 300 "$old_name")
promoted_epoch=$(python3 -c 'import time; print(time.time())')
log "pg_auto_failover promoted ${new##*/} $(python3 -c "print(round($promoted_epoch - $kill_epoch, 1))") s after the kill"
wait "$load"
.ci/ha.sh state

log "checking the new primary ($(.ci/ha.sh primary))"
"$VENV_DIR/bin/python" tests/ops/failover_report.py "$work/result.json" "$kill_epoch" \
  "$work/acked-forms.txt" "$work/acked-lookups.txt" | tee "$work/report.txt"
lost=$(.ci/ha.sh psql -XAtq \
  -c "CREATE TEMP TABLE acked_forms (id bigint)" -c "\\copy acked_forms FROM '$work/acked-forms.txt'" \
  -c "CREATE TEMP TABLE acked_lookups (request_id text)" -c "\\copy acked_lookups FROM '$work/acked-lookups.txt'" \
  -c "SELECT (SELECT count(*) FROM acked_forms a WHERE NOT EXISTS (
                SELECT FROM app.forms f WHERE f.id = a.id AND f.status = 'confirmed'))
          || ' ' ||
          (SELECT count(*) FROM acked_lookups a WHERE NOT EXISTS (
                SELECT FROM app.audit_log l WHERE l.request_id = a.request_id AND l.action = 'access_key.lookup'
                   AND l.outcome = 'success'))")
lost_forms=${lost% *}
lost_lookups=${lost#* }
log "acknowledged confirmations missing: $lost_forms; audit entries of acknowledged lookups missing: $lost_lookups"

log "the service answers again"
status=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$dir/tls/cert.pem" -X POST "$url/rpc/fetch_form_by_key" \
  -H "Authorization: Bearer $staff" -H 'Content-Type: application/json' \
  -d "{\"access_key\":\"$(head -n 1 "$work/keys.txt")\"}")
log "a lookup after the failover: HTTP $status"

log "the old primary $old_name rejoins as a standby"
.ci/ha.sh up
.ci/ha.sh state

if [ "$lost_forms" != 0 ] || [ "$lost_lookups" != 0 ] || [ "$status" != 200 ]; then
  log "FAILED"
  exit 1
fi
log "passed: no acknowledged write or audit entry lost"
