#!/usr/bin/env bash
# The contract test (part of `make test`, #17 item 7): schemathesis against
# a running API with its own OpenAPI document (GET /rpc/openapi), bounded to
# calls that change nothing a later test could see (the public calls; the
# reads, exports and dry runs of a doctor, a hospital admin, a
# municipality's staff member and an operator of a new world; the doctor's
# writes, which land in that world only) and to a few examples each (about
# a minute). A 5xx, a status or content type the document does not list, or
# an answer that breaks its schema fails the run. The seed is fixed so that
# a failure can be reproduced (NANBYO_CONTRACT_SEED picks another).
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
# (one worker per run, two runs at a time: schemathesis's threads trip over
# CPython 3.11's ast.parse, "AST constructor recursion depth mismatch",
# python/cpython#106905; processes do not)
common=(run "$api/rpc/openapi" --url "$api" --no-color --workers 1
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
  --phases examples,coverage,fuzzing --max-examples "${NANBYO_CONTRACT_EXAMPLES:-10}"
  --seed "${NANBYO_CONTRACT_SEED:-20261207}" --generation-database none)

# one token per role, made in a new world (tests/contract/tokens.py)
declare -A token
while read -r role jwt; do token[$role]=$jwt; done < <(
  NANBYO_API_URL=$api NANBYO_CLUSTER_SCRIPT=$root/.ci/cluster.sh NANBYO_RUN_DIR=$run_dir \
    NANBYO_PG_PORT=$pg_port "$VENV_DIR/bin/python" "$root/tests/contract/tokens.py")
[[ ${#token[@]} -eq 4 ]] || { echo "[contract] tests/contract/tokens.py gave ${#token[@]} tokens, not 4" >&2; exit 1; }

# who: what it calls (doctor_writes: as the doctor, never logout or a password change)
runs=(public doctor doctor_writes hospital_admin municipality_staff operator_staff)
declare -A calls=(
  [public]='^/rpc/(health|openapi|vocabulary|login)$'
  [doctor]='^/rpc/(whoami|lookup_postal_code|form_layout|check_form|data_dictionary|search_forms|search_patients|get_form|get_patient|list_accounts|list_api_tokens|check_forms_xml|export_forms|export_forms_xml|fetch_form_by_key|print_form|print_form_masked)$|^/(organisations|form_versions)$'
  [doctor_writes]='^/rpc/(register_patient|update_patient|create_form|save_form|comment_on_form|confirm_form|issue_access_key|carry_over_form|import_forms_xml|create_api_token|revoke_api_token)$'
  [hospital_admin]='^/rpc/(whoami|list_accounts|list_api_tokens)$|^/(organisations|secondary_hospitals)$'
  [municipality_staff]='^/rpc/(whoami|search_forms|get_form|list_accounts|print_form_masked)$|^/(organisations|form_versions)$'
  [operator_staff]='^/rpc/(whoami|search_forms|get_form|search_patients|export_forms|search_audit_log|list_accounts)$|^/(organisations|monitoring_flags)$'
)
for who in "${runs[@]}"; do
  auth=()
  [[ $who == public ]] || auth=(-H "Authorization: Bearer ${token[${who%_writes}]}")
  # (a failing run must not end this script under `set -e`: its status goes
  # to a file and every log is printed below)
  ( rc=0; "$st" "${common[@]}" "${auth[@]}" --include-path-regex "${calls[$who]}" >"$work/$who.log" 2>&1 || rc=$?
    echo $rc >"$work/$who.rc" ) &
  (( $(jobs -rp | wc -l) < 2 )) || wait -n || true
done
wait || true
status=0
for who in "${runs[@]}"; do
  echo "[contract] $who"
  cat "$work/$who.log"
  [[ $(cat "$work/$who.rc") == 0 ]] || { echo "[contract] $who: FAILED"; status=1; }
done
exit $status
