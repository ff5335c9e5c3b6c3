#!/usr/bin/env bash
# Runs the sender suite once per npm Web Push library in examples/senders (each through its
# small adapter, as PUSHSPEC_SENDER_CMD), then merges the runs into one report whose columns are
# the libraries: which library conforms, and where not, with the evidence.
#
#   scripts/try-senders.sh                    # every adapter in examples/senders
#   scripts/try-senders.sh web-push pushforge # only these
#
# The libraries install from the npm registry into .cache/example-senders (versions pinned in
# examples/senders/package.json). Reports: reports/senders/<library>/ and the merged
# reports/senders/all/index.html. Needs what `make run` needs (`make deps`).
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
dir="$root/.cache/example-senders"
out="$root/reports/senders"
mkdir -p "$dir" "$out"
cp examples/senders/package.json examples/senders/*.mjs "$dir/"
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error) || exit 2

export PLAYWRIGHT_DRIVER_PATH="$root/.cache/playwright-driver"
export PLAYWRIGHT_NODEJS_PATH="$(command -v node)"
export PUSHSPEC_NPM_BIN="$root/.cache/npm/node_modules/.bin"
export PATH="$root/.cache/bin:$PATH"

# adapter → the npm package it drives (the report names the sender after the package).
declare -A package=([web-push]=web-push [block65]=@block65/webcrypto-web-push
	[pushforge]=@pushforge/builder [webpush-webcrypto]=webpush-webcrypto)

libs=("$@")
if [[ ${#libs[@]} -eq 0 ]]; then
	for f in examples/senders/*.mjs; do
		[[ "$(basename "$f")" == common.mjs ]] || libs+=("$(basename "$f" .mjs)")
	done
fi

go build -o "$out/pushspec" ./cmd/pushspec || exit 2
ins=()
for lib in "${libs[@]}"; do
	pkg="${package[$lib]:-$lib}"
	version="$(node -p "require('$dir/node_modules/$pkg/package.json').version" 2>/dev/null)"
	echo "== $pkg ${version} =="
	# NODE_EXTRA_CA_CERTS is read only when node starts: set on the command line, from the CA
	# file pushspec hands the command.
	PUSHSPEC_SENDER=cmd \
		PUSHSPEC_SENDER_NAME="$pkg" PUSHSPEC_SENDER_VERSION="$version" \
		PUSHSPEC_SENDER_CMD="NODE_EXTRA_CA_CERTS=\"\$PUSHSPEC_SEND_CA_FILE\" node $dir/$lib.mjs" \
		"$out/pushspec" run --report-dir "$out/$lib" ./specs/sender >"$out/$lib.log" 2>&1
	tail -n 2 "$out/$lib.log"
	[[ -f "$out/$lib/results.json" ]] && ins+=(--in "$out/$lib/results.json")
done
[[ ${#ins[@]} -gt 0 ]] || exit 2
"$out/pushspec" report "${ins[@]}" --out "$out/all"
