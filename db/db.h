/*
 * The database layer: every SQL statement Dripline runs is behind these
 * functions, so a second backend (PostgreSQL) can provide the same calls
 * with the same semantics. One struct db belongs to one thread at a time
 * and is never shared.
 *
 * Conventions: functions return 0 on success and -1 on failure with the
 * cause recorded in re (status 503, code "database_unavailable", plus the
 * SQLite code and message for the log), except where a comment states
 * otherwise. Lookups return 1 when found and 0 when not found.
 */
#ifndef DRIPLINE_DB_H
#define DRIPLINE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "histogram.h"
#include "reqerr.h"

#define DB_UUID_LEN		36
#define DB_EXTERNAL_ID_MAX	128
#define DB_NAME_MAX		64
#define DB_TIME_LEN		20	/* "2026-12-04T20:30:00Z" */
#define DB_STATUS_MAX		8	/* "active" or "revoked" */
#define DB_PREFIX_MAX		32	/* key prefix shown to people */
#define DB_HASH_LEN		64	/* hex SHA-256 */
#define DB_DAY_LEN		10	/* "2026-12-04" */
#define DB_ADDRESS_MAX		45	/* text of an IPv6 address */

/* db_open flags */
#define DB_OPEN_CREATE	0x01	/* create the file (mode 0600) if missing */
#define DB_OPEN_MIGRATE	0x02	/* apply pending migrations */
/* 16 MiB of page cache instead of SQLite's 2 MiB, for a long-lived writer */
#define DB_OPEN_LARGE_CACHE	0x04
/* the decisions alone, without the analytics file (the authorizer) */
#define DB_OPEN_CORE		0x08
/*
 * the analytics file for writing, with the decisions read-only beside it
 * (dripline-collector), so that its transactions lock the analytics file
 * alone
 */
#define DB_OPEN_ANALYTICS_WRITER	0x10

/* The analytics file's schema version this program reads and writes. */
#define DB_ANALYTICS_VERSION	1

struct db;

/* An API key resolved to its user, read by the authorizer. */
struct db_principal {
	char	user_id[DB_UUID_LEN + 1];
	char	external_id[DB_EXTERNAL_ID_MAX + 1];
	int64_t	daily_limit;
	int	user_active;
	int	key_active;
};

struct db_user {
	char	id[DB_UUID_LEN + 1];
	char	external_id[DB_EXTERNAL_ID_MAX + 1];
	int64_t	daily_limit;
	char	status[DB_STATUS_MAX + 1];
	char	created_at[DB_TIME_LEN + 1];
	char	updated_at[DB_TIME_LEN + 1];
	char	revoked_at[DB_TIME_LEN + 1];	/* "" while active */
};

struct db_token {
	char	id[DB_UUID_LEN + 1];
	char	name[DB_NAME_MAX + 1];
	char	prefix[DB_PREFIX_MAX + 1];
	char	status[DB_STATUS_MAX + 1];
	char	created_at[DB_TIME_LEN + 1];
	char	revoked_at[DB_TIME_LEN + 1];
	/* Filled by db_token_resolve only; "" elsewhere. */
	char	secret_hash[DB_HASH_LEN + 1];
};

struct db_key {
	char	id[DB_UUID_LEN + 1];
	char	user_id[DB_UUID_LEN + 1];
	char	name[DB_NAME_MAX + 1];
	char	prefix[DB_PREFIX_MAX + 1];
	char	status[DB_STATUS_MAX + 1];
	char	created_at[DB_TIME_LEN + 1];
	char	revoked_at[DB_TIME_LEN + 1];	/* "" while active */
};

/* Filter of db_user_list. A NULL member matches every user. */
struct db_user_filter {
	const char	*status;	/* "active" or "revoked" */
	const char	*external_id;	/* exact match */
	const char	*after;		/* only ids greater than this one */
	int64_t		 limit;		/* rows at most */
};

/*
 * Upstream outcomes of allowed requests, as the web server logged them
 * (table upstream_daily). Each logged request adds 1 to exactly one of
 * the six outcome counters.
 */
struct db_outcomes {
	int64_t			status_2xx;
	int64_t			status_4xx;
	int64_t			status_5xx;	/* the upstream's own 5xx */
	int64_t			timed_out;	/* 504 made by the proxy */
	int64_t			unreachable;	/* proxy got no answer: 502 */
	int64_t			other;	/* 1xx, 3xx, or no status */
	struct histogram	latency;
};

/* One user's counters for one UTC day. */
struct db_usage_day {
	char			day[DB_DAY_LEN + 1];
	int64_t			units;		/* charged units */
	int64_t			allowed;	/* requests allowed, free ones too */
	int64_t			denied;		/* requests denied for the quota */
	int64_t			daily_limit;	/* of the last decision, or -1 */
	struct db_outcomes	upstream;
};

/*
 * Counters of one UTC day for the whole system: refusals by the status
 * the client got (table system_daily), and access log lines that the
 * collector could not attribute (table log_daily).
 */
struct db_system_day {
	int64_t	unauthorized;		/* 401 */
	int64_t	invalid_path;		/* 400 */
	int64_t	route_not_found;	/* 404 */
	int64_t	unavailable;		/* 503 */
	int64_t	log_malformed;		/* lines that could not be parsed */
	int64_t	log_unmatched;		/* lines naming no known decision */
};

/* The whole system's counters for one UTC day. */
struct db_usage_totals {
	int64_t			users;	/* users with at least one decision */
	int64_t			units;
	int64_t			allowed;
	int64_t			denied;
	int64_t			unattributed;	/* summed per user */
	struct db_outcomes	upstream;
	struct db_system_day	system;
};

/* One row of a day's top users by units. */
struct db_usage_top {
	char			user_id[DB_UUID_LEN + 1];
	char			external_id[DB_EXTERNAL_ID_MAX + 1];
	int64_t			daily_limit;	/* the user's current limit */
	struct db_usage_day	usage;
};

/*
 * One audit row: who changed what, when, from where, and the outcome.
 * The strings are borrowed; NULL stores SQL NULL. The id is assigned by
 * the database and only read back by db_audit_list.
 */
struct db_audit {
	int64_t		 id;
	const char	*at;
	const char	*token_id;
	const char	*token_name;
	const char	*action;	/* e.g. "user.create" */
	const char	*target_id;
	const char	*client_address;
	const char	*outcome;	/* "ok" or the error code */
	const char	*detail;	/* JSON text, never a secret */
};

/* The schema version this program reads and writes. */
int	db_schema_latest(void);

/*
 * A database is two SQLite files. The file at path contains users,
 * keys, tokens, the decisions per user and day and the refusal counts.
 * Its analytics file (see db_analytics_path) contains what
 * dripline-collector records of each request upstream, about one row
 * change per decision. Kept apart, the collector's transactions do not
 * wait for the authorizer's write lock nor make the authorizer wait.
 * Neither process's page cache is emptied by the other's commits either:
 * SQLite discards a connection's whole cache when another connection has
 * written to the file since its last read (pagerBeginReadTransaction in
 * SQLite's pager.c).
 *
 * Open the database at path in WAL mode, with synchronous=FULL when
 * durability_full is set (else NORMAL) and a busy timeout of
 * lock_timeout_ms, with its analytics file attached unless flags has
 * DB_OPEN_CORE. Without DB_OPEN_MIGRATE the schema must be exactly
 * db_schema_latest() and the analytics file DB_ANALYTICS_VERSION; with
 * it, either is brought there. Returns a handle to close with db_close,
 * or NULL with the cause in re.
 */
struct db	*db_open(const char *path, int durability_full,
		    int lock_timeout_ms, int flags, struct reqerr *re);

/*
 * Write the name of path's analytics file to out (size outlen). It is
 * path with "-analytics" before a final ".db", or at the end if there is
 * none, and ":memory:" for ":memory:". Returns 0, or -1 if out is too
 * small.
 */
int	db_analytics_path(const char *path, char *out, size_t outlen);

/* Finalize every cached statement and close. Accepts NULL. */
void	db_close(struct db *db);

/* Read the schema version. Returns it, or -1 with the cause in re. */
int	db_schema_version(struct db *db, struct reqerr *re);

/* Return the schema version db_open found before migrating (0: new file). */
int	db_schema_version_found(const struct db *db);

/* Return 1 if db_open created the analytics file's tables empty. */
int	db_analytics_created(const struct db *db);

/* Return 1 if db reads the analytics file, 0 if opened DB_OPEN_CORE. */
int	db_analytics_open(const struct db *db);

/*
 * Check that the connection still reads the files at their paths (none
 * was replaced or removed) and that their schema is still this
 * program's: driplinectl init of a newer Dripline may have migrated them
 * since db_open. Inside a transaction, the check holds for the whole
 * transaction. Returns 0, or -1 with a 503 in re, after which the
 * caller closes the connection and opens it again.
 */
int	db_check_current(struct db *db, struct reqerr *re);

/*
 * Set how long a statement waits for another process's lock, in ms; 0
 * fails at once with SQLITE_BUSY. db_open sets lock_timeout_ms.
 */
void	db_set_lock_timeout(struct db *db, int ms);

/* BEGIN IMMEDIATE: take the write lock now, waiting up to the timeout. */
int	db_begin(struct db *db, struct reqerr *re);
int	db_commit(struct db *db, struct reqerr *re);
/* Roll back if a transaction is open; accepts NULL. */
void	db_rollback(struct db *db);

/*
 * Move checkpoints off this connection's commits, so that copying the log
 * back into the database file, with its fsync, no longer delays the
 * commit that crosses the threshold. After each commit that leaves at
 * least pages pages in the write-ahead log, db_commit calls wake(arg).
 * wake must only signal another thread, which then runs db_checkpoint on
 * a connection of its own. If the log reaches DB_CHECKPOINT_SELF_FACTOR
 * times pages all the same, this connection checkpoints after its commit.
 */
#define DB_CHECKPOINT_SELF_FACTOR	16
void	db_defer_checkpoints(struct db *db, int pages,
	    void (*wake)(void *), void *arg);

/*
 * Log pages (16 MiB at 4 KiB a page) at which the authorizer's
 * checkpoint thread copies the log back. SQLite's default is 1000. A
 * longer log contains more rewrites of the same page, and a checkpoint
 * copies each page once. With 10^6 users, 4000 instead of 1000 cut the
 * authorizer's CPU per decision from 73-76 to 64-70 us in fcgi-load runs.
 */
#define DB_CHECKPOINT_PAGES	4000

/*
 * Have this connection checkpoint by itself after a commit that leaves
 * at least pages pages in the log (SQLite's automatic checkpoint). A
 * writer beside the authorizer sets it above DB_CHECKPOINT_PAGES, so it
 * leaves the copying to the authorizer while one runs, and the log
 * stays bounded while none does.
 */
void	db_checkpoint_after(struct db *db, int pages);

/*
 * Copy what it can of the write-ahead log into the database file without
 * waiting for readers or the writer. Returns 0, or -1 with the cause in
 * re.
 */
int	db_checkpoint(struct db *db, struct reqerr *re);

/*
 * A savepoint inside db_begin, for a part of a transaction that may fail
 * without failing the rest: db_savepoint marks it, db_release keeps its
 * changes, db_rollback_to undoes them and ends it. Each returns 0 or -1;
 * after a failed db_rollback_to the whole transaction must roll back.
 */
int	db_savepoint(struct db *db, struct reqerr *re);
int	db_release(struct db *db, struct reqerr *re);
int	db_rollback_to(struct db *db, struct reqerr *re);

/*
 * Authorizer path. Resolve the key with this SHA-256 hex hash. Returns 1
 * and fills OUT: principal, 0 if no such key, -1 on error.
 */
int	db_key_resolve(struct db *db, const char *secret_hash,
	    struct db_principal *principal, struct reqerr *re);

/*
 * The atomic check-and-increment: add cost to the user's units for day
 * only if units + cost <= daily_limit. Must run inside db_begin. Returns 1
 * if charged, 0 if the quota would be exceeded (nothing charged, the
 * denial counted), -1 on error. OUT: used is the day's units afterwards.
 */
int	db_usage_charge(struct db *db, const char *user_id, const char *day,
	    int64_t cost, int64_t daily_limit, int64_t *used,
	    struct reqerr *re);

/*
 * Count a free request (cost 0) as allowed for the user and day, under
 * daily_limit. Must run inside db_begin. OUT: used is the day's units.
 * Returns 0 or -1.
 */
int	db_usage_count_free(struct db *db, const char *user_id,
	    const char *day, int64_t daily_limit, int64_t *used,
	    struct reqerr *re);

/* Read the user's units for day into OUT: used (0 if no row). */
int	db_usage_get(struct db *db, const char *user_id, const char *day,
	    int64_t *used, struct reqerr *re);

/*
 * Control plane. Each call is one statement; wrap several in db_begin and
 * db_commit to make them one change.
 */
/* Insert a user; 409 "user_exists" in re if the external id is taken. */
int	db_user_insert(struct db *db, const char *id, const char *external_id,
	    int64_t daily_limit, const char *now, struct reqerr *re);
int	db_user_get(struct db *db, const char *id, struct db_user *user,
	    struct reqerr *re);
int	db_user_get_by_external_id(struct db *db, const char *external_id,
	    struct db_user *user, struct reqerr *re);
/* Returns 1 if the user exists (and was changed), 0 if not, -1. */
int	db_user_set_limit(struct db *db, const char *id, int64_t daily_limit,
	    const char *now, struct reqerr *re);
/* Revoke the user and all its keys. Returns 1, 0 if no such user, -1. */
int	db_user_revoke(struct db *db, const char *id, const char *now,
	    struct reqerr *re);

int	db_key_insert(struct db *db, const char *id, const char *user_id,
	    const char *name, const char *prefix, const char *secret_hash,
	    const char *now, struct reqerr *re);
/* Returns 1 if the key exists (and is now revoked), 0 if not, -1. */
int	db_key_revoke(struct db *db, const char *id, const char *now,
	    struct reqerr *re);

/* Insert an admin token; 409 "token_exists" if the name is taken. */
int	db_token_insert(struct db *db, const char *id, const char *name,
	    const char *prefix, const char *secret_hash, const char *now,
	    struct reqerr *re);
/* Call fn for each token, oldest first. Returns 0 or -1. */
int	db_token_list(struct db *db,
	    void (*fn)(const struct db_token *, void *), void *arg,
	    struct reqerr *re);
/* Revoke the token with this name or id. Returns 1, 0 if none, -1. */
int	db_token_revoke(struct db *db, const char *name_or_id,
	    const char *now, struct reqerr *re);
/* Resolve an active token by hash. Returns 1 and fills OUT: token, 0, -1. */
int	db_token_resolve(struct db *db, const char *secret_hash,
	    struct db_token *token, struct reqerr *re);

/*
 * Admin API reads. The list functions call fn once per row with a row
 * that is valid only during the call; fn must not use db. They return the
 * number of rows passed to fn, or -1 with the cause in re.
 */
int	db_user_list(struct db *db, const struct db_user_filter *filter,
	    void (*fn)(const struct db_user *, void *), void *arg,
	    struct reqerr *re);
/* Count the user's keys, all of them and the active ones. Returns 0, -1. */
int	db_user_key_count(struct db *db, const char *user_id, int64_t *total,
	    int64_t *active, struct reqerr *re);
/* Returns 1 and fills OUT: key, 0 if no such key, -1. */
int	db_key_get(struct db *db, const char *id, struct db_key *key,
	    struct reqerr *re);
/* The user's keys, oldest first. */
int	db_key_list(struct db *db, const char *user_id,
	    void (*fn)(const struct db_key *, void *), void *arg,
	    struct reqerr *re);

/*
 * The user's counters for the days from..to (inclusive, YYYY-MM-DD),
 * oldest first. Days without a row (no decision that day) are skipped.
 */
int	db_usage_range(struct db *db, const char *user_id, const char *from,
	    const char *to, void (*fn)(const struct db_usage_day *, void *),
	    void *arg, struct reqerr *re);
/* Add up every user's counters for day into OUT: totals. Returns 0, -1. */
int	db_usage_day_totals(struct db *db, const char *day,
	    struct db_usage_totals *totals, struct reqerr *re);
/* Order of the users that db_usage_day_top returns. */
enum db_usage_rank {
	DB_RANK_UNITS,		/* most units first */
	DB_RANK_ERRORS		/* most upstream errors first (see below) */
};

/*
 * The day's users ranked by rank, at most limit of them. Upstream errors
 * are 5xx, timeouts and unreachable; users without any are left out of
 * that ranking.
 */
int	db_usage_day_top(struct db *db, const char *day,
	    enum db_usage_rank rank, int64_t limit,
	    void (*fn)(const struct db_usage_top *, void *), void *arg,
	    struct reqerr *re);

/* One row of a day's top sources of 401s. */
struct db_source {
	char	address[DB_ADDRESS_MAX + 1];
	int64_t	attempts;
};

/* The day's addresses with the most 401s, at most limit of them. */
int	db_source_top(struct db *db, const char *day, int64_t limit,
	    void (*fn)(const struct db_source *, void *), void *arg,
	    struct reqerr *re);

/* Return the sum of the six outcome counters of o. */
int64_t	db_outcomes_total(const struct db_outcomes *o);

/*
 * Return the allowed requests of u without a recorded outcome:
 * max(0, allowed - db_outcomes_total). They are requests whose access
 * log line never reached the database (collector down, line lost or
 * malformed) or that were still running when read.
 */
int64_t	db_usage_unattributed(const struct db_usage_day *u);

/*
 * Analytics writes. Each adds to the counters of one row, creating it,
 * and must run inside db_begin.
 */
/*
 * Add delta's refusals to the day's system_daily row; its log line
 * counts are not read. Returns 0 or -1.
 */
int	db_system_add(struct db *db, const char *day,
	    const struct db_system_day *delta, struct reqerr *re);
/* Add log line counts to the day's log_daily row. Returns 0 or -1. */
int	db_log_add(struct db *db, const char *day, int64_t malformed,
	    int64_t unmatched, struct reqerr *re);
/*
 * Add attempts 401s from address to the day, unless the day already has
 * max_addresses other addresses. Returns 1 if added, 0 if beyond the
 * bound (nothing written), -1 on error.
 */
int	db_source_add(struct db *db, const char *day, const char *address,
	    int64_t attempts, int64_t max_addresses, struct reqerr *re);
/*
 * Add delta to the user's outcomes for day. Returns 1 if added, 0 if the
 * user has no decision on that day (nothing written), -1 on error.
 */
int	db_outcomes_add(struct db *db, const char *user_id, const char *day,
	    const struct db_outcomes *delta, struct reqerr *re);

/* Rows removed by db_prune, per table. */
struct db_prune_counts {
	int64_t	usage_daily;
	int64_t	upstream_daily;
	int64_t	system_daily;
	int64_t	log_daily;
	int64_t	unauthorized_sources;
};

/*
 * Delete the per-day rows of every day earlier than before (YYYY-MM-DD);
 * that day itself is kept. Deletes in transactions of a bounded number of rows, so
 * the authorizer waits for the write lock only briefly. Must not run
 * inside db_begin. Fills OUT: counts (also on error, with what was
 * deleted). Returns 0 or -1.
 */
int	db_prune(struct db *db, const char *before,
	    struct db_prune_counts *counts, struct reqerr *re);

/* Append a row to the audit table. Returns 0 or -1. */
int	db_audit_insert(struct db *db, const struct db_audit *audit,
	    struct reqerr *re);
/* Audit rows with ids greater than after, oldest first, limit at most. */
int	db_audit_list(struct db *db, int64_t after, int64_t limit,
	    void (*fn)(const struct db_audit *, void *), void *arg,
	    struct reqerr *re);

/*
 * Tell whether the database error recorded in re was a lock held past the
 * timeout, after which the connection is still good. Returns 1 or 0.
 */
int	db_error_is_busy(const struct reqerr *re);

/* Current time as RFC 3339 UTC text, for the "now" arguments above. */
void	db_now(char out[DB_TIME_LEN + 1]);

#endif
