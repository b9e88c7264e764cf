/*
 * Admin API reads of the usage counters and the audit trail, and the
 * audit insert. The decision counters are written by the authorizer
 * (db_quota.c) and the outcomes by dripline-collector (db_analytics.c);
 * nothing here changes them.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"

static void
db_usage_columns(sqlite3_stmt *st, int col, struct db_usage_day *usage)
{
	db_column_copy(st, col, usage->day, sizeof(usage->day));
	usage->units = sqlite3_column_int64(st, col + 1);
	usage->allowed = sqlite3_column_int64(st, col + 2);
	usage->denied = sqlite3_column_int64(st, col + 3);
	usage->daily_limit = sqlite3_column_type(st, col + 4) == SQLITE_NULL ?
	    -1 : sqlite3_column_int64(st, col + 4);
	db_outcomes_columns(st, col + 5, &usage->upstream);
}

int
db_usage_range(struct db *db, const char *user_id, const char *from,
    const char *to, void (*fn)(const struct db_usage_day *, void *),
    void *arg, struct reqerr *re)
{
	struct db_usage_day	 usage;
	sqlite3_stmt		*st;
	int			 rc, n = 0;

	if ((st = db_stmt(db, DB_STMT_USAGE_RANGE, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ttt", user_id, from, to) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_usage_columns(st, 0, &usage);
		fn(&usage, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}

int
db_usage_day_totals(struct db *db, const char *day,
    struct db_usage_totals *totals, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if ((st = db_stmt(db, DB_STMT_USAGE_DAY_TOTALS, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", day) == -1)
		goto out;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_fail(db, rc, re);
		goto out;
	}
	memset(totals, 0, sizeof(*totals));
	totals->users = sqlite3_column_int64(st, 0);
	totals->units = sqlite3_column_int64(st, 1);
	totals->allowed = sqlite3_column_int64(st, 2);
	totals->denied = sqlite3_column_int64(st, 3);
	totals->unattributed = sqlite3_column_int64(st, 4);
	db_outcomes_columns(st, 5, &totals->upstream);
	db_stmt_done(st);

	/* The system row is absent on a day without refusals: zeros. */
	if ((st = db_stmt(db, DB_STMT_SYSTEM_GET, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", day) == -1)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		totals->system.unauthorized = sqlite3_column_int64(st, 0);
		totals->system.invalid_path = sqlite3_column_int64(st, 1);
		totals->system.route_not_found = sqlite3_column_int64(st, 2);
		totals->system.unavailable = sqlite3_column_int64(st, 3);
		totals->system.log_malformed = sqlite3_column_int64(st, 4);
		totals->system.log_unmatched = sqlite3_column_int64(st, 5);
	} else if (rc != SQLITE_DONE) {
		db_fail(db, rc, re);
		goto out;
	}
	ret = 0;
out:
	db_stmt_done(st);
	return ret;
}

int
db_usage_day_top(struct db *db, const char *day, enum db_usage_rank rank,
    int64_t limit, void (*fn)(const struct db_usage_top *, void *),
    void *arg, struct reqerr *re)
{
	struct db_usage_top	 top;
	sqlite3_stmt		*st;
	int			 rc, n = 0;

	st = db_stmt(db, rank == DB_RANK_ERRORS ?
	    DB_STMT_USAGE_DAY_TOP_ERRORS : DB_STMT_USAGE_DAY_TOP, re);
	if (st == NULL)
		return -1;
	if (db_bindf(db, st, re, "ti", day, limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_column_copy(st, 0, top.user_id, sizeof(top.user_id));
		db_column_copy(st, 1, top.external_id, sizeof(top.external_id));
		top.daily_limit = sqlite3_column_int64(st, 2);
		db_usage_columns(st, 3, &top.usage);
		fn(&top, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}

int
db_audit_insert(struct db *db, const struct db_audit *audit,
    struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_AUDIT_INSERT, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tttttttt", audit->at, audit->token_id,
	    audit->token_name, audit->action, audit->target_id,
	    audit->client_address, audit->outcome, audit->detail) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_step_change(db, st, re) == -1 ? -1 : 0;
}

/* Column text, or NULL for SQL NULL; valid until the next step. */
static const char *
db_column_text_or_null(sqlite3_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st, col);
}

int
db_audit_list(struct db *db, int64_t after, int64_t limit,
    void (*fn)(const struct db_audit *, void *), void *arg,
    struct reqerr *re)
{
	struct db_audit	 audit;
	sqlite3_stmt	*st;
	int		 rc, n = 0;

	if ((st = db_stmt(db, DB_STMT_AUDIT_LIST, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ii", after, limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&audit, 0, sizeof(audit));
		audit.id = sqlite3_column_int64(st, 0);
		audit.at = db_column_text_or_null(st, 1);
		audit.token_id = db_column_text_or_null(st, 2);
		audit.token_name = db_column_text_or_null(st, 3);
		audit.action = db_column_text_or_null(st, 4);
		audit.target_id = db_column_text_or_null(st, 5);
		audit.client_address = db_column_text_or_null(st, 6);
		audit.outcome = db_column_text_or_null(st, 7);
		audit.detail = db_column_text_or_null(st, 8);
		fn(&audit, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}
