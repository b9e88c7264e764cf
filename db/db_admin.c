/*
 * Control-plane queries: end users, API keys and admin tokens. Each
 * function is one statement, except db_user_revoke (two); callers that
 * change several rows at once wrap them in db_begin and db_commit.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"

static void	db_user_columns(sqlite3_stmt *, struct db_user *);
static void	db_key_columns(sqlite3_stmt *, struct db_key *);

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
	db_user_columns(st, user);
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
	token->secret_hash[0] = '\0';
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
		db_column_copy(st, 6, token->secret_hash,
		    sizeof(token->secret_hash));
		found = 1;
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		db_fail(db, rc, re);
out:
	db_stmt_done(st);
	return found;
}

static void
db_user_columns(sqlite3_stmt *st, struct db_user *user)
{
	db_column_copy(st, 0, user->id, sizeof(user->id));
	db_column_copy(st, 1, user->external_id, sizeof(user->external_id));
	user->daily_limit = sqlite3_column_int64(st, 2);
	db_column_copy(st, 3, user->status, sizeof(user->status));
	db_column_copy(st, 4, user->created_at, sizeof(user->created_at));
	db_column_copy(st, 5, user->updated_at, sizeof(user->updated_at));
	db_column_copy(st, 6, user->revoked_at, sizeof(user->revoked_at));
}

int
db_user_list(struct db *db, const struct db_user_filter *filter,
    void (*fn)(const struct db_user *, void *), void *arg,
    struct reqerr *re)
{
	struct db_user	 user;
	sqlite3_stmt	*st;
	int		 rc, n = 0;

	if ((st = db_stmt(db, DB_STMT_USER_LIST, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "ttti", filter->status, filter->external_id,
	    filter->after != NULL ? filter->after : "", filter->limit) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_user_columns(st, &user);
		fn(&user, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}

int
db_user_key_count(struct db *db, const char *user_id, int64_t *total,
    int64_t *active, struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, ret = -1;

	if ((st = db_stmt(db, DB_STMT_USER_KEY_COUNT, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", user_id) == -1)
		goto out;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_fail(db, rc, re);
		goto out;
	}
	*total = sqlite3_column_int64(st, 0);
	*active = sqlite3_column_int64(st, 1);
	ret = 0;
out:
	db_stmt_done(st);
	return ret;
}

static void
db_key_columns(sqlite3_stmt *st, struct db_key *key)
{
	db_column_copy(st, 0, key->id, sizeof(key->id));
	db_column_copy(st, 1, key->user_id, sizeof(key->user_id));
	db_column_copy(st, 2, key->name, sizeof(key->name));
	db_column_copy(st, 3, key->prefix, sizeof(key->prefix));
	db_column_copy(st, 4, key->status, sizeof(key->status));
	db_column_copy(st, 5, key->created_at, sizeof(key->created_at));
	db_column_copy(st, 6, key->revoked_at, sizeof(key->revoked_at));
}

int
db_key_get(struct db *db, const char *id, struct db_key *key,
    struct reqerr *re)
{
	sqlite3_stmt	*st;
	int		 rc, found = -1;

	if ((st = db_stmt(db, DB_STMT_KEY_GET, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", id) == -1)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_key_columns(st, key);
		found = 1;
	} else if (rc == SQLITE_DONE)
		found = 0;
	else
		db_fail(db, rc, re);
out:
	db_stmt_done(st);
	return found;
}

int
db_key_list(struct db *db, const char *user_id,
    void (*fn)(const struct db_key *, void *), void *arg, struct reqerr *re)
{
	struct db_key	 key;
	sqlite3_stmt	*st;
	int		 rc, n = 0;

	if ((st = db_stmt(db, DB_STMT_KEY_LIST, re)) == NULL)
		return -1;
	if (db_bindf(db, st, re, "t", user_id) == -1) {
		db_stmt_done(st);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_key_columns(st, &key);
		fn(&key, arg);
		n++;
	}
	if (rc != SQLITE_DONE)
		n = db_fail(db, rc, re);
	db_stmt_done(st);
	return n;
}
