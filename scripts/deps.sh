#!/bin/sh
# Install the Debian packages Dripline needs to build, test and run the
# demo, skipping those already installed. Needs root (apt-get).
# Usage: scripts/deps.sh [EXTRA-PACKAGE...]
set -eu

packages="build-essential autoconf automake pkg-config
	libfcgi-dev libsqlite3-dev libjson-c-dev libssl-dev check
	lighttpd lighttpd-modules-lua nginx-light sqlite3 curl python3 procps systemd
	$*"

# Node.js runs the OpenAI SDK tests; the machine may have its own.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
    packages="$packages nodejs npm"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root to install" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
