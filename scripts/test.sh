#!/bin/sh
# Install what is missing, build in _build/, and run every test: the
# Check unit tests and the integration tests through a real lighttpd
# (none may skip), then make distcheck. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -x configure ] || autoreconf -fi

mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --quiet
make -j2

export DRIPLINE_REQUIRE_SERVERS=1
if ! make -j2 check; then
	cat test-suite.log
	exit 1
fi
make -j2 distcheck
echo "all tests passed"
