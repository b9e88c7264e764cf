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

/* Current time as RFC 3339 UTC text, for the "now" arguments above. */
void	db_now(char out[DB_TIME_LEN + 1]);

#endif
