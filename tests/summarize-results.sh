#!/usr/bin/env bash
# Sums the counters of every TRX file under $1 and prints one closing line ("N passed, N failed, N skipped"),
# listing each skipped test with its reason so a skip is never mistaken for a pass.
set -euo pipefail
dir=${1:?usage: summarize-results.sh RESULTS_DIR}
passed=0 failed=0 skipped=0
shopt -s nullglob
files=("$dir"/*.trx)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test results found in $dir" >&2
  exit 1
fi
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f")
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed)))
  # The VSTest TRX logger leaves <Counters notExecuted> at 0 for xunit's skipped tests: count the results themselves.
  skips=$(grep -o '<UnitTestResult [^>]*outcome="NotExecuted"[^>]*>' "$f" || true)
  if [ -n "$skips" ]; then
    skipped=$((skipped + $(wc -l <<<"$skips")))
    sed -n 's/.*testName="\([^"]*\)".*/SKIPPED: \1/p' <<<"$skips"
  fi
done
if [ "$skipped" -gt 0 ]; then
  echo "(skip reasons are in the console output above and in $dir/*.trx)"
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
