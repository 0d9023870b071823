#!/usr/bin/env bash
# Runs every test: unit (ctest), integration and e2e suites. Prints one
# closing line "N passed, N failed, N skipped" that CI reads.
set -uo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ROOT=$PWD
pass=0; fail=0; skip=0
failed=()

run_suite() {  # name command...
  local name=$1; shift
  echo "=== $name"
  "$@"; local rc=$?
  if [ $rc -eq 0 ]; then pass=$((pass+1));
  elif [ $rc -eq 77 ]; then skip=$((skip+1)); echo "--- $name skipped";
  else fail=$((fail+1)); failed+=("$name"); fi
}

run_suite unit ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 600
for t in tests/integration/*_test.sh tests/e2e/*_test.sh; do
  [ -e "$t" ] || continue
  run_suite "$(basename "$t" .sh)" bash "$t" "$ROOT/$BUILD"
done

echo
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
