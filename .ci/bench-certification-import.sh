#!/usr/bin/env bash
# The certification-import benchmark of BENCHMARKS.md (C3, issue #19): a
# 100,000-row certification results file (every row granted, by access key)
# imported by api.import_certification_results, next to COPY of the same
# rows into app.certifications (triggers on; the goal is at most twice
# COPY's time), then the same file again (nothing changes), then the file in
# Shift_JIS with Japanese labels and every row changed. Uses a scratch stack recreated empty:
# `bench-cert`, PostgreSQL on BENCH_PG_PORT (54349), PostgREST on
# BENCH_API_PORT (3002).
#   .ci/bench-certification-import.sh [ROWS]      (default 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
n=${1:-100000}
stack=bench-cert
pg_port=${BENCH_PG_PORT:-54349}
api_port=${BENCH_API_PORT:-3002}
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"; .ci/stack.sh down "$stack" >/dev/null 2>&1' EXIT
db() { .ci/cluster.sh psql "$RUN_DIR/$stack" "$pg_port" "$@"; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$@"; }

.ci/stack.sh up "$stack" "$pg_port" "$api_port" --fresh >/dev/null 2>&1
echo "[bench] setup: $n forms taken over by Tokyo, each with a live access key"
db -q -v n="$n" -f tests/bench/certification_setup.sql
staff=$(db -Atq -c "SELECT id FROM app.accounts WHERE login_id = 'bench-cert-staff'")
db -q -c "\\copy (SELECT form_id, access_key FROM public.bench_certification_keys ORDER BY form_id) TO '$work/keys.csv' CSV"
python3 tests/bench/make_certification_file.py "$work/keys.csv" "$work" "$staff"
chmod -R a+r "$work"
echo "[bench] file of $n rows: $(du -h "$work/results.csv" | cut -f1) (UTF-8), $(du -h "$work/results-sjis.csv" | cut -f1) (Shift_JIS)"
claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'municipality_staff', 'sub', '$staff')::text, false)"

echo "[bench] COPY of the same $n rows into app.certifications (triggers on; rolled back)"
start=$(date +%s.%N)
db -q -c "BEGIN" \
      -c "\\copy app.certifications (form_id, program, outcome, recipient_number, public_payer_number, application_received_on, valid_from, valid_until, income_tier, special_case, monthly_cap_yen, recorded_by) FROM '$work/copy.csv' CSV" \
      -c "ROLLBACK"
end=$(date +%s.%N)
copy=$(seconds "$start" "$end")
echo "[bench] COPY: $copy s"

run() {  # label, file
  local start end
  start=$(date +%s.%N)
  db -Atq -c "$claims" -c "SELECT 'rows ' || (r ->> 'rows') || ', applied ' || (r ->> 'applied') || ', unchanged ' || (r ->> 'unchanged') || ', problems ' || coalesce(r ->> 'problem_count', '0') || ', ' || coalesce(r ->> 'encoding', '') FROM api.import_certification_results(pg_read_binary_file('$2')) r" | tail -1
  end=$(date +%s.%N)
  echo "[bench] $1: $(seconds "$start" "$end") s ($(python3 -c "print(f'{$(seconds "$start" "$end") / $copy:.1f}')") × COPY)"
}
run "import of $n rows (UTF-8)" "$work/results.csv"
run "the same file again (nothing changes)" "$work/results.csv"
run "import of $n rows in Shift_JIS (Japanese labels; every row changes its tier)" "$work/results-sjis.csv"
