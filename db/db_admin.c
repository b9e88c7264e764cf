/*
 * Control-plane queries: end users, API keys and admin tokens. Each
 * function is one statement; callers that change several rows at once
 * (revoking a user and its keys) wrap them in db_begin and db_commit.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"

/* Map a UNIQUE violation to 409 with code, anything else to 503. */
static int
db_insert_unique(struct db *db, sqlite3_stmt *st, const char *code,
    const char *what, const char *value, struct reqerr *re)
{
	int	rc;

	rc = sqlite3_step(st);
	db_stmt_done(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		REQERR(re, 409, code, "%s '%s' already exists", what, value);
		re->db_code = rc;
		return -1;
	}
	return db_fail(db, rc, re);
}

int
db_user_insert(struct db *db, const char *id, const char *external_id,
    int64_t daily_limit, const char *now, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_USER_INSERT, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ttit", id, external_id, daily_limit,
	    now) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_insert_unique(db, st, "user_exists",
	    "a user with external_id", external_id, re);
}

static int
db_user_read(struct db *db, enum db_stmt id, const char *key,
    struct db_user *user, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, found = -1;

	if ((st = db_stmt(db, id, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", key) == -1)
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
	db_column_copy(st, 0, user->id, sizeof(user->id));
	db_column_copy(st, 1, user->external_id, sizeof(user->external_id));
	user->daily_limit = sqlite3_column_int64(st, 2);
	db_column_copy(st, 3, user->status, sizeof(user->status));
	db_column_copy(st, 4, user->created_at, sizeof(user->created_at));
	db_column_copy(st, 5, user->updated_at, sizeof(user->updated_at));
	db_column_copy(st, 6, user->revoked_at, sizeof(user->revoked_at));
	found = 1;
out:
	db_stmt_done(st);
	return found;
}

int
db_user_get(struct db *db, const char *id, struct db_user *user,
    struct reqerr *re)
{
	return db_user_read(db, DB_STMT_USER_GET, id, user, re);
}

int
db_user_get_by_external_id(struct db *db, const char *external_id,
    struct db_user *user, struct reqerr *re)
{
	return db_user_read(db, DB_STMT_USER_GET_BY_EXTERNAL_ID, external_id,
	    user, re);
}

/* Run a cached change statement bound from fmt. Returns rows changed. */
static int
db_change(struct db *db, enum db_stmt id, struct reqerr *re,
    const char *fmt, const char *a, const char *b, int64_t n)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, id, re)) == NULL)
		return -1;
	if (strcmp(fmt, "tt") == 0)
		rc = db_bindf(db, st, re, fmt, a, b);
	else
		rc = db_bindf(db, st, re, fmt, a, n, b);
	if (rc == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_step_change(db, st, re);
}

int
db_user_set_limit(struct db *db, const char *id, int64_t daily_limit,
    const char *now, struct reqerr *re)
{
	int	n;

	n = db_change(db, DB_STMT_USER_SET_LIMIT, re, "tit", id, now,
	    daily_limit);
	return n == -1 ? -1 : n > 0;
}

int
db_user_revoke(struct db *db, const char *id, const char *now,
    struct reqerr *re)
{
	int	n;

	if ((n = db_change(db, DB_STMT_USER_REVOKE, re, "tt", id, now, 0)) <= 0)
		return n;
	if (db_change(db, DB_STMT_USER_KEYS_REVOKE, re, "tt", id, now, 0) == -1)
		return -1;
	return 1;
}

int
db_key_insert(struct db *db, const char *id, const char *user_id,
    const char *name, const char *prefix, const char *secret_hash,
    const char *now, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_KEY_INSERT, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "tttttt", id, user_id, name, prefix,
	    secret_hash, now) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_insert_unique(db, st, "key_exists", "key", id, re);
}

int
db_key_revoke(struct db *db, const char *id, const char *now,
    struct reqerr *re)
{
	int	n;

	n = db_change(db, DB_STMT_KEY_REVOKE, re, "tt", id, now, 0);
	return n == -1 ? -1 : n > 0;
}

int
db_token_insert(struct db *db, const char *id, const char *name,
    const char *prefix, const char *secret_hash, const char *now,
    struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, DB_STMT_TOKEN_INSERT, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ttttt", id, name, prefix, secret_hash,
	    now) == -1) {
		db_stmt_done(st);
		return -1;
	}
	return db_insert_unique(db, st, "token_exists",
	    "an admin token named", name, re);
}

static void
db_token_read(sqlite3_stmt *st, struct db_token *token)
{
	db_column_copy(st, 0, token->id, sizeof(token->id));
	db_column_copy(st, 1, token->name, sizeof(token->name));
	db_column_copy(st, 2, token->prefix, sizeof(token->prefix));
	db_column_copy(st, 3, token->status, sizeof(token->status));
	db_column_copy(st, 4, token->created_at, sizeof(token->created_at));
	db_column_copy(st, 5, token->revoked_at, sizeof(token->revoked_at));
}

int
db_token_list(struct db *db, void (*fn)(const struct db_token *, void *),
    void *arg, struct reqerr *re)
{
	struct db_token	 token;
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, DB_STMT_TOKEN_LIST, re)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_token_read(st, &token);
		fn(&token, arg);
	}
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, re);
	return 0;
}

int
db_token_revoke(struct db *db, const char *name_or_id, const char *now,
    struct reqerr *re)
{
	int	n;

	n = db_change(db, DB_STMT_TOKEN_REVOKE, re, "tt", name_or_id, now, 0);
	return n == -1 ? -1 : n > 0;
}

int
db_token_resolve(struct db *db, const char *secret_hash,
    struct db_token *token, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, found = -1;

	if ((st = db_stmt(db, DB_STMT_TOKEN_RESOLVE, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", secret_hash) == -1)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_token_read(st, token);
		found = 1;
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		db_fail(db, rc, re);
out:
	db_stmt_done(st);
	return found;
}
