/*
 * The database layer: every SQL statement Dripline runs is behind these
 * functions, so a second backend (PostgreSQL) can provide the same calls
 * with the same semantics. One struct db belongs to one thread at a time
 * and is never shared.
 *
 * Conventions: functions return 0 on success and -1 on failure with the
 * cause recorded in re (status 503, code "database_unavailable", plus the
 * SQLite code and message for the log), except where a comment says
 * otherwise. Lookups return 1 when found and 0 when not found.
 */
#ifndef DRIPLINE_DB_H
#define DRIPLINE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "reqerr.h"

#define DB_UUID_LEN		36
#define DB_EXTERNAL_ID_MAX	128
#define DB_NAME_MAX		64
#define DB_TIME_LEN		20	/* "2026-12-04T20:30:00Z" */
#define DB_STATUS_MAX		8	/* "active" or "revoked" */
#define DB_PREFIX_MAX		32	/* key prefix shown to people */
#define DB_HASH_LEN		64	/* hex SHA-256 */
#define DB_DAY_LEN		10	/* "2026-12-04" */

/* db_open flags */
#define DB_OPEN_CREATE	0x01	/* create the file (mode 0600) if missing */
#define DB_OPEN_MIGRATE	0x02	/* apply pending migrations */

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

/* One user's counters for one UTC day. */
struct db_usage_day {
	char	day[DB_DAY_LEN + 1];
	int64_t	units;		/* charged units */
	int64_t	allowed;	/* requests allowed */
	int64_t	denied;		/* requests denied for the quota */
};

/* The whole system's counters for one UTC day. */
struct db_usage_totals {
	int64_t	users;		/* users with at least one decision */
	int64_t	units;
	int64_t	allowed;
	int64_t	denied;
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
 * Open the database at path in WAL mode, with synchronous=FULL when
 * durability_full is set (else NORMAL) and a busy timeout of
 * lock_timeout_ms. Without DB_OPEN_MIGRATE the schema must be exactly
 * db_schema_latest(). Returns a handle to close with db_close, or NULL
 * with the cause in re.
 */
struct db	*db_open(const char *path, int durability_full,
		    int lock_timeout_ms, int flags, struct reqerr *re);

/* Finalize every cached statement and close. Accepts NULL. */
void	db_close(struct db *db);

/* Read the schema version. Returns it, or -1 with the cause in re. */
int	db_schema_version(struct db *db, struct reqerr *re);

/* BEGIN IMMEDIATE: take the write lock now, waiting up to the timeout. */
int	db_begin(struct db *db, struct reqerr *re);
int	db_commit(struct db *db, struct reqerr *re);
/* Roll back if a transaction is open; accepts NULL. */
void	db_rollback(struct db *db);

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
/* The day's users with the most units, at most limit of them. */
int	db_usage_day_top(struct db *db, const char *day, int64_t limit,
	    void (*fn)(const struct db_usage_top *, void *), void *arg,
	    struct reqerr *re);

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
