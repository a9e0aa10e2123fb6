#!/usr/bin/env bash
# The scale benchmark of BENCHMARKS.md (E3, issue #22): each request's
# figure on a database holding only the benchmark's working set, then the
# same after FORMS forms over ten fiscal years are added around it
# (tests/bench/scale_setup.sql), with the ratio; the size on disk.
#   working set (tests/bench/forms_setup.sql): a hospital with 20,000 issued
#     forms with their keys and 6,000 drafts, a municipality's staff;
#   access-key lookups   POST /rpc/fetch_form_by_key, 2 connections, 15 s
#   search by kana       POST /rpc/search_forms {"patient_kana": "ヤマダ", "limit": 50}, 1 connection, 10 s
#   confirmations        POST /rpc/confirm_form, each draft once, 1 connection, 10 s
#   bulk import          api.import_forms_xml of a 1,000-form file, three files
#   statistics           stats.refresh() (what the nightly job runs)
#   research extraction  one request: the five commonest diseases, FY2025
# A scratch stack `bench-scale` recreated empty: PostgreSQL on
# BENCH_PG_PORT (54452), PostgREST on BENCH_API_PORT (3093).
#   .ci/bench-scale.sh [FORMS]      (default 2000000)
#   BENCH_REQUESTS_ONLY=1 skips the statistics refresh and the research
#   extraction (the requests only: about 15 instead of 25 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
n=${1:-2000000}
stack=bench-scale
pg_port=${BENCH_PG_PORT:-54452}
api_port=${BENCH_API_PORT:-3093}
api=http://127.0.0.1:$api_port
work=$(mktemp -d)
chmod 755 "$work"
trap '.ci/stack.sh down "$stack" >/dev/null 2>&1; rm -rf "$work"' EXIT
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null || sudo apt-get install -y -q wrk >/dev/null; }
db() { .ci/cluster.sh psql "$RUN_DIR/$stack" "$pg_port" "$@"; }
now() { date +%s.%N; }
seconds() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$@"; }
token() {
  curl -sf -X POST "$api/rpc/login" -H 'Content-Type: application/json' \
    -d "{\"login_id\":\"$1\",\"password\":\"Bench-Pass-2026!\",\"key\":\"KEY-$1\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
# wrk's summary as "p50 p99 req/s" (milliseconds)
latency() {
  python3 -c '
import re, sys
text = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*" + label + r"\s+([0-9.]+)(us|ms|s)\s*$", text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
p50, p99 = ms("50%"), ms("99%")
extra = ", " + non2xx.group(1) + " non-2xx" if non2xx else ""
print(f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, {float(rps):.0f}/s{extra}")'
}
size() {
  db -Atq -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) || ' (' || sum(pg_total_relation_size(c.oid)) || ' bytes)'
                FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
               WHERE s.nspname = 'app' AND c.relkind IN ('r', 'm')" \
     -c "SELECT 'database ' || pg_size_pretty(pg_database_size('nanbyo')) || ' (' || pg_database_size('nanbyo') || ' bytes)'"
}

measure() {
  local phase=$1 drafts=$2 start
  echo "[bench] === $phase: $(db -Atq -c "SELECT count(*) FROM app.forms") forms; load $(cut -d' ' -f1-3 /proc/loadavg)"
  TOKEN=$staff_token KEYS_FILE="$work/keys.txt" wrk -t1 -c2 -d3s -s tests/bench/fetch_form_by_key.lua "$api" >/dev/null
  echo "[bench] $phase lookup: $(TOKEN=$staff_token KEYS_FILE="$work/keys.txt" \
    wrk -t1 -c2 -d15s --latency -s tests/bench/fetch_form_by_key.lua "$api" | latency)"
  TOKEN=$doctor_token QUERY='' BODY='{"patient_kana":"ヤマダ","limit":50}' \
    wrk -t1 -c1 -d3s -s tests/bench/search_forms.lua "$api" >/dev/null
  echo "[bench] $phase search: $(TOKEN=$doctor_token QUERY='' BODY='{"patient_kana":"ヤマダ","limit":50}' \
    wrk -t1 -c1 -d10s --latency -s tests/bench/search_forms.lua "$api" | latency)"
  echo "[bench] $phase confirm: $(TOKEN=$doctor_token DRAFTS_FILE="$drafts" THREADS=1 \
    wrk -t1 -c1 -d10s --latency -s tests/bench/confirm_form.lua "$api" | latency)"
  local times=()
  for f in 1 2 3; do
    start=$(now)
    db -Atq -c "$claims" -c "SELECT (r ->> 'accepted') FROM api.import_forms_xml(pg_read_file('$work/$phase-$f/forms.xml')) r" |
      tail -1 | grep -qx 1000 || { echo "[bench] the import of $phase-$f did not accept 1,000 forms" >&2; exit 1; }
    times+=("$(seconds "$start" "$(now)")")
  done
  echo "[bench] $phase bulk import of 1,000 forms: ${times[*]} s"
  if [ -n "${BENCH_REQUESTS_ONLY:-}" ]; then return; fi
  start=$(now)
  db -Atq -c "SELECT status FROM stats.refresh('sql')" | grep -qx succeeded ||
    { echo "[bench] the statistics refresh failed" >&2; exit 1; }
  echo "[bench] $phase statistics refresh: $(seconds "$start" "$(now)") s ($(db -Atq -c "SELECT count(*) FROM stats.cells") cells)"
  db -Atq -c "$admin_claims" -c "SELECT api.approve_research_request((api.submit_research_request('ベンチ', 'ベンチ研究所', '規模の測定',
      'nanbyo', (SELECT array_agg(disease_code) FROM (SELECT disease_code FROM app.forms WHERE program = 'nanbyo'
                   GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 5) d), ARRAY[2025], ARRAY['hoehn_yahr']) ->> 'id')::bigint)" >/dev/null
  start=$(now)
  db -Atq -c "SELECT app.run_research_extractions()" >/dev/null
  echo "[bench] $phase research extraction: $(seconds "$start" "$(now)") s ($(db -Atq -c "SELECT coalesce(max(row_count), 0) FROM app.research_requests WHERE id = (SELECT max(id) FROM app.research_requests)") rows, state $(db -Atq -c "SELECT state FROM app.research_requests ORDER BY id DESC LIMIT 1"))"
  echo "[bench] $phase size: $(size | tr '\n' ' ')"
}

.ci/stack.sh up "$stack" "$pg_port" "$api_port" --fresh >/dev/null 2>&1
echo "[bench] working set: 20,000 issued forms with keys, 6,000 drafts"
db -q -v issued=20000 -v drafts=6000 -v keys_file="$work/keys.txt" -v drafts_file="$work/drafts.txt" \
  -f tests/bench/forms_setup.sql
# 2,000 of the hospital's patients get family names of their own (the rest
# are all カンジャ): the search looks for ヤマダ, about 50 of them here, and
# about one in 40 of the patients added later, at other hospitals
db -q -c "UPDATE app.form_personal p
             SET data = p.data || jsonb_build_object('patient_name_kana',
                   (ARRAY['サトウ','スズキ','タカハシ','タナカ','イトウ','ワタナベ','ヤマモト','ナカムラ','コバヤシ','カトウ',
                          'ヨシダ','ヤマダ','ササキ','ヤマグチ','マツモト','イノウエ','キムラ','ハヤシ','シミズ','ヤマザキ',
                          'モリ','アベ','イケダ','ハシモト','ヤマシタ','イシカワ','ナカジマ','マエダ','フジタ','オガワ',
                          'ゴトウ','オカダ','ハセガワ','ムラカミ','コンドウ','イシイ','サイトウ','サカモト','エンドウ','アオキ'])
                   [1 + p.form_id % 40] || ' タロウ')
           WHERE p.form_id <= 2000"
awk 'NR % 2 == 1' "$work/drafts.txt" > "$work/drafts-empty.txt"
awk 'NR % 2 == 0' "$work/drafts.txt" > "$work/drafts-full.txt"
read -r hospital doctor version < <(db -Atq -F' ' -c "SELECT (SELECT id FROM app.organisations WHERE code = '1310123455'),
  (SELECT id FROM app.accounts WHERE login_id = 'bench-doctor'), nanbyo.form_version_in_force('N006')")
for phase in empty full; do
  for f in 1 2 3; do
    mkdir -p "$work/$phase-$f"
    python3 tests/bench/make_bulk_file.py 1000 "$work/$phase-$f" "S$phase$f" "$hospital" "$doctor" "$version" >/dev/null
  done
done
chmod -R a+r "$work"
claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'doctor', 'sub', id::text,
          'org', organisation_id::text)::text, false) FROM app.accounts WHERE login_id = 'bench-doctor'"
db -q -c "INSERT INTO app.organisations (kind, code, name) VALUES ('operator', 'BENCHR', 'ベンチ運営')" \
      -c "INSERT INTO app.accounts (login_id, role, organisation_id, name, name_kana, password_hash, password_must_change)
          SELECT 'bench-research', 'operator_admin', id, 'ベンチ', 'ベンチ', 'x', false FROM app.organisations WHERE code = 'BENCHR'"
admin_claims="SELECT set_config('request.jwt.claims', json_build_object('role', 'operator_admin', 'sub', id::text,
          'org', organisation_id::text)::text, false) FROM app.accounts WHERE login_id = 'bench-research'"
staff_token=$(token bench-staff)
doctor_token=$(token bench-doctor)

measure empty "$work/drafts-empty.txt"

echo "[bench] adding $n forms over ten fiscal years (tests/bench/scale_setup.sql)"
start=$(now)
db -q -v n="$n" -v hospitals=2000 -f tests/bench/scale_setup.sql
echo "[bench] setup took $(seconds "$start" "$(now)") s"
start=$(now)
db -q -c "VACUUM ANALYZE"
echo "[bench] VACUUM ANALYZE took $(seconds "$start" "$(now)") s"
db -Atq -c "SELECT t || ' ' || pg_size_pretty(coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(('app.' || t)::regclass)), pg_total_relation_size(('app.' || t)::regclass)))
              FROM unnest(ARRAY['forms', 'form_personal', 'form_history', 'form_ids', 'access_keys', 'certifications',
                                'research_consents', 'patients', 'audit_log']) t" | sed 's/^/[bench] /'
db -Atq -c "SELECT 'forms of one year: ' || string_agg(fiscal_year || ' ' || n, ', ' ORDER BY fiscal_year)
              FROM (SELECT fiscal_year, count(*) AS n FROM app.forms GROUP BY 1) y" | sed 's/^/[bench] /'
measure full "$work/drafts-full.txt"
