#!/usr/bin/env bash
# The form benchmarks of BENCHMARKS.md (issue #5), over HTTP with wrk against
# the scratch stack `bench` that .ci/bench.sh started (PostgreSQL on 54349,
# PostgREST on 3002): access-key lookups with 100,000 issued forms, and form
# confirmations (judge + history + audit).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
api=http://127.0.0.1:3002
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null || sudo apt-get install -y -q wrk >/dev/null; }
work=$(mktemp -d)
chmod 777 "$work"
trap 'rm -rf "$work"' EXIT

echo "[bench] setting up 100,000 issued forms and 20,000 drafts"
time .ci/cluster.sh psql "$RUN_DIR/bench" 54349 -q -v keys_file="$work/keys.txt" -v drafts_file="$work/drafts.txt" \
  -f tests/bench/forms_setup.sql
token() {
  curl -sf -X POST "$api/rpc/login" -H 'Content-Type: application/json' \
    -d "{\"login_id\":\"$1\",\"password\":\"Bench-Pass-2026!\",\"key\":\"KEY-$1\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

echo "[bench] access-key lookups: POST /rpc/fetch_form_by_key, random keys of 100,000, 2 threads, 16 connections, 20 s"
staff_token=$(token bench-staff)
# (a 5-second warm-up first, not counted: the first reads of the freshly
# loaded rows set their hint bits and fill the caches)
TOKEN=$staff_token KEYS_FILE="$work/keys.txt" \
  wrk -t2 -c16 -d5s -s tests/bench/fetch_form_by_key.lua "$api" >/dev/null
TOKEN=$staff_token KEYS_FILE="$work/keys.txt" \
  wrk -t2 -c16 -d20s --latency -s tests/bench/fetch_form_by_key.lua "$api"

echo "[bench] confirmations: POST /rpc/confirm_form, each of 20,000 drafts once, 2 threads, 8 connections, 10 s"
TOKEN=$(token bench-doctor) DRAFTS_FILE="$work/drafts.txt" THREADS=2 \
  wrk -t2 -c8 -d10s --latency -s tests/bench/confirm_form.lua "$api"
.ci/cluster.sh psql "$RUN_DIR/bench" 54349 -Atq \
  -c "SELECT 'confirmed forms: ' || count(*) FROM app.forms WHERE status = 'confirmed'" \
  -c "SELECT 'audit rows of lookups: ' || count(*) FROM app.audit_log WHERE action = 'access_key.lookup'"
