#!/usr/bin/env bash
# Runs every test: unit (ctest), integration and e2e suites. Prints one
# closing line "N passed, N failed, N skipped" that CI reads.
set -uo pipefail
BUILD=${1:-build}
cd "$(dirname "$0")/.."
ROOT=$PWD
pass=0; fail=0; skip=0
failed=()

run_suite() {  # name command...: a script counts as one test
  local name=$1; shift
  echo "=== $name"
  "$@"; local rc=$?
  if [ $rc -eq 0 ]; then pass=$((pass+1));
  elif [ $rc -eq 77 ]; then skip=$((skip+1)); echo "--- $name skipped";
  else fail=$((fail+1)); failed+=("$name"); fi
}

# Unit and in-process integration tests (GoogleTest via CTest); every test counts.
echo "=== ctest"
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 600 2>&1 | tee "$BUILD/ctest.log"
ctest_rc=${PIPESTATUS[0]}
summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$BUILD/ctest.log" | tail -1)
if [ -n "$summary" ]; then
  total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
  nfail=$(echo "$summary" | sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/')
  nskip=$(grep -cE "\*\*\*Skipped|Not Run" "$BUILD/ctest.log")
  pass=$((pass + total - nfail - nskip)); fail=$((fail + nfail)); skip=$((skip + nskip))
  [ "$nfail" -gt 0 ] && failed+=("ctest")
elif [ "$ctest_rc" -ne 0 ]; then
  fail=$((fail + 1)); failed+=("ctest")
fi
for t in tests/integration/*_test.sh tests/e2e/*_test.sh; do
  [ -e "$t" ] || continue
  run_suite "$(basename "$t" .sh)" bash "$t" "$ROOT/$BUILD"
done

echo
[ ${#failed[@]} -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
