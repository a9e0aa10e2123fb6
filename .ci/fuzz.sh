#!/usr/bin/env bash
# Fuzzing (issue #6; this is `make fuzz`): runs each fuzz target of
# extension/core/fuzz for SECONDS (default 600) with cargo-fuzz and prints
# libFuzzer's last status line. A crash or hang stops the run with the input
# saved under extension/core/fuzz/artifacts/<target>/.
#
# cargo-fuzz builds with sanitizer flags (-Z) that only nightly accepts;
# RUSTC_BOOTSTRAP=1 lets this machine's stable rustc take them (the one
# toolchain we have), with AddressSanitizer on.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${1:-600}
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else targets=(xml_reader judge); fi
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz --version 0.13.2
cd "$root/extension/core"
export RUSTC_BOOTSTRAP=1
started=$(mktemp)
trap 'rm -f "$started"' EXIT
for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  mkdir -p "$corpus" "fuzz/artifacts/$target"
  case $target in
    xml_reader) extra=("$root/docs/bulk-xml/examples") args=(-dict=fuzz/xml.dict -max_len=65536) ;;
    *) extra=() args=(-max_len=4096) ;;
  esac
  echo "[fuzz] $target for $seconds s"
  cargo fuzz run -O "$target" "$corpus" "${extra[@]}" -- "${args[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
    grep -E '^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|DONE|ERROR|panicked|SUMMARY' || true
  # cargo-fuzz exits non-zero on a crash; grep hides it, so look again
  if [ -n "$(find "fuzz/artifacts/$target" -type f -newer "$started")" ]; then
    echo "[fuzz] $target: found a problem, see extension/core/fuzz/artifacts/$target/" >&2
    exit 1
  fi
done
