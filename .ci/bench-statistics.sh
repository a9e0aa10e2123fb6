#!/usr/bin/env bash
# The statistics benchmark of BENCHMARKS.md (D1, issue #20): FORMS registered
# forms (tests/bench/statistics_setup.sql: two fiscal years, a realistic mix
# of programs, diseases, bodies, ages, sexes, channels, outcomes, about 1 kB
# of clinical data each), then the nightly refresh (stats.refresh, what the
# pg_cron job runs) next to one sequential read of the same forms
# (count and total length of their data). A scratch stack `bench-stats`
# recreated empty (its own cluster: pg_cron installs only in the database
# cron.database_name names, so a second database of a running cluster cannot
# hold the schema), PostgreSQL on BENCH_PG_PORT (54442), PostgREST on
# BENCH_API_PORT (3092).
#   .ci/bench-statistics.sh [FORMS]      (default 2000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
n=${1:-2000000}
stack=bench-stats
pg_port=${BENCH_PG_PORT:-54442}
api_port=${BENCH_API_PORT:-3092}
trap '.ci/stack.sh down "$stack" >/dev/null 2>&1' EXIT
db() { .ci/cluster.sh psql "$RUN_DIR/$stack" "$pg_port" "$@"; }
now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$@"; }

.ci/stack.sh up "$stack" "$pg_port" "$api_port" --fresh >/dev/null 2>&1
echo "[bench] setup: $n registered forms"
start=$(now)
db -q -v n="$n" -f tests/bench/statistics_setup.sql
echo "[bench] setup took $(seconds "$start" "$(now)") s; app.forms: $(db -Atq -c "SELECT pg_size_pretty(pg_total_relation_size('app.forms'))"), $(db -Atq -c "SELECT count(*) FROM app.forms") forms"

read_once() {
  local start end
  start=$(now)
  db -Atq -c "SELECT count(*) || ' forms, ' || sum(length(data::text)) || ' characters of data' FROM app.forms" >/dev/null
  end=$(now)
  seconds "$start" "$end"
}
warm=$(read_once)
read=$(read_once)
echo "[bench] one sequential read of the forms: $read s (the first, cache warming: $warm s)"

start=$(now)
result=$(db -Atq -c "SELECT status || ', ' || forms_counted || ' forms, ' || cells || ' cells, ' || suppressed_cells || ' suppressed, ' || coalesce(error_message, '') FROM stats.refresh('sql')")
end=$(now)
refresh=$(seconds "$start" "$end")
echo "[bench] refresh: $refresh s ($result)"
echo "[bench] refresh / sequential read: $(python3 -c "print(f'{$refresh / $read:.1f}')")"
