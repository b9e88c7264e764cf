#!/bin/sh
# Install what is missing, build in _build/, and run every test: the
# Check unit tests and the integration tests through real web servers
# (none may skip), the unit tests under valgrind, then make distcheck.
# Then build everything again in _build-asan/ with clang,
# AddressSanitizer, UndefinedBehaviorSanitizer and the libFuzzer
# harnesses, and run the whole suite there, where any sanitizer report
# fails the run. This is what CI runs.
set -eu
cd "$(dirname "$0")/.."

# clang brings libFuzzer and the sanitizer runtimes.
scripts/deps.sh clang libclang-rt-dev valgrind
[ -x configure ] || autoreconf -fi

# The OpenAI Node SDK for the client tests, at the version the lock file
# pins. The tests find it through DRIPLINE_NODE_MODULES, also when make
# distcheck runs them from an unpacked tarball.
(cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error)
DRIPLINE_NODE_MODULES=$(pwd)/tests/sdk/node_modules
export DRIPLINE_NODE_MODULES
export DRIPLINE_REQUIRE_SERVERS=1

mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --quiet
make -j2
if ! make -j2 check; then
	cat test-suite.log
	exit 1
fi
make check-valgrind
make -j2 distcheck
cd ..

# Programs the web servers spawn inherit these options, and their reports
# go to files, so a report that no test sees still fails the run. A
# process killed with SIGKILL leaves no leak report, and needs none.
mkdir -p _build-asan
cd _build-asan
[ -f Makefile ] ||
    ../configure --quiet CC=clang --enable-sanitizers --enable-fuzzers
make -j2
reports=$(pwd)/sanitizer-reports
rm -rf "$reports"
mkdir "$reports"
ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$reports/asan
UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan
export ASAN_OPTIONS UBSAN_OPTIONS
if ! make -j2 check; then
	cat test-suite.log
	exit 1
fi
if [ -n "$(ls -A "$reports")" ]; then
	cat "$reports"/*
	echo "sanitizer reports in $reports"
	exit 1
fi
echo "all tests passed"
