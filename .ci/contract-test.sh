#!/usr/bin/env bash
# The contract test (part of `make test`, #17 item 7): schemathesis against
# a running API with its own OpenAPI document (GET /rpc/openapi), bounded to
# calls that change nothing a later test could see (the public calls, and a
# new doctor's reads, exports and dry runs: audit entries only; the postal-code lookup) and to a few
# examples each (about 30 s). A 5xx, a status or content type the document
# does not list, or an answer that breaks its schema fails the run. The seed is fixed so that a failure can be
# reproduced (NANBYO_CONTRACT_SEED picks another).
#   contract-test.sh API_URL RUN_DIR PG_PORT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
api=$1 run_dir=$2 pg_port=$3
# schemathesis keeps a cache of past failures (replayed on the next run) in
# its working directory: each run starts without one
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
st=$SCHEMATHESIS_DIR/bin/schemathesis
common=(run "$api/rpc/openapi" --url "$api" --no-color --workers 2
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing --max-examples "${NANBYO_CONTRACT_EXAMPLES:-10}"
  --seed "${NANBYO_CONTRACT_SEED:-20261207}" --generation-database none)

echo "[contract] without a JWT: the public calls"
"$st" "${common[@]}" --include-path-regex '^/rpc/(health|openapi|login)$'

echo "[contract] as a doctor of a new hospital (a patient, a draft): reads"
token=$(NANBYO_API_URL=$api NANBYO_CLUSTER_SCRIPT=$root/.ci/cluster.sh NANBYO_RUN_DIR=$run_dir \
  NANBYO_PG_PORT=$pg_port "$VENV_DIR/bin/python" "$root/tests/contract/doctor_token.py")
"$st" "${common[@]}" -H "Authorization: Bearer $token" \
  --include-path-regex '^/rpc/(whoami|lookup_postal_code|data_dictionary|search_forms|search_patients|get_form|get_patient|list_accounts|list_api_tokens|check_forms_xml|export_forms|export_forms_xml|fetch_form_by_key|print_form|print_form_masked)$|^/(organisations|form_versions)$'
