#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each (default 2m) and prints a
# summary table: package, target, executions, new corpus entries, result.
#
#   scripts/fuzz-all.sh [FUZZTIME]        e.g. scripts/fuzz-all.sh 30s
#   FUZZ_MATCH=MCS scripts/fuzz-all.sh    only targets whose name matches the regexp
#   FUZZ_PARALLEL=2 scripts/fuzz-all.sh   fuzzing workers per target (default: go test's, GOMAXPROCS)
#
# Targets are found in every package of the module (go list ./...), in every *_test.go file. A
# failing target does not stop the others; the exit status is 1 if any failed. A failure leaves
# its input in the package's testdata/fuzz/<FuzzName>/ — commit it with the fix as a regression seed.
set -uo pipefail
t=${1:-2m}
match=${FUZZ_MATCH:-.}
par=()
[ -n "${FUZZ_PARALLEL:-}" ] && par=(-parallel "$FUZZ_PARALLEL")
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
summary=()
failed=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    [[ "$f" =~ $match ]] || continue
    echo "== $pkg $f ($t)"
    start=$(date +%s)
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "${par[@]}" "$pkg" >"$log" 2>&1
    status=$?
    grep -v '^fuzz: elapsed' "$log"
    execs=$(grep -o 'execs: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    news=$(grep -o 'new interesting: [0-9]*' "$log" | tail -1 | cut -d' ' -f3)
    result=ok
    if [ "$status" -ne 0 ]; then result=FAIL; failed=1; fi
    summary+=("$(printf '%-45s %-24s %10s %6s %5ss %s' "${pkg#github.com/pushspec/pushspec/}" "$f" "${execs:-0}" "${news:-0}" "$(( $(date +%s) - start ))" "$result")")
  done
done
echo
printf '%-45s %-24s %10s %6s %6s %s\n' package target execs new time result
printf '%s\n' "${summary[@]}"
exit $failed
