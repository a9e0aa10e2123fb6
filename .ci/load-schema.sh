#!/usr/bin/env bash
# Loads the application schema into the database $DB_NAME of a local cluster:
# sql/*.sql, then policies/*.sql (then sql/demo/*.sql with --demo), in file-name
# order, in ONE transaction: either everything loads or nothing does.
#
#   load-schema.sh DIR PORT [--demo]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
dir=${1:?usage: load-schema.sh DIR PORT [--demo]}
port=${2:?missing PORT}
demo=${3:-}

files=("$root"/sql/*.sql "$root"/policies/*.sql)
if [ "$demo" = --demo ]; then
  shopt -s nullglob
  files+=("$root"/sql/demo/*.sql)
fi
args=()
for f in "${files[@]}"; do args+=(-f "$f"); done
PGOPTIONS="-c client_min_messages=warning" \
  "$root/.ci/cluster.sh" psql "$dir" "$port" -q --single-transaction "${args[@]}"
# Tell a running PostgREST to reload its schema cache.
"$root/.ci/cluster.sh" psql "$dir" "$port" -q -c "NOTIFY pgrst, 'reload schema'"
