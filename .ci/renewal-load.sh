#!/usr/bin/env bash
# The renewal-season load test (issue #22 item 5, `make renewal-load-test`;
# BENCHMARKS.md "Renewal-season load"): a fresh stack `renewal` with nginx in
# front (.ci/stack.sh --edge), the national shape of tests/ops/renewal_setup.sql
# (47 prefectures, 1,000 hospitals, 3,000 doctors, 130,000 SLE forms), then
# tests/ops/renewal_load.py: an open-loop mix of live checks, saves, new
# drafts, confirmations + key issues, municipality lookups and XML uploads
# through nginx over HTTPS at RENEWAL_SCALE × the national peak.
# Prints the table (the JSON is kept in .run/renewal/result.json) and the
# machine's load before and after; exits non-zero if any request failed
# (a status other than 200, a timeout, a rejected uploaded form). Latency is
# recorded, not asserted.
#
#   renewal-load.sh [--keep]     (--keep leaves the stack running)
#   RENEWAL_SCALE=10 RENEWAL_SECONDS=180 RENEWAL_WARMUP=20 RENEWAL_TIMEOUT=10
#   RENEWAL_PG_PORT=54369 RENEWAL_API_PORT=3004 RENEWAL_HTTPS_PORT=8446 RENEWAL_HTTP_PORT=8083
#   RENEWAL_NAME=renewal         (the stack's name under .run/)
#   RENEWAL_KINDS=check_form     (only these kinds, comma-separated: one kind's cost)
#   RENEWAL_REUSE=1              (keep the stack and data of an earlier --keep run: no
#                                 fresh stack, no setup unless the data are gone; each run
#                                 confirms and creates new forms, 10,000 of each in all)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
name=${RENEWAL_NAME:-renewal}
pg_port=${RENEWAL_PG_PORT:-54369}
api_port=${RENEWAL_API_PORT:-3004}
https_port=${RENEWAL_HTTPS_PORT:-8446}
http_port=${RENEWAL_HTTP_PORT:-8083}
scale=${RENEWAL_SCALE:-10}
seconds=${RENEWAL_SECONDS:-180}
warmup=${RENEWAL_WARMUP:-20}
timeout=${RENEWAL_TIMEOUT:-10}
dir=$RUN_DIR/$name
work=$dir/renewal-load
keep=${1:-}
log() { printf '[renewal-load] %s\n' "$*"; }
cleanup() { [ "$keep" = --keep ] || .ci/stack.sh down "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
db() { .ci/cluster.sh psql "$dir" "$pg_port" "$@"; }
# CPU seconds used so far: "<postgres> <postgrest> <nginx> <machine busy>"
# (this stack's postmaster with its live backends and those it has reaped,
# PostgREST, nginx's master and workers; the whole machine from /proc/stat)
cpu_now() {
  local pm pids hz
  hz=$(getconf CLK_TCK)
  pm=$(head -n 1 "$dir/pgdata/postmaster.pid")
  ticks() { for p in "$@"; do [ -r "/proc/$p/stat" ] && sed 's/^.*) //' "/proc/$p/stat"; done |
            awk -v c="$CHILDREN" '{s += $12 + $13 + (c ? $14 + $15 : 0)} END {print s + 0}'; }
  pids=$(pgrep -P "$pm" | tr '\n' ' ')
  local pg rest ng
  pg=$(( $(CHILDREN=1 ticks "$pm") + $(CHILDREN=0 ticks $pids) ))
  rest=$(CHILDREN=0 ticks "$(cat "$dir/postgrest.pid")")
  ng=$(( $(CHILDREN=0 ticks "$(cat "$dir/nginx/nginx.pid")") + $(CHILDREN=0 ticks $(pgrep -P "$(cat "$dir/nginx/nginx.pid")")) ))
  echo "$pg $rest $ng $(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat)" | awk -v hz="$hz" '{printf "%.1f %.1f %.1f %.1f\n", $1/hz, $2/hz, $3/hz, $4/hz}'
}

loaded() {
  [ -f "$work/keys.tsv" ] && [ -f "$work/doctors.tsv" ] &&
    [ "$(db -Atc "SELECT count(*) FROM app.accounts WHERE login_id LIKE 'load-doctor-%'" 2>/dev/null)" = 3000 ]
}
if [ "${RENEWAL_REUSE:-0}" = 1 ]; then
  log "reusing the stack $name (PostgreSQL $pg_port, PostgREST $api_port, nginx https $https_port)"
  # (stack.sh recreates the database when the installed extension or the SQL changed)
  .ci/stack.sh up "$name" "$pg_port" "$api_port" --edge="$https_port,$http_port" >/dev/null
else
  log "a fresh stack $name (PostgreSQL $pg_port, PostgREST $api_port, nginx https $https_port)"
  .ci/stack.sh up "$name" "$pg_port" "$api_port" --fresh --edge="$https_port,$http_port" >/dev/null
fi
if [ "${RENEWAL_REUSE:-0}" = 1 ] && loaded; then
  log "reusing its data"
else
  rm -rf "$work"
  mkdir -p "$work"
  chmod 777 "$work"   # psql's \o runs as the cluster's user
  log "loading 47 prefectures, 1,000 hospitals, 3,000 doctors, 140,000 patients, 130,000 SLE forms (a few minutes)"
  sle_case=$("$VENV_DIR/bin/python" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["input"], ensure_ascii=False))' \
    extension/core/forms/nanbyo/N049/cases/meets_joints_and_dsdna.json)
  db -q -v sle_case="$sle_case" -v keys_file="$work/keys.tsv" -v drafts_file="$work/drafts.tsv" \
     -v doctors_file="$work/doctors.tsv" -f tests/ops/renewal_setup.sql
fi
db -q -v tokens_file="$work/tokens.tsv" -v confirm_file="$work/confirm.tsv" -v patients_file="$work/patients.tsv" \
   -f tests/ops/renewal_run.sql
form_version=$(db -Atc "SELECT nanbyo.form_version_in_force('N049')")

log "machine before: $(uptime)"
read -r pg0 rest0 ng0 all0 < <(cpu_now)
log "load at ${scale}× the national peak for ${seconds} s after ${warmup} s of warm-up, through https://127.0.0.1:$https_port"
status=0
rm -f "$dir/result.json"
"$VENV_DIR/bin/python" tests/ops/renewal_load.py --url "https://127.0.0.1:$https_port/api" --cafile "$dir/tls/cert.pem" \
  --work "$work" --form-version-id "$form_version" --scale "$scale" --seconds "$seconds" --warmup "$warmup" \
  --timeout "$timeout" --kinds "${RENEWAL_KINDS:-}" --out "$dir/result.json" || status=$?
log "machine after: $(uptime)"
read -r pg1 rest1 ng1 all1 < <(cpu_now)
python3 - "$pg0" "$pg1" "$rest0" "$rest1" "$ng0" "$ng1" "$all0" "$all1" "$dir/result.json" <<'PY'
import json, sys
a = [float(x) for x in sys.argv[1:9]]
cpu = {"postgres": a[1] - a[0], "postgrest": a[3] - a[2], "nginx": a[5] - a[4], "machine_busy": a[7] - a[6]}
try:
    r = json.load(open(sys.argv[9]))
    cpu["generator"] = r["generator"]["cpu_s"]
    cpu["others"] = cpu["machine_busy"] - sum(cpu[k] for k in ("postgres", "postgrest", "nginx", "generator"))
    r["cpu_s"] = {k: round(v, 1) for k, v in cpu.items()}
    json.dump(r, open(sys.argv[9], "w"), ensure_ascii=False, indent=1)
except (OSError, ValueError, KeyError):
    pass
print("[renewal-load] CPU seconds during the run (warm-up included): " +
      ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
PY
log "figures: $dir/result.json"
if [ "$status" != 0 ]; then
  log "FAILED: some requests failed (above)"
  exit 1
fi
log "passed: no request failed"
