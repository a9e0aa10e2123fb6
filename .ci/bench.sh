#!/usr/bin/env bash
# The benchmarks of BENCHMARKS.md (this is `make bench`): the core's judge
# benchmark, then the SQL-level throughput on a scratch stack. Figures are
# printed, never asserted: run on an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/.ci/config.sh"
cd "$root"
cargo bench -p nanbyo-core --bench judge
install_extension >/dev/null
trap '.ci/stack.sh down bench >/dev/null 2>&1' EXIT
.ci/stack.sh up bench 54349 3002 --fresh --edge=8444,8081
.ci/cluster.sh psql "$RUN_DIR/bench" 54349 -q -f tests/bench/judge_throughput.sql
.ci/bench-forms.sh
.ci/bench-search.sh
.ci/bench-check-form.sh
.ci/bench-lookup-cost.sh
.ci/bench-bulk.sh
