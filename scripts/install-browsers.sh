#!/usr/bin/env bash
# Installs Debian's chromium and firefox-esr when missing. Idempotent: does nothing when both exist.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/firefox-esr ] || missing+=(firefox-esr)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "installing ${missing[*]} (apt-get)"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
/usr/bin/chromium --version 2>/dev/null | grep -v '^\[' || true
/usr/bin/firefox-esr --version || true
