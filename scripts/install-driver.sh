#!/usr/bin/env bash
# Builds the playwright-go driver directory from the npm package playwright-core and the system node.
# playwright-go expects <dir>/package/cli.js; PLAYWRIGHT_NODEJS_PATH (set by the Makefile) selects node.
set -euo pipefail
dir=$1 version=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "playwright-core@$version" >/dev/null)
rm -rf "$dir/package"
mkdir -p "$dir"
tar -xzf "$tmp"/playwright-core-"$version".tgz -C "$dir"
ln -sf "$(command -v node)" "$dir/node"
got=$(node "$dir/package/cli.js" --version)
case "$got" in
  *"$version"*) echo "playwright driver: $got in $dir" ;;
  *) echo "playwright driver: expected $version, got $got" >&2; exit 1 ;;
esac
