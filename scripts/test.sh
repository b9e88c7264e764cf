#!/bin/sh
# Install what is missing, build in _build/, and run every test: the
# Check unit tests and the integration tests through a real lighttpd
# (none may skip), then make distcheck. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -x configure ] || autoreconf -fi

# The OpenAI Node SDK for the client tests, at the version the lock file
# pins. The tests find it through DRIPLINE_NODE_MODULES, also when make
# distcheck runs them from an unpacked tarball.
(cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
DRIPLINE_NODE_MODULES=$(pwd)/tests/sdk/node_modules
export DRIPLINE_NODE_MODULES

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
