#!/usr/bin/env bash
# `make bench`: pushspec's benchmarks, each phase headed by the machine's description (CPU model,
# cores, Go version, load average), the whole output also saved to $BENCH_OUT.
#
#   1 codec     webpush: encrypt/decrypt 100 B, 1 KiB, 3993 B, webpush-go, VAPID sign/verify/cache
#   2 service   fakepushservice BenchmarkPushAccept, then bench BenchmarkPushAccept: pushspec vs
#               web-push-testing 1.2.2 under the same load (1/16/64 senders), ratio, lost, p50/p99
#   3 e2e       bench BenchmarkPushToServiceWorker: POST → service-worker report, per browser, $E2E_PUSHES pushes
#   4 other     every other package's benchmarks (the browser engineers' latency benchmarks)
#   5 run       the wall time of a full `make run`, broken down (scripts/bench-run.sh; about 2 minutes),
#               its report in reports/out/bench-run/
#
# Environment: BENCH_PHASES (default "codec service e2e other run"), BENCH_COUNT (-count, default 1),
# PUSH_BENCHTIME (default 1s), PUSH_GEN_PROCS (the phase-2 load generator's GOMAXPROCS, default 1),
# E2E_PUSHES (default 200), BENCH_OUT (default reports/out/bench.txt).
# Exits non-zero when any phase failed (a lost message fails its benchmark), after running them all.
set -uo pipefail
cd "$(dirname "$0")/.."
PHASES="${BENCH_PHASES:-codec service e2e other run}"
COUNT="${BENCH_COUNT:-1}"
PUSH_BENCHTIME="${PUSH_BENCHTIME:-1s}"
E2E_PUSHES="${E2E_PUSHES:-200}"
OUT="${BENCH_OUT:-reports/out/bench.txt}"
mkdir -p "$(dirname "$OUT")"
exec > >(tee "$OUT") 2>&1

machine() {
	local cpu
	cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
	echo "machine: cpu: ${cpu:-unknown}; cores: $(nproc); $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

failed=()
phase() { # name, then the go test arguments
	local name="$1"
	shift
	echo
	echo "== $name ($(date -u +%FT%TZ))"
	machine
	go test -run '^$' -benchmem -count="$COUNT" "$@" || failed+=("$name")
}

echo "pushspec benchmarks, $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%FT%TZ)"
for p in $PHASES; do
	case "$p" in
	codec)
		phase "1 codec: webpush" -bench . ./webpush ;;
	service)
		phase "2a push service alone: fakepushservice" -bench . ./fakepushservice
		phase "2b push service vs web-push-testing: bench" -bench 'PushAccept' -benchtime "$PUSH_BENCHTIME" -timeout 20m ./bench ;;
	e2e)
		phase "3 end to end: bench" -bench 'PushToServiceWorker' -benchtime "${E2E_PUSHES}x" -timeout 30m ./bench ;;
	other)
		covered="webpush fakepushservice bench"
		pkgs=()
		for pkg in $(go list ./...); do
			rel="${pkg#github.com/pushspec/pushspec}"
			rel="${rel#/}"
			[[ " $covered " == *" $rel "* ]] && continue
			dir=$(go list -f '{{.Dir}}' "$pkg")
			grep -qs '^func Benchmark' "$dir"/*_test.go && pkgs+=("./$rel")
		done
		if ((${#pkgs[@]})); then
			phase "4 other benchmarks: ${pkgs[*]}" -bench . -timeout 30m "${pkgs[@]}"
		fi ;;
	run)
		echo
		echo "== 5 wall time of a full make run ($(date -u +%FT%TZ))"
		REPORT_DIR="$PWD/reports/out/bench-run" scripts/bench-run.sh || failed+=("run") ;;
	*)
		echo "unknown phase $p (want codec, service, e2e, other, run)"
		failed+=("$p") ;;
	esac
done
echo
echo "== done ($(date -u +%FT%TZ))"
machine
echo "output saved in $OUT"
if ((${#failed[@]})); then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
