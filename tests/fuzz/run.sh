#!/bin/sh
# Run one libFuzzer harness as a make check test: replay every input in
# tests/fuzz/regressions/NAME, then fuzz from the seed corpus in
# tests/fuzz/corpus/NAME for FUZZ_RUNS executions (default 20000) or
# FUZZ_SECONDS seconds (default 60), whichever ends first. New corpus
# entries go to a temporary directory; an input that crashes is saved in
# the build directory as tests/fuzz/NAME-crash-<sha1>, to be added to the
# regressions with the fix.
# Usage: run.sh NAME
set -u
name=$1
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
fuzzer=$top_builddir/tests/fuzz/fuzz_$name
corpus=$top_srcdir/tests/fuzz/corpus/$name
regressions=$top_srcdir/tests/fuzz/regressions/$name

work=$(mktemp -d "${TMPDIR:-/tmp}/dripline-fuzz-$name.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

inputs=$(find "$regressions" -type f 2>/dev/null | sort)
if [ -n "$inputs" ]; then
	echo "replaying $(echo "$inputs" | wc -l) regression inputs"
	# shellcheck disable=SC2086
	"$fuzzer" -artifact_prefix="$work/" $inputs 2>"$work/replay.log" || {
		cat "$work/replay.log"
		echo "FAIL: a regression input of $name crashes again"
		exit 1
	}
fi

"$fuzzer" -runs="${FUZZ_RUNS:-20000}" \
    -max_total_time="${FUZZ_SECONDS:-60}" -max_len=8192 -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$top_builddir/tests/fuzz/$name-" \
    "$work" "$corpus"
