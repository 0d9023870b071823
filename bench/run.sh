#!/usr/bin/env bash
# Runs every available benchmark (`make bench` calls `bash bench/run.sh <build>`).
# One entry per bench, in this order; an entry whose tools or binaries are
# missing reports itself skipped (exit 77) and the rest still run.
# Prints one closing line "benches: N ran, N skipped, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ran=0; skipped=0; failed=0; failed_names=()

run_bench() {  # name command...
  local name=$1; shift
  echo "=== bench $name"
  "$@"; local rc=$?
  if [ $rc -eq 0 ]; then ran=$((ran + 1))
  elif [ $rc -eq 77 ]; then skipped=$((skipped + 1)); echo "--- bench $name skipped"
  else failed=$((failed + 1)); failed_names+=("$name"); echo "--- bench $name failed (rc=$rc)"; fi
}

# 1. Gateway vs nginx (docs/benchmarks.md, "Gateway vs nginx").
run_bench proxy bash bench/proxy/run.sh "$BUILD"

# 2. Every other bench folder that has its own run.sh (it owns its arguments).
declare -A covered=([proxy]=1)
for script in bench/*/run.sh; do
  [ -e "$script" ] || continue
  dir=$(basename "$(dirname "$script")")
  [ -n "${covered[$dir]:-}" ] && continue
  covered[$dir]=1
  run_bench "$dir" bash "$script" "$BUILD"
done

# 3. bench_* executables of folders without a run.sh (Google Benchmark flags).
if [ -d "$BUILD/bench" ]; then
  while IFS= read -r exe; do
    dir=$(basename "$(dirname "$exe")")
    [ -n "${covered[$dir]:-}" ] && continue
    run_bench "$(basename "$exe")" "$exe" --benchmark_min_time=0.2
  done < <(find "$BUILD/bench" -mindepth 2 -maxdepth 2 -type f -name 'bench_*' -perm -u+x | sort)
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed benches: ${failed_names[*]}"
echo "benches: $ran ran, $skipped skipped, $failed failed"
[ $failed -eq 0 ]
