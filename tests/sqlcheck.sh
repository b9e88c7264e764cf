#!/bin/bash
# Every SQL statement the programs run is literal text, so values reach
# SQLite only as bound parameters. tests/sqlcheck.py must find nothing in
# the C sources and the generated migrations. In a sample that builds SQL
# at run time it must find each of the five ways, and accept the one
# literal use of a macro.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
check=$top_srcdir/tests/sqlcheck.py
failed=0

mapfile -t sources < <(find "$top_srcdir"/common "$top_srcdir"/db \
    "$top_srcdir"/admin "$top_srcdir"/ctl "$top_srcdir"/authorizer \
    \( -name '*.c' -o -name '*.h' \) ! -name migrations.c | sort)
sources+=("$top_builddir/db/migrations.c")
if python3 "$check" "${sources[@]}"; then
	echo "ok - ${#sources[@]} source files run only literal SQL"
else
	echo "FAIL - SQL that is not a literal, listed above"
	failed=1
fi

sample=$(mktemp "${TMPDIR:-/tmp}/dripline-sqlcheck.XXXXXX.c")
trap 'rm -f "$sample"' EXIT
cat > "$sample" <<'C'
#define COLUMNS(p)	p "a, " p "b"
static const char *const db_sql[2] = {
	[DB_STMT_ONE] = "SELECT " NAME,
};
void
sample(sqlite3 *handle, const char *name, sqlite3_stmt **st)
{
	char	sql[64];

	snprintf(sql, sizeof(sql), "SELECT * FROM t WHERE a = '%s'", name);
	sqlite3_exec(handle, sql, NULL, NULL, NULL);
	sqlite3_free(sqlite3_mprintf("%Q", name));
	sqlite3_prepare_v2(handle, "SELECT " COLUMNS(name) " FROM t", -1, st,
	    NULL);
	sqlite3_prepare_v2(handle, "SELECT " COLUMNS("t.") " FROM t", -1, st,
	    NULL);
}
C
found=$(python3 "$check" "$sample" | wc -l)
if [ "$found" -eq 5 ]; then
	echo "ok - the sample's 5 ways of building SQL are found"
else
	echo "FAIL - the sample's 5 ways of building SQL: found $found"
	python3 "$check" "$sample"
	failed=1
fi
exit "$failed"
