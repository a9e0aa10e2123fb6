#!/usr/bin/env bash
# The search benchmark of BENCHMARKS.md (issue #17), over HTTP: a doctor's
# POST /rpc/search_forms on a hospital with 120,000 forms (the 100,000
# issued forms and 20,000 drafts of tests/bench/forms_setup.sql, which
# .ci/bench-forms.sh loaded into the scratch stack `bench`), as a client
# pages it: the first page of 50 with Prefer: count=exact, a status filter,
# a kana prefix, and the same paged by the function's own limit/offset.
# One connection, 10 s each, after a 3-second warm-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
api=${BENCH_API:-http://127.0.0.1:3002}
token=$(curl -sf -X POST "$api/rpc/login" -H 'Content-Type: application/json' \
  -d '{"login_id":"bench-doctor","password":"Bench-Pass-2026!","key":"KEY-bench-doctor"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
run() {
  local what=$1 query=$2 body=$3
  echo "[bench] search: $what (POST /rpc/search_forms$query $body)"
  curl -s -o /dev/null -D - -X POST "$api/rpc/search_forms$query" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Prefer: count=exact' -d "$body" | grep -i '^content-range\|^x-total-count' || true
  TOKEN=$token QUERY=$query BODY=$body wrk -t1 -c1 -d3s -s tests/bench/search_forms.lua "$api" >/dev/null
  TOKEN=$token QUERY=$query BODY=$body wrk -t1 -c1 -d10s --latency -s tests/bench/search_forms.lua "$api" |
    grep -E 'Requests/sec|50%|99%'
}
run "first page of every form, with the total" '?limit=50' '{}'
run "a status filter of PostgREST" '?status=eq.draft&limit=50' '{}'
run "a kana prefix every patient has" '?limit=50' '{"patient_kana":"カンジャ"}'
run "the function's own first page (X-Total-Count)" '' '{"limit":50}'
run "the function's own page 100 of drafts" '' '{"status":"draft","limit":50,"offset":4950}'
