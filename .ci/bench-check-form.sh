#!/usr/bin/env bash
# The live-check benchmark of BENCHMARKS.md (issue #18): 20 doctors typing
# the largest form (SLE, N049) with a check_form round trip after each item,
# through nginx over HTTPS (tests/bench/typists.py), on the scratch stack
# `bench` with its edge (.ci/bench.sh starts it). 30 s after a 5 s warm-up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
edge=${BENCH_EDGE:-https://127.0.0.1:8444}
ca=${BENCH_EDGE_CA:-$RUN_DIR/bench/tls/cert.pem}
port=${BENCH_PG_PORT:-54349}
token=$(curl -sf --cacert "$ca" -X POST "$edge/api/rpc/login" -H 'Content-Type: application/json' \
  -d '{"login_id":"bench-doctor","password":"Bench-Pass-2026!","key":"KEY-bench-doctor"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
form_version=$(.ci/cluster.sh psql "$RUN_DIR/bench" "$port" -Atc \
  "SELECT id FROM app.form_versions WHERE disease_code = 'N049' ORDER BY effective_from DESC LIMIT 1")
typists() {
  "$VENV_DIR/bin/python" tests/bench/typists.py --url "$edge/api" --cafile "$ca" --token "$token" \
    --form-version-id "$form_version" --typists 20 "$@"
}
typists --seconds 5 >/dev/null
echo "[bench] check_form through nginx (HTTPS), 20 typists on the SLE form:"
typists --seconds 30
