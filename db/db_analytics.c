/*
 * Usage analytics: the system-wide counters of refusals (system_daily)
 * and of access log lines (log_daily), the sources of 401s, the
 * upstream outcomes per user and day (upstream_daily), and the pruning
 * of old per-day rows. The authorizer and dripline-collector only ever
 * add to counters, so several of either can share one database.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"

#define DB_PRUNE_CHUNK	1000	/* rows deleted per transaction */

_Static_assert(HISTOGRAM_BUCKETS == 14,
    "upstream_daily has one column per histogram bucket");

int64_t
db_outcomes_total(const struct db_outcomes *o)
{
	return o->status_2xx + o->status_4xx + o->status_5xx + o->timed_out +
	    o->unreachable + o->other;
}

int64_t
db_usage_unattributed(const struct db_usage_day *u)
{
	int64_t	missing = u->allowed - db_outcomes_total(&u->upstream);

	return missing > 0 ? missing : 0;
}

void
db_outcomes_columns(sqlite3_stmt *st, int col, struct db_outcomes *o)
{
	int	i;

	o->status_2xx = sqlite3_column_int64(st, col++);
	o->status_4xx = sqlite3_column_int64(st, col++);
	o->status_5xx = sqlite3_column_int64(st, col++);
	o->timed_out = sqlite3_column_int64(st, col++);
	o->unreachable = sqlite3_column_int64(st, col++);
	o->other = sqlite3_column_int64(st, col++);
	o->latency.count = sqlite3_column_int64(st, col++);
	o->latency.sum_us = sqlite3_column_int64(st, col++);
	o->latency.max_us = sqlite3_column_int64(st, col++);
	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		o->latency.buckets[i] = sqlite3_column_int64(st, col++);
}

int
db_system_add(struct db *db, const char *day,
    const struct db_system_day *delta, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_SYSTEM_ADD, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tiiii", day, delta->unauthorized,
	    delta->invalid_path, delta->route_not_found,
	    delta->unavailable) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_step_change(db, st, re) == -1 ? -1 : 0;
}

int
db_log_add(struct db *db, const char *day, int64_t malformed,
    int64_t unmatched, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_LOG_ADD, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tii", day, malformed, unmatched) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_step_change(db, st, re) == -1 ? -1 : 0;
}

int
db_source_add(struct db *db, const char *day, const char *address,
    int64_t attempts, int64_t max_addresses, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 n;

	if ((st = db_stmt(db, DB_STMT_SOURCE_ADD, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ttii", day, address, attempts,
	    max_addresses) == -1) {
		db_stmt_done(st);
		return -1;
	}
	if ((n = db_step_change(db, st, re)) == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

int
db_outcomes_add(struct db *db, const char *user_id, const char *day,
    const struct db_outcomes *delta, struct reqerr *re)
{
	const struct histogram	*h = &delta->latency;
	sqlite3_stmt		*st;
	int64_t			 v[DB_OUTCOME_COLUMNS];
	int			 i, n = 0, rc = SQLITE_OK;

	v[n++] = delta->status_2xx;
	v[n++] = delta->status_4xx;
	v[n++] = delta->status_5xx;
	v[n++] = delta->timed_out;
	v[n++] = delta->unreachable;
	v[n++] = delta->other;
	v[n++] = h->count;
	v[n++] = h->sum_us;
	v[n++] = h->max_us;
	for (i = 0; i < HISTOGRAM_BUCKETS; i++)
		v[n++] = h->buckets[i];

	if ((st = db_stmt(db, DB_STMT_OUTCOMES_ADD, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tt", user_id, day) == -1) {
		db_stmt_done(st);
		return -1;
	}
	for (i = 0; i < n && rc == SQLITE_OK; i++)
		rc = sqlite3_bind_int64(st, i + 3, v[i]);
	if (rc != SQLITE_OK) {
		db_stmt_done(st);
		return db_fail(db, rc, re);
	}
	if ((n = db_step_change(db, st, re)) == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

int
db_source_top(struct db *db, const char *day, int64_t limit,
    void (*fn)(const struct db_source *, void *), void *arg,
    struct reqerr *re)
{
	struct db_source	 source;
	sqlite3_stmt		*st;
	int			 rc, n = 0;

	if ((st = db_stmt(db, DB_STMT_SOURCE_TOP, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ti", day, limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_column_copy(st, 0, source.address, sizeof(source.address));
		source.attempts = sqlite3_column_int64(st, 1);
		fn(&source, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}

/*
 * Run the pruning statement id in transactions of DB_PRUNE_CHUNK rows
 * until it deletes fewer. Adds the rows deleted to OUT: total. Returns 0
 * or -1.
 */
static int
db_prune_table(struct db *db, enum db_stmt id, const char *before,
    int64_t *total, struct reqerr *re)
{
	sqlite3_stmt	*st = NULL;
	int		 n;

	do {
		if (db_begin(db, re) == -1)
			return -1;
		if ((st = db_stmt(db, id, re)) == NULL ||
		    db_bindf(db, st, re, "ti", before,
		    (int64_t)DB_PRUNE_CHUNK) == -1 ||
		    (n = db_step_change(db, st, re)) == -1 ||
		    db_commit(db, re) == -1) {
			db_stmt_done(st);
			db_rollback(db);
			return -1;
		}
		*total += n;
	} while (n == DB_PRUNE_CHUNK);
	return 0;
}

int
db_prune(struct db *db, const char *before, struct db_prune_counts *counts,
    struct reqerr *re)
{
	memset(counts, 0, sizeof(*counts));
	if (db_prune_table(db, DB_STMT_PRUNE_UPSTREAM, before,
	    &counts->upstream_daily, re) == -1 ||
	    db_prune_table(db, DB_STMT_PRUNE_USAGE, before,
	    &counts->usage_daily, re) == -1 ||
	    db_prune_table(db, DB_STMT_PRUNE_SYSTEM, before,
	    &counts->system_daily, re) == -1 ||
	    db_prune_table(db, DB_STMT_PRUNE_LOG, before,
	    &counts->log_daily, re) == -1 ||
	    db_prune_table(db, DB_STMT_PRUNE_SOURCES, before,
	    &counts->unauthorized_sources, re) == -1)
		return -1;
	return 0;
}
