/*
 * The authorizer's queries: resolve a key to its user, and the atomic
 * check-and-increment of the day's usage. These run on every request, so
 * each is one cached statement and one step.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"

int
db_key_resolve(struct db *db, const char *secret_hash,
    struct db_principal *principal, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, found = -1;

	if ((st = db_stmt(db, DB_STMT_KEY_RESOLVE, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", secret_hash) == -1)
		goto out;

	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		found = 0;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		db_fail(db, rc, re);
		goto out;
	}
	db_column_copy(st, 0, principal->user_id, sizeof(principal->user_id));
	db_column_copy(st, 1, principal->external_id,
	    sizeof(principal->external_id));
	principal->daily_limit = sqlite3_column_int64(st, 2);
	principal->user_active =
	    strcmp((const char *)sqlite3_column_text(st, 3), "active") == 0;
	principal->key_active =
	    strcmp((const char *)sqlite3_column_text(st, 4), "active") == 0;
	found = 1;
out:
	db_stmt_done(st);
	return found;
}

/*
 * Step a statement that returns the day's units in one row, then finish
 * it. Returns 1 with OUT: units set, 0 if it returned no row, -1.
 */
static int
db_usage_step(struct db *db, sqlite3_stmt *st, int64_t *units,
    struct reqerr *re)
{
	int	rc, ret = 0;

	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*units = sqlite3_column_int64(st, 0);
		ret = 1;
		/* RETURNING rows: the change completes at SQLITE_DONE. */
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, re);
	db_stmt_done(st);
	return ret;
}

int
db_usage_charge(struct db *db, const char *user_id, const char *day,
    int64_t cost, int64_t daily_limit, int64_t *used, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 charged;

	/*
	 * The statement's WHERE guards only the update of an existing row,
	 * so a first charge of the day is checked here.
	 */
	if (cost <= daily_limit) {
		if ((st = db_stmt(db, DB_STMT_USAGE_CHARGE, re)) == NULL)
			return -1;
		if (db_bindf(db, st, re, "ttii", user_id, day, cost,
		    daily_limit) == -1) {
			db_stmt_done(st);
			return -1;
		}
		if ((charged = db_usage_step(db, st, used, re)) != 0)
			return charged;
	}

	/* Denied: count it, and read the units for the client's message. */
	if ((st = db_stmt(db, DB_STMT_USAGE_DENY, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tti", user_id, day, daily_limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	if (db_usage_step(db, st, used, re) != 1)
		return -1;
	return 0;
}

int
db_usage_count_free(struct db *db, const char *user_id, const char *day,
    int64_t daily_limit, int64_t *used, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_USAGE_COUNT_FREE, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tti", user_id, day, daily_limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_usage_step(db, st, used, re) == 1 ? 0 : -1;
}

int
db_usage_get(struct db *db, const char *user_id, const char *day,
    int64_t *used, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 found;

	if ((st = db_stmt(db, DB_STMT_USAGE_GET, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tt", user_id, day) == -1) {
		db_stmt_done(st);
		return -1;
	}
	*used = 0;
	found = db_usage_step(db, st, used, re);
	return found == -1 ? -1 : 0;
}
