#!/usr/bin/env bash
# Times a full `make run` and prints where the time went: installing/checking the dependencies,
# building pushspec, then from the ginkgo JSON report (reports/out/raw/ginkgo.json) each suite's
# gap before it, set-up (BeforeSuite: browser launch and push-client ready times), specs and
# tear-down, and the slowest specs.
#
#   scripts/bench-run.sh                       # the whole `make run`
#   scripts/bench-run.sh ./specs/pushservice   # only some suites (arguments go to pushspec run)
#   scripts/bench-run.sh --from reports/out/raw/ginkgo.json   # only the breakdown of an earlier run
#
# REPORT_DIR (default reports/out) is where the report goes, as for `make run`. The run's own
# exit status (1 when a target broke a rule) does not stop the breakdown; the script exits with it.
set -uo pipefail
cd "$(dirname "$0")/.."
REPORT_DIR="${REPORT_DIR:-$PWD/reports/out}"

machine() {
	local cpu
	cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
	echo "machine: cpu: ${cpu:-unknown}; cores: $(nproc); $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}
now() { date -u +%Y-%m-%dT%H:%M:%S.%NZ; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }

if [[ "${1:-}" == "--from" ]]; then
	machine
	exec go run ./bench/cmd/run-breakdown "${2:?usage: bench-run.sh --from ginkgo.json}"
fi

machine
t0=$(date +%s.%N)
make -s deps || exit 2
t1=$(date +%s.%N)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/pushspec" ./cmd/pushspec || exit 2
t2=$(date +%s.%N)
# What the Makefile exports for `make run` (the driver, node, the npm tools).
export PLAYWRIGHT_DRIVER_PATH="$PWD/.cache/playwright-driver"
export PLAYWRIGHT_NODEJS_PATH="$(command -v node)"
export PUSHSPEC_NPM_BIN="$PWD/.cache/npm/node_modules/.bin"
export PATH="$PWD/.cache/bin:$PATH"
start=$(now)
"$tmp/pushspec" run --report-dir "$REPORT_DIR" "$@" >"$tmp/run.log" 2>&1
code=$?
end=$(now)
t3=$(date +%s.%N)
tail -n 4 "$tmp/run.log"
echo
echo "make run, wall time: $(secs "$t0" "$t3") (exit status $code)"
echo "  make deps (check/install)                          $(secs "$t0" "$t1")"
echo "  go build ./cmd/pushspec                            $(secs "$t1" "$t2")"
go run ./bench/cmd/run-breakdown -start "$start" -end "$end" "$REPORT_DIR/raw/ginkgo.json" | sed 's/^./  &/'
machine
exit $code
