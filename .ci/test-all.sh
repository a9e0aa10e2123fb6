#!/usr/bin/env bash
# Runs every test of nanbyo-db (this is `make test`):
#   lint   cargo fmt --check and cargo clippy -D warnings over the workspace
#          (and the fuzz crate): any finding fails the run
#   core   cargo test of the plain Rust crates (nanbyo-core, nanbyo-check),
#          and the fuzz targets still build (`make fuzz` runs them)
#   pgrx   cargo pgrx test: #[pg_test]s inside a real PostgreSQL 15
#   pgtap  pg_prove tests/sql/*.sql against a scratch cluster with the
#          extension, schema and policies loaded (and pg_cron running)
#   http   pytest tests/http against a real PostgREST on that scratch cluster;
#          PostgREST reaches it over TCP with TLS, sslmode=verify-full and a
#          client certificate (--db-tls, .ci/db-tls.sh: tests/http/test_db_tls.py)
#   edge   pytest tests/edge against nginx in front of that PostgREST, over
#          HTTPS with the stack's self-signed certificate (.ci/edge.sh)
#   contract  schemathesis against that API with its OpenAPI document
#          (GET /rpc/openapi), bounded: a 5xx or an answer that breaks the
#          document fails (.ci/contract-test.sh)
#   examples  the examples of README.md and docs/bulk-xml.md, run as
#          written against a stack with the demo data of `make run`
#   upgrade  the last release with its demo data, upgraded to this checkout:
#          every row kept, the schema equal to the scratch stack's fresh one
#          (.ci/upgrade-test.sh)
#   web    the browser client: Vitest component tests, the API types current,
#          the build, and the Playwright end-to-end run on Debian's Chromium
#          behind nginx with axe on every screen (web/scripts/e2e.sh, on a
#          fresh demo stack of its own)
# Every runner runs even if an earlier one failed; a summary line per runner
# closes the output, and the exit code is non-zero if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"

TEST_NAME=test
TEST_PG_PORT=${TEST_PG_PORT:-54339}
TEST_API_PORT=${TEST_API_PORT:-3001}
TEST_HTTPS_PORT=${TEST_HTTPS_PORT:-8453}
TEST_HTTP_PORT=${TEST_HTTP_PORT:-8083}
TEST_DIR=$RUN_DIR/$TEST_NAME
PGRX_TEST_DIR=$RUN_DIR/pgrx-test

declare -a names results
record() { names+=("$1"); results+=("$2"); }
run_step() {
  local name=$1; shift
  printf '\n===== %s: %s =====\n' "$name" "$*"
  if "$@"; then record "$name" passed; else record "$name" FAILED; fi
}

lint() {
  cargo fmt --all --check &&
    cargo clippy --locked --workspace --all-targets --quiet -- -D warnings &&
    cargo clippy --locked --quiet --manifest-path extension/core/fuzz/Cargo.toml --bins -- -D warnings
}
run_step lint lint

core_tests() {
  cargo test --locked -p nanbyo-core -p nanbyo-check &&
    cargo check --locked --quiet --manifest-path extension/core/fuzz/Cargo.toml --bins
}
run_step core core_tests

mkdir -p "$PGRX_TEST_DIR"
[ "$(id -u)" = 0 ] && chown postgres:postgres "$PGRX_TEST_DIR"
run_step pgrx env CARGO_PGRX_TEST_RUNAS=postgres CARGO_PGRX_TEST_PGDATA="$PGRX_TEST_DIR/data" \
  cargo pgrx test pg15 --package nanbyo

# `cargo pgrx test` installed a test build of the extension: install the real
# one, then bring up a scratch stack from an empty cluster.
integration_up() {
  install_extension >/dev/null &&
    .ci/stack.sh up "$TEST_NAME" "$TEST_PG_PORT" "$TEST_API_PORT" --fresh \
      --edge="$TEST_HTTPS_PORT,$TEST_HTTP_PORT" --db-tls &&
    .ci/cluster.sh psql "$TEST_DIR" "$TEST_PG_PORT" -qc 'CREATE EXTENSION IF NOT EXISTS pgtap'
}
trap '.ci/stack.sh down "$TEST_NAME" >/dev/null 2>&1; .ci/stack.sh down examples >/dev/null 2>&1' EXIT
printf '\n===== setup: scratch stack in .run/%s =====\n' "$TEST_NAME"
if integration_up; then
  # pg_prove reports "NOTESTS" yet exits 0 on an empty list: name the files.
  run_step pgtap pg_prove --ext .sql -h "$TEST_DIR" -p "$TEST_PG_PORT" -U postgres -d "$DB_NAME" \
    tests/sql/*_test.sql
  run_step http env NANBYO_API_URL="http://127.0.0.1:$TEST_API_PORT" NANBYO_DB_TLS=required \
    NANBYO_CLUSTER_SCRIPT="$root/.ci/cluster.sh" NANBYO_RUN_DIR="$TEST_DIR" \
    NANBYO_PG_PORT="$TEST_PG_PORT" "$VENV_DIR/bin/pytest" -q tests/http
  run_step edge env NANBYO_EDGE_URL="https://127.0.0.1:$TEST_HTTPS_PORT" \
    NANBYO_EDGE_HTTP_URL="http://127.0.0.1:$TEST_HTTP_PORT" NANBYO_EDGE_CA="$TEST_DIR/tls/cert.pem" \
    NANBYO_API_URL="http://127.0.0.1:$TEST_API_PORT" \
    NANBYO_CLUSTER_SCRIPT="$root/.ci/cluster.sh" NANBYO_RUN_DIR="$TEST_DIR" \
    NANBYO_PG_PORT="$TEST_PG_PORT" "$VENV_DIR/bin/pytest" -q tests/edge
  run_step contract .ci/contract-test.sh "http://127.0.0.1:$TEST_API_PORT" "$TEST_DIR" "$TEST_PG_PORT"
  run_step upgrade .ci/upgrade-test.sh -h "$TEST_DIR" -p "$TEST_PG_PORT" -U postgres -d "$DB_NAME"
else
  echo "the scratch stack did not start: see .run/$TEST_NAME/*.log" >&2
  record pgtap "FAILED (not run: the scratch stack did not start)"
  record http "FAILED (not run: the scratch stack did not start)"
  record edge "FAILED (not run: the scratch stack did not start)"
  record contract "FAILED (not run: the scratch stack did not start)"
  record upgrade "FAILED (not run: the scratch stack did not start)"
fi
.ci/stack.sh down "$TEST_NAME"

# The README's examples, on a stack as `make run` makes it (demo data).
EXAMPLES_PG_PORT=${EXAMPLES_PG_PORT:-54359}
EXAMPLES_API_PORT=${EXAMPLES_API_PORT:-3002}
examples() {
  .ci/stack.sh up examples "$EXAMPLES_PG_PORT" "$EXAMPLES_API_PORT" --demo --fresh >/dev/null &&
    env NANBYO_API_URL="http://127.0.0.1:$EXAMPLES_API_PORT" NANBYO_CLUSTER_SCRIPT="$root/.ci/cluster.sh" \
      NANBYO_RUN_DIR="$RUN_DIR/examples" NANBYO_PG_PORT="$EXAMPLES_PG_PORT" "$VENV_DIR/bin/pytest" -q tests/examples
  local rc=$?
  .ci/stack.sh down examples >/dev/null 2>&1
  return $rc
}
run_step examples examples

# The browser client, end to end in a real browser (its own demo stack).
run_step web bash web/scripts/e2e.sh

printf '\n===== summary =====\n'
passed=0 failed=0
for i in "${!names[@]}"; do
  printf '%-8s %s\n' "${names[$i]}" "${results[$i]}"
  if [ "${results[$i]}" = passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
