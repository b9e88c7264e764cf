/*
 * Helpers for unit tests that set up or inspect a database file through
 * an SQLite connection of their own, beside the code under test.
 */
#ifndef DRIPLINE_CHECK_SQLITE_H
#define DRIPLINE_CHECK_SQLITE_H

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "db.h"

/*
 * Open the file at path with flags and, as the programs do, attach its
 * analytics file as "analytics" if that exists, so that SQL names the
 * tables of both files alike.
 */
static inline sqlite3 *
test_db_handle(const char *path, int flags)
{
	sqlite3	*handle = NULL;
	char	 analytics[4096], sql[4200];

	ck_assert_int_eq(sqlite3_open_v2(path, &handle, flags, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(db_analytics_path(path, analytics,
	    sizeof(analytics)), 0);
	if (access(analytics, F_OK) == 0) {
		snprintf(sql, sizeof(sql), "ATTACH '%s' AS analytics",
		    analytics);
		ck_assert_msg(sqlite3_exec(handle, sql, NULL, NULL, NULL) ==
		    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(handle));
	}
	return handle;
}

/* Remove the database file at path, which must exist, and its WAL files. */
static inline void
test_db_remove(const char *path)
{
	char	side[4200];

	snprintf(side, sizeof(side), "%s-wal", path);
	(void)unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	(void)unlink(side);
	ck_assert_msg(unlink(path) == 0, "cannot remove %s", path);
}

/* Run SQL on the file at path, creating the file if it is missing. */
static inline void
test_db_exec(const char *path, const char *sql)
{
	sqlite3	*handle;
	int	 rc;

	handle = test_db_handle(path, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE);
	rc = sqlite3_exec(handle, sql, NULL, NULL, NULL);
	sqlite3_close(handle);
	ck_assert_msg(rc == SQLITE_OK, "'%s' on %s: %s", sql, path,
	    sqlite3_errstr(rc));
}

/* Return the integer in the first row of a query, or none without a row. */
static inline int64_t
test_db_int(const char *path, const char *sql, int64_t none)
{
	sqlite3		*handle;
	sqlite3_stmt	*st = NULL;
	int64_t		 value = none;
	int		 rc;

	handle = test_db_handle(path, SQLITE_OPEN_READONLY);
	ck_assert_msg(sqlite3_prepare_v2(handle, sql, -1, &st, NULL) ==
	    SQLITE_OK, "'%s': %s", sql, sqlite3_errmsg(handle));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		value = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(handle);
	ck_assert_msg(rc == SQLITE_ROW || rc == SQLITE_DONE, "'%s': %s", sql,
	    sqlite3_errstr(rc));
	return value;
}

#endif
