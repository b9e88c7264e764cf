/*
 * Unit tests for the SQLite layer: the quota check-and-increment, key and
 * user lookups, admin tokens, and how db_open treats files it must not
 * use. Every test gets a fresh database file in its own temporary
 * directory, created and migrated the way 'driplinectl init' does it.
 * The allowed and denied counters have no accessor in db.h, so the tests
 * read them through a second SQLite connection.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>
#include <sqlite3.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "check_sqlite.h"
#include "db_migrations.h"
#include "reqerr.h"

#define USER_A		"00000000-0000-4000-8000-00000000000a"
#define USER_B		"00000000-0000-4000-8000-00000000000b"
#define KEY_A1		"00000000-0000-4000-8000-0000000000a1"
#define KEY_A2		"00000000-0000-4000-8000-0000000000a2"
#define KEY_B1		"00000000-0000-4000-8000-0000000000b1"
#define TOKEN_1		"00000000-0000-4000-8000-000000000f01"
#define TOKEN_2		"00000000-0000-4000-8000-000000000f02"
#define DAY_1		"2026-12-04"
#define DAY_2		"2026-12-05"
#define NOW_1		"2026-12-04T10:00:00Z"
#define NOW_2		"2026-12-04T11:00:00Z"

/* A day's counters, read straight from usage_daily. */
struct db_counts {
	int64_t	units;
	int64_t	allowed;
	int64_t	denied;
	int	found;		/* the row exists */
};

struct db_token_seen {
	struct db_token	tokens[4];
	int		n;
};

Suite	*db_suite(void);

static char		 db_dir[PATH_MAX / 2];	/* this test's directory */
static char		 db_path[PATH_MAX];	/* its database file */
static struct db	*db;			/* open on db_path */

static int
db_remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

static void
db_make_dir(void)
{
	const char	*tmp = getenv("TMPDIR");
	int		 n;

	n = snprintf(db_dir, sizeof(db_dir), "%s/check_db.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	ck_assert_msg(n > 0 && (size_t)n < sizeof(db_dir),
	    "TMPDIR is too long");
	ck_assert_ptr_nonnull(mkdtemp(db_dir));
	snprintf(db_path, sizeof(db_path), "%s/dripline.db", db_dir);
}

/* Fixture: a created and migrated database, open in db. */
static void
db_setup(void)
{
	struct reqerr	re;

	db = NULL;
	db_make_dir();
	reqerr_clear(&re);
	db = db_open(db_path, 0, 1000, DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
}

static void
db_teardown(void)
{
	db_close(db);
	db = NULL;
	nftw(db_dir, db_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Name another file in the test's directory, for the db_open tests. */
static void
db_side_path(const char *name, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s", db_dir, name);
}

static void
db_hash(const char *secret, char hash[CRYPTO_SHA256_HEX_LEN + 1])
{
	ck_assert_int_eq(crypto_sha256_hex(secret, strlen(secret), hash), 0);
}

static void
db_add_user(const char *id, const char *external_id, int64_t limit)
{
	struct reqerr	re;

	reqerr_clear(&re);
	ck_assert_msg(db_user_insert(db, id, external_id, limit, NOW_1,
	    &re) == 0, "db_user_insert %s: %s", external_id, re.message);
}

/* Insert a key for this secret. The database stores only its hash. */
static void
db_add_key(const char *id, const char *user_id, const char *secret)
{
	struct reqerr	re;
	char		hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_hash(secret, hash);
	reqerr_clear(&re);
	ck_assert_msg(db_key_insert(db, id, user_id, "default", "dl_abcd",
	    hash, NOW_1, &re) == 0, "db_key_insert %s: %s %s", id,
	    re.message, re.db_message);
}

/* Check that the file at path contains exactly the len bytes of data. */
static void
db_assert_file_is(const char *path, const char *data, size_t len)
{
	struct stat	 sb;
	char		*back;
	int		 fd;

	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, (off_t)len);
	back = malloc(len);
	ck_assert_ptr_nonnull(back);
	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(read(fd, back, len), (ssize_t)len);
	close(fd);
	ck_assert_msg(memcmp(back, data, len) == 0, "%s was changed", path);
	free(back);
}

/* Charge in its own transaction, as the authorizer's writer does. */
static int
db_charge(const char *user_id, const char *day, int64_t cost, int64_t limit,
    int64_t *used)
{
	struct reqerr	re;
	int		rc;

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	rc = db_usage_charge(db, user_id, day, cost, limit, used, &re);
	ck_assert_msg(rc != -1, "db_usage_charge: %s", re.db_message);
	ck_assert_int_eq(db_commit(db, &re), 0);
	return rc;
}

static int64_t
db_used(const char *user_id, const char *day)
{
	struct reqerr	re;
	int64_t		used = -1;

	reqerr_clear(&re);
	ck_assert_int_eq(db_usage_get(db, user_id, day, &used, &re), 0);
	return used;
}

static struct db_counts
db_read_counts(const char *user_id, const char *day)
{
	struct db_counts	 counts;
	sqlite3			*handle = NULL;
	sqlite3_stmt		*st = NULL;
	int			 rc;

	memset(&counts, 0, sizeof(counts));
	ck_assert_int_eq(sqlite3_open_v2(db_path, &handle,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(handle,
	    "SELECT units, allowed, denied FROM usage_daily"
	    " WHERE user_id = ?1 AND day = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, user_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		counts.units = sqlite3_column_int64(st, 0);
		counts.allowed = sqlite3_column_int64(st, 1);
		counts.denied = sqlite3_column_int64(st, 2);
		counts.found = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(handle);
	ck_assert_msg(rc == SQLITE_ROW || rc == SQLITE_DONE,
	    "reading usage_daily: %d", rc);
	return counts;
}

static int64_t
db_count_rows(const char *path, const char *table)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	return test_db_int(path, sql, -1);
}

/* Remove the test's database and its analytics file, as if never created. */
static void
db_remove_files(void)
{
	char	path[sizeof(db_path) + 16];

	db_close(db);
	db = NULL;
	ck_assert_int_eq(unlink(db_path), 0);
	ck_assert_int_eq(db_analytics_path(db_path, path, sizeof(path)), 0);
	ck_assert_int_eq(unlink(path), 0);
}

static int64_t
db_user_version(const char *path)
{
	return test_db_int(path, "PRAGMA user_version", -1);
}

/* Copy the file at from to a new file at to. */
static void
db_copy_file(const char *from, const char *to)
{
	FILE	*in, *out;
	char	 buf[8192];
	size_t	 n;

	ck_assert_ptr_nonnull(in = fopen(from, "rb"));
	ck_assert_ptr_nonnull(out = fopen(to, "wb"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	ck_assert_int_eq(ferror(in), 0);
	fclose(in);
	ck_assert_int_eq(fclose(out), 0);
}

static void
db_write_file(const char *path, const void *data, size_t len)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_msg(fd != -1, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_db_charge_allows_until_limit)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 10, &used), 1);
	ck_assert_int_eq(used, 3);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 10, &used), 1);
	ck_assert_int_eq(used, 6);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 10, &used), 1);
	ck_assert_int_eq(used, 9);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 10, &used), 0);
	ck_assert_int_eq(used, 9);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 9);
}
END_TEST

START_TEST(test_db_charge_exact_remaining_allowed)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 7, 10, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 10, &used), 1);
	ck_assert_int_eq(used, 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 10, &used), 0);
	ck_assert_int_eq(used, 10);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 10);
}
END_TEST

START_TEST(test_db_charge_first_at_limit_allowed)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 5);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 5, 5, &used), 1);
	ck_assert_int_eq(used, 5);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 5);
}
END_TEST

START_TEST(test_db_charge_first_over_limit_denied)
{
	struct db_counts	counts;
	int64_t			used = -1;

	db_add_user(USER_A, "alice", 5);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 6, 5, &used), 0);
	ck_assert_int_eq(used, 0);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 0);

	counts = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(counts.found, 1);
	ck_assert_int_eq(counts.units, 0);
	ck_assert_int_eq(counts.allowed, 0);
	ck_assert_int_eq(counts.denied, 1);
}
END_TEST

START_TEST(test_db_charge_counts_allowed_and_denied)
{
	struct db_counts	counts;
	int64_t			used;
	int			i;

	db_add_user(USER_A, "alice", 2);
	for (i = 0; i < 5; i++)
		db_charge(USER_A, DAY_1, 1, 2, &used);

	counts = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(counts.units, 2);
	ck_assert_int_eq(counts.allowed, 2);
	ck_assert_int_eq(counts.denied, 3);
}
END_TEST

START_TEST(test_db_charge_denial_charges_nothing)
{
	struct db_counts	counts;
	int64_t			used = -1;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 8, 10, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 5, 10, &used), 0);
	ck_assert_int_eq(used, 8);
	/* A denial leaves room for a smaller request. */
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 2, 10, &used), 1);
	ck_assert_int_eq(used, 10);

	counts = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(counts.units, 10);
	ck_assert_int_eq(counts.allowed, 2);
	ck_assert_int_eq(counts.denied, 1);
}
END_TEST

START_TEST(test_db_charge_lowered_limit_denies)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 8, 10, &used), 1);

	/* Usage above the new limit stays as it was. */
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 5, &used), 0);
	ck_assert_int_eq(used, 8);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 8);

	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 20, &used), 1);
	ck_assert_int_eq(used, 9);
}
END_TEST

START_TEST(test_db_charge_days_independent)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 4);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 4, 4, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 4, &used), 0);

	ck_assert_int_eq(db_charge(USER_A, DAY_2, 4, 4, &used), 1);
	ck_assert_int_eq(used, 4);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 4);
	ck_assert_int_eq(db_used(USER_A, DAY_2), 4);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_1).denied, 1);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_2).denied, 0);
}
END_TEST

START_TEST(test_db_charge_users_independent)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 3);
	db_add_user(USER_B, "bob", 3);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 3, 3, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 3, &used), 0);

	ck_assert_int_eq(db_charge(USER_B, DAY_1, 1, 3, &used), 1);
	ck_assert_int_eq(used, 1);
	ck_assert_int_eq(db_used(USER_B, DAY_1), 1);
}
END_TEST

START_TEST(test_db_charge_rolled_back_not_counted)
{
	struct reqerr	re;
	int64_t		used = -1;

	db_add_user(USER_A, "alice", 10);
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_usage_charge(db, USER_A, DAY_1, 4, 10, &used,
	    &re), 1);
	ck_assert_int_eq(used, 4);
	db_rollback(db);

	ck_assert_int_eq(db_used(USER_A, DAY_1), 0);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_1).found, 0);
}
END_TEST

START_TEST(test_db_charge_batch_in_one_transaction)
{
	struct reqerr	re;
	int64_t		used = -1;
	int		results[4], i;

	db_add_user(USER_A, "alice", 5);
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	for (i = 0; i < 4; i++)
		results[i] = db_usage_charge(db, USER_A, DAY_1, 2, 5, &used,
		    &re);
	ck_assert_int_eq(db_commit(db, &re), 0);

	ck_assert_int_eq(results[0], 1);
	ck_assert_int_eq(results[1], 1);
	ck_assert_int_eq(results[2], 0);
	ck_assert_int_eq(results[3], 0);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 4);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_1).denied, 2);
}
END_TEST

START_TEST(test_db_usage_without_row_is_zero)
{
	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_used(USER_A, DAY_1), 0);
	ck_assert_int_eq(db_used(USER_B, DAY_1), 0);
}
END_TEST

START_TEST(test_db_key_resolve_active_key)
{
	struct db_principal	p;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_add_user(USER_A, "alice@example.com", 250);
	db_add_key(KEY_A1, USER_A, "dl_secret_a1");
	db_hash("dl_secret_a1", hash);

	reqerr_clear(&re);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_str_eq(p.user_id, USER_A);
	ck_assert_str_eq(p.external_id, "alice@example.com");
	ck_assert_int_eq(p.daily_limit, 250);
	ck_assert_int_eq(p.user_active, 1);
	ck_assert_int_eq(p.key_active, 1);
}
END_TEST

START_TEST(test_db_key_resolve_unknown_key)
{
	struct db_principal	p;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_add_user(USER_A, "alice", 250);
	db_add_key(KEY_A1, USER_A, "dl_secret_a1");
	db_hash("dl_secret_other", hash);

	reqerr_clear(&re);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 0);
	ck_assert_int_eq(re.status, 0);
}
END_TEST

START_TEST(test_db_key_revoke_marks_key_only)
{
	struct db_principal	p;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_add_user(USER_A, "alice", 250);
	db_add_key(KEY_A1, USER_A, "dl_secret_a1");
	db_add_key(KEY_A2, USER_A, "dl_secret_a2");

	reqerr_clear(&re);
	ck_assert_int_eq(db_key_revoke(db, KEY_A1, NOW_2, &re), 1);

	db_hash("dl_secret_a1", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.key_active, 0);
	ck_assert_int_eq(p.user_active, 1);

	db_hash("dl_secret_a2", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.key_active, 1);
}
END_TEST

START_TEST(test_db_key_revoke_unknown_is_zero)
{
	struct reqerr	re;

	reqerr_clear(&re);
	ck_assert_int_eq(db_key_revoke(db, KEY_A1, NOW_2, &re), 0);
	ck_assert_int_eq(re.status, 0);
}
END_TEST

START_TEST(test_db_user_get_reads_fields)
{
	struct db_user	u;
	struct reqerr	re;

	db_add_user(USER_A, "alice", 42);
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_get(db, USER_A, &u, &re), 1);
	ck_assert_str_eq(u.id, USER_A);
	ck_assert_str_eq(u.external_id, "alice");
	ck_assert_int_eq(u.daily_limit, 42);
	ck_assert_str_eq(u.status, "active");
	ck_assert_str_eq(u.created_at, NOW_1);
	ck_assert_str_eq(u.updated_at, NOW_1);
	ck_assert_str_eq(u.revoked_at, "");

	memset(&u, 0, sizeof(u));
	ck_assert_int_eq(db_user_get_by_external_id(db, "alice", &u, &re), 1);
	ck_assert_str_eq(u.id, USER_A);

	ck_assert_int_eq(db_user_get(db, USER_B, &u, &re), 0);
	ck_assert_int_eq(db_user_get_by_external_id(db, "bob", &u, &re), 0);
	ck_assert_int_eq(re.status, 0);
}
END_TEST

START_TEST(test_db_user_set_limit_changes_limit)
{
	struct db_principal	p;
	struct db_user		u;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_add_user(USER_A, "alice", 42);
	db_add_key(KEY_A1, USER_A, "dl_secret_a1");
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_set_limit(db, USER_A, 7, NOW_2, &re), 1);

	ck_assert_int_eq(db_user_get(db, USER_A, &u, &re), 1);
	ck_assert_int_eq(u.daily_limit, 7);
	ck_assert_str_eq(u.updated_at, NOW_2);
	ck_assert_str_eq(u.created_at, NOW_1);

	db_hash("dl_secret_a1", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.daily_limit, 7);

	ck_assert_int_eq(db_user_set_limit(db, USER_B, 7, NOW_2, &re), 0);
}
END_TEST

START_TEST(test_db_user_revoke_revokes_all_keys)
{
	struct db_principal	p;
	struct db_user		u;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_add_user(USER_A, "alice", 10);
	db_add_user(USER_B, "bob", 10);
	db_add_key(KEY_A1, USER_A, "dl_secret_a1");
	db_add_key(KEY_A2, USER_A, "dl_secret_a2");
	db_add_key(KEY_B1, USER_B, "dl_secret_b1");

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_user_revoke(db, USER_A, NOW_2, &re), 1);
	ck_assert_int_eq(db_commit(db, &re), 0);

	ck_assert_int_eq(db_user_get(db, USER_A, &u, &re), 1);
	ck_assert_str_eq(u.status, "revoked");
	ck_assert_str_eq(u.revoked_at, NOW_2);

	db_hash("dl_secret_a1", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.user_active, 0);
	ck_assert_int_eq(p.key_active, 0);
	db_hash("dl_secret_a2", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.key_active, 0);

	/* Another user's key is untouched. */
	db_hash("dl_secret_b1", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_int_eq(p.user_active, 1);
	ck_assert_int_eq(p.key_active, 1);
}
END_TEST

START_TEST(test_db_user_revoke_twice_keeps_first_time)
{
	struct db_user	u;
	struct reqerr	re;

	db_add_user(USER_A, "alice", 10);
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_revoke(db, USER_A, NOW_1, &re), 1);
	ck_assert_int_eq(db_user_revoke(db, USER_A, NOW_2, &re), 1);
	ck_assert_int_eq(db_user_get(db, USER_A, &u, &re), 1);
	ck_assert_str_eq(u.status, "revoked");
	ck_assert_str_eq(u.revoked_at, NOW_1);
}
END_TEST

START_TEST(test_db_user_revoke_unknown_is_zero)
{
	struct reqerr	re;

	reqerr_clear(&re);
	ck_assert_int_eq(db_user_revoke(db, USER_A, NOW_2, &re), 0);
	ck_assert_int_eq(re.status, 0);
}
END_TEST

static void
db_collect_token(const struct db_token *t, void *arg)
{
	struct db_token_seen	*seen = arg;

	if (seen->n < (int)(sizeof(seen->tokens) / sizeof(seen->tokens[0])))
		seen->tokens[seen->n] = *t;
	seen->n++;
}

START_TEST(test_db_token_lifecycle)
{
	struct db_token_seen	seen;
	struct db_token		t;
	struct reqerr		re;
	char			hash1[CRYPTO_SHA256_HEX_LEN + 1];
	char			hash2[CRYPTO_SHA256_HEX_LEN + 1];

	db_hash("dladm_one", hash1);
	db_hash("dladm_two", hash2);
	reqerr_clear(&re);
	ck_assert_int_eq(db_token_insert(db, TOKEN_2, "deploy", "dladm_ab",
	    hash2, NOW_2, &re), 0);
	ck_assert_int_eq(db_token_insert(db, TOKEN_1, "ops", "dladm_cd",
	    hash1, NOW_1, &re), 0);

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(db_token_resolve(db, hash1, &t, &re), 1);
	ck_assert_str_eq(t.id, TOKEN_1);
	ck_assert_str_eq(t.name, "ops");
	ck_assert_str_eq(t.prefix, "dladm_cd");
	ck_assert_str_eq(t.status, "active");
	ck_assert_str_eq(t.created_at, NOW_1);
	ck_assert_str_eq(t.revoked_at, "");

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(db_token_list(db, db_collect_token, &seen, &re), 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_str_eq(seen.tokens[0].name, "ops");		/* oldest */
	ck_assert_str_eq(seen.tokens[1].name, "deploy");

	/* Revoke by name, then by id. */
	ck_assert_int_eq(db_token_revoke(db, "ops", NOW_2, &re), 1);
	ck_assert_int_eq(db_token_resolve(db, hash1, &t, &re), 0);
	ck_assert_int_eq(db_token_revoke(db, TOKEN_2, NOW_2, &re), 1);
	ck_assert_int_eq(db_token_resolve(db, hash2, &t, &re), 0);

	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(db_token_list(db, db_collect_token, &seen, &re), 0);
	ck_assert_int_eq(seen.n, 2);
	ck_assert_str_eq(seen.tokens[0].status, "revoked");
	ck_assert_str_eq(seen.tokens[0].revoked_at, NOW_2);
	ck_assert_str_eq(seen.tokens[1].status, "revoked");
	ck_assert_int_eq(re.status, 0);
}
END_TEST

START_TEST(test_db_token_revoke_unknown_is_zero)
{
	struct reqerr	re;

	reqerr_clear(&re);
	ck_assert_int_eq(db_token_revoke(db, "nobody", NOW_2, &re), 0);
	ck_assert_int_eq(re.status, 0);
}
END_TEST

START_TEST(test_db_open_reopens_migrated_file)
{
	struct reqerr	re;

	db_close(db);
	reqerr_clear(&re);
	db = db_open(db_path, 1, 1000, 0, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_schema_version(db, &re), db_schema_latest());
	ck_assert_int_eq(db_schema_version_found(db), db_schema_latest());
	ck_assert_int_ge(db_schema_latest(), 1);
}
END_TEST

START_TEST(test_db_open_creates_private_file)
{
	struct stat	sb;

	ck_assert_int_eq(stat(db_path, &sb), 0);
	ck_assert_msg((sb.st_mode & 0777) == 0600, "mode %03o, expected 600",
	    (unsigned int)(sb.st_mode & 0777));
}
END_TEST

START_TEST(test_db_user_insert_duplicate_is_409)
{
	struct db_user	u;
	struct reqerr	re;

	db_add_user(USER_A, "alice", 10);
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_insert(db, USER_B, "alice", 99, NOW_2, &re),
	    -1);
	ck_assert_int_eq(re.status, 409);
	ck_assert_ptr_nonnull(re.code);
	ck_assert_str_eq(re.code, "user_exists");
	ck_assert_ptr_nonnull(strstr(re.message, "'alice'"));
	ck_assert_int_eq(re.db_code, SQLITE_CONSTRAINT_UNIQUE);

	/* The first user is unchanged and the second was not added. */
	ck_assert_int_eq(db_user_get(db, USER_A, &u, &re), 1);
	ck_assert_int_eq(u.daily_limit, 10);
	ck_assert_int_eq(db_user_get(db, USER_B, &u, &re), 0);
}
END_TEST

START_TEST(test_db_user_insert_duplicate_id_is_409)
{
	struct reqerr	re;

	db_add_user(USER_A, "alice", 10);
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_insert(db, USER_A, "bob", 10, NOW_2, &re),
	    -1);
	ck_assert_int_eq(re.status, 409);
	ck_assert_str_eq(re.code, "user_exists");
}
END_TEST

START_TEST(test_db_token_insert_duplicate_is_409)
{
	struct reqerr	re;
	char		hash1[CRYPTO_SHA256_HEX_LEN + 1];
	char		hash2[CRYPTO_SHA256_HEX_LEN + 1];

	db_hash("dladm_one", hash1);
	db_hash("dladm_two", hash2);
	reqerr_clear(&re);
	ck_assert_int_eq(db_token_insert(db, TOKEN_1, "ops", "dladm_ab",
	    hash1, NOW_1, &re), 0);
	ck_assert_int_eq(db_token_insert(db, TOKEN_2, "ops", "dladm_cd",
	    hash2, NOW_1, &re), -1);
	ck_assert_int_eq(re.status, 409);
	ck_assert_str_eq(re.code, "token_exists");
	ck_assert_ptr_nonnull(strstr(re.message, "'ops'"));
}
END_TEST

START_TEST(test_db_key_insert_unknown_user_fails)
{
	struct db_principal	p;
	struct reqerr		re;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];

	db_hash("dl_orphan", hash);
	reqerr_clear(&re);
	ck_assert_int_eq(db_key_insert(db, KEY_A1, USER_A, "default",
	    "dl_abcd", hash, NOW_1, &re), -1);
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "database_unavailable");
	ck_assert_int_eq(re.db_code, SQLITE_CONSTRAINT_FOREIGNKEY);

	reqerr_clear(&re);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 0);
}
END_TEST

START_TEST(test_db_user_negative_limit_rejected)
{
	struct reqerr	re;

	reqerr_clear(&re);
	ck_assert_int_eq(db_user_insert(db, USER_A, "alice", -1, NOW_1, &re),
	    -1);
	ck_assert_int_eq(re.db_code, SQLITE_CONSTRAINT_CHECK);
}
END_TEST

START_TEST(test_db_open_missing_file_needs_init)
{
	struct reqerr	re;
	char		path[PATH_MAX];

	db_side_path("absent.db", path, sizeof(path));
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(path, 0, 1000, 0, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "database_unavailable");
	ck_assert_msg(strstr(re.db_message, "run 'driplinectl init'") != NULL,
	    "db_message '%s'", re.db_message);
	ck_assert_msg(strstr(re.db_message, path) != NULL,
	    "db_message '%s' does not name the file", re.db_message);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_db_open_empty_file_needs_init)
{
	struct reqerr	re;
	char		path[PATH_MAX];

	db_side_path("empty.db", path, sizeof(path));
	db_write_file(path, "", 0);
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(path, 0, 1000, 0, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "schema_mismatch");
	ck_assert_msg(strstr(re.db_message, "run 'driplinectl init'") != NULL,
	    "db_message '%s'", re.db_message);
	/* The admin API's clients read the fix too, without the path. */
	ck_assert_str_eq(re.message,
	    "the database needs 'driplinectl init' first");
}
END_TEST

START_TEST(test_db_open_create_without_migrate_needs_init)
{
	struct reqerr	re;
	char		path[PATH_MAX];

	db_side_path("new.db", path, sizeof(path));
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(path, 0, 1000, DB_OPEN_CREATE, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, "run 'driplinectl init'") != NULL,
	    "db_message '%s'", re.db_message);
}
END_TEST

START_TEST(test_db_open_newer_schema_refused)
{
	struct reqerr	re;
	char		sql[64];

	db_close(db);
	db = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest() + 1);
	test_db_exec(db_path, sql);

	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000, 0, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "schema_mismatch");
	ck_assert_msg(strstr(re.db_message, "newer") != NULL,
	    "db_message '%s'", re.db_message);
	ck_assert_msg(strstr(re.message, "upgrade") != NULL,
	    "message '%s'", re.message);

	/* Migrating must not touch it either. */
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000,
	    DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re));
	ck_assert_msg(strstr(re.db_message, "newer") != NULL,
	    "db_message '%s'", re.db_message);
}
END_TEST

/* Keep the daily limit that db_usage_range reports for one day. */
static void
db_keep_limit(const struct db_usage_day *u, void *arg)
{
	*(int64_t *)arg = u->daily_limit;
}

/* The daily limit recorded for user_id and day, -1 if none. */
static int64_t
db_recorded_limit(const char *user_id, const char *day)
{
	struct reqerr	re;
	int64_t		limit = -2;

	reqerr_clear(&re);
	ck_assert_int_eq(db_usage_range(db, user_id, day, day, db_keep_limit,
	    &limit, &re), 1);
	return limit;
}

/*
 * Make a database at schema version 2 on path, holding user A with key A1
 * and the given SQL's rows, as an older Dripline left it.
 */
static void
db_make_version_2(const char *path, const char *rows)
{
	char	hash[CRYPTO_SHA256_HEX_LEN + 1], sql[1024];

	ck_assert_int_ge(db_schema_latest(), 3);
	test_db_exec(path, db_migrations[0]);
	test_db_exec(path, db_migrations[1]);
	test_db_exec(path, "PRAGMA user_version = 2");
	db_hash("dl_migrated", hash);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO users (id, external_id, daily_limit, created_at,"
	    " updated_at) VALUES ('%s', 'alice', 100, '%s', '%s');"
	    "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash,"
	    " created_at) VALUES ('%s', '%s', 'k', 'dl_migr', '%s', '%s');",
	    USER_A, NOW_1, NOW_1, KEY_A1, USER_A, hash, NOW_1);
	test_db_exec(path, sql);
	test_db_exec(path, rows);
}

START_TEST(test_db_migrate_from_version_2_keeps_rows)
{
	struct db_principal	p;
	struct reqerr		re;
	struct db_counts	c;
	char			hash[CRYPTO_SHA256_HEX_LEN + 1];
	int64_t			used = -1;

	db_remove_files();
	db_make_version_2(db_path,
	    "INSERT INTO usage_daily (user_id, day, units, allowed, denied)"
	    " VALUES ('" USER_A "', '" DAY_1 "', 60, 7, 2),"
	    " ('" USER_A "', '" DAY_2 "', 5, 1, 0);"
	    "INSERT INTO upstream_daily (user_id, day, status_2xx)"
	    " VALUES ('" USER_A "', '" DAY_1 "', 6);");

	reqerr_clear(&re);
	db = db_open(db_path, 0, 1000, DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_schema_version(db, &re), db_schema_latest());
	ck_assert_int_eq(db_schema_version_found(db), 2);

	c = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(c.found, 1);
	ck_assert_int_eq(c.units, 60);
	ck_assert_int_eq(c.allowed, 7);
	ck_assert_int_eq(c.denied, 2);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_1), -1);
	ck_assert_int_eq(db_used(USER_A, DAY_2), 5);

	/* The key still resolves, and charges go on from the kept units. */
	db_hash("dl_migrated", hash);
	ck_assert_int_eq(db_key_resolve(db, hash, &p, &re), 1);
	ck_assert_str_eq(p.user_id, USER_A);
	ck_assert_int_eq(db_usage_charge(db, USER_A, DAY_1, 40, 100, &used,
	    &re), 1);
	ck_assert_int_eq(used, 100);
	ck_assert_int_eq(db_usage_charge(db, USER_A, DAY_1, 1, 100, &used,
	    &re), 0);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_1).denied, 3);

	/* The outcome row still refers to its usage row. */
	ck_assert_int_eq(test_db_int(db_path,
	    "SELECT count(*) FROM pragma_foreign_key_check", -1), 0);
	ck_assert_int_eq(db_count_rows(db_path, "upstream_daily"), 1);
	ck_assert_int_eq(test_db_int(db_path, "SELECT status_2xx FROM"
	    " upstream_daily WHERE user_id = '" USER_A "' AND day = '" DAY_1
	    "'", -1), 6);
}
END_TEST

START_TEST(test_db_migrate_refuses_dangling_reference)
{
	struct reqerr	re;

	db_remove_files();
	/* An outcome row without its usage row: foreign keys were off. */
	db_make_version_2(db_path,
	    "INSERT INTO upstream_daily (user_id, day, status_2xx)"
	    " VALUES ('" USER_A "', '" DAY_1 "', 1);");

	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000, DB_OPEN_MIGRATE, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, "upstream_daily") != NULL,
	    "db_message '%s'", re.db_message);

	/* Nothing of the migration was kept. */
	ck_assert_int_eq(db_user_version(db_path), 2);
	ck_assert_int_eq(db_count_rows(db_path, "upstream_daily"), 1);
}
END_TEST

/* Make db_path a database of schema version 3 with rows, no analytics. */
static void
db_make_version_3(const char *rows)
{
	int	v;

	db_remove_files();
	ck_assert_int_ge(db_schema_latest(), 4);
	for (v = 0; v < 3; v++)
		test_db_exec(db_path, db_migrations[v]);
	test_db_exec(db_path, "PRAGMA user_version = 3");
	test_db_exec(db_path,
	    "INSERT INTO users (id, external_id, daily_limit, created_at,"
	    " updated_at) VALUES ('" USER_A "', 'alice', 100, '" NOW_1 "',"
	    " '" NOW_1 "');"
	    "INSERT INTO usage_daily (user_id, day, units, allowed)"
	    " VALUES ('" USER_A "', '" DAY_1 "', 9, 9);"
	    "INSERT INTO upstream_daily (user_id, day, status_2xx,"
	    " status_5xx, latency_count, latency_le_5ms)"
	    " VALUES ('" USER_A "', '" DAY_1 "', 7, 1, 8, 8);"
	    "INSERT INTO system_daily (day, unauthorized, log_malformed,"
	    " log_unmatched) VALUES ('" DAY_1 "', 4, 2, 3),"
	    " ('" DAY_2 "', 1, 0, 0);");
	if (rows != NULL)
		test_db_exec(db_path, rows);
}

/* The analytics file's name for the test's database. */
static void
db_analytics_file(char *path, size_t pathlen)
{
	ck_assert_int_eq(db_analytics_path(db_path, path, pathlen), 0);
}

/* Check what migrating db_make_version_3's database must give. */
static void
db_check_moved_analytics(void)
{
	struct db_usage_totals	t;
	struct reqerr		re;
	char			path[PATH_MAX + 16];

	db_analytics_file(path, sizeof(path));
	ck_assert_int_eq(test_db_int(path, "PRAGMA user_version", -1),
	    DB_ANALYTICS_VERSION);
	ck_assert_int_eq(test_db_int(path,
	    "SELECT status_2xx * 100 + status_5xx FROM upstream_daily"
	    " WHERE day = '" DAY_1 "' AND user_id = '" USER_A "'", -1), 701);
	ck_assert_int_eq(db_count_rows(path, "upstream_daily"), 1);
	ck_assert_int_eq(db_count_rows(path, "log_daily"), 1);
	ck_assert_int_eq(test_db_int(db_path, "SELECT count(*) FROM"
	    " main.sqlite_master WHERE name = 'upstream_daily'", -1), 0);

	/* The reports read both files as one. */
	reqerr_clear(&re);
	ck_assert_int_eq(db_usage_day_totals(db, DAY_1, &t, &re), 0);
	ck_assert_int_eq(t.allowed, 9);
	ck_assert_int_eq(t.upstream.status_2xx, 7);
	ck_assert_int_eq(t.upstream.latency.buckets[0], 8);
	ck_assert_int_eq(t.unattributed, 1);
	ck_assert_int_eq(t.system.unauthorized, 4);
	ck_assert_int_eq(t.system.log_malformed, 2);
	ck_assert_int_eq(t.system.log_unmatched, 3);
}

START_TEST(test_db_migrate_from_version_3_moves_analytics)
{
	struct reqerr	re;

	db_make_version_3(NULL);
	reqerr_clear(&re);
	db = db_open(db_path, 0, 1000, DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_schema_version_found(db), 3);
	ck_assert_int_eq(db_schema_version(db, &re), db_schema_latest());
	db_check_moved_analytics();
}
END_TEST

/*
 * A migration that stopped after the analytics file's commit left
 * version 3 and a copy: migrating again copies anew, without doubles.
 */
START_TEST(test_db_migrate_repeats_interrupted_copy)
{
	struct reqerr	re;
	char		path[PATH_MAX + 16], sql[PATH_MAX + 64];

	db_make_version_3(NULL);
	db_analytics_file(path, sizeof(path));
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS analytics", path);
	test_db_exec(db_path, sql);
	test_db_exec(path,
	    "CREATE TABLE upstream_daily (day TEXT, user_id TEXT,"
	    " status_2xx INTEGER, PRIMARY KEY (day, user_id)) WITHOUT ROWID;"
	    "INSERT INTO upstream_daily VALUES ('" DAY_1 "', '" USER_A "', 7);"
	    "PRAGMA user_version = 1");

	reqerr_clear(&re);
	db = db_open(db_path, 0, 1000, DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	db_check_moved_analytics();
}
END_TEST

START_TEST(test_db_open_missing_analytics_needs_init)
{
	struct db	*core;
	struct reqerr	 re;
	char		 path[PATH_MAX + 16];

	db_close(db);
	db = NULL;
	db_analytics_file(path, sizeof(path));
	ck_assert_int_eq(unlink(path), 0);

	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000, 0, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, path) != NULL &&
	    strstr(re.db_message, "run 'driplinectl init'") != NULL,
	    "db_message '%s'", re.db_message);
	ck_assert_str_eq(re.message, "the database's analytics file is "
	    "missing: run 'driplinectl init'");
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000,
	    DB_OPEN_ANALYTICS_WRITER, &re));
	ck_assert_int_eq(re.status, 503);

	/* The decisions alone open, and init creates the file again. */
	reqerr_clear(&re);
	core = db_open(db_path, 0, 1000, DB_OPEN_CORE, &re);
	ck_assert_msg(core != NULL, "db_open: %s", re.db_message);
	db_close(core);
	db = db_open(db_path, 0, 1000, DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re);
	ck_assert_msg(db != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(test_db_int(path, "PRAGMA user_version", -1),
	    DB_ANALYTICS_VERSION);
	ck_assert_int_eq(db_count_rows(path, "upstream_daily"), 0);
}
END_TEST

/*
 * The collector's transactions lock the analytics file alone: decisions
 * commit while one is open, and the collector still reads them.
 */
START_TEST(test_db_analytics_writer_leaves_decisions_unlocked)
{
	struct db_outcomes	 o;
	struct db		*writer, *core;
	struct reqerr		 re;
	int64_t			 used;

	db_add_user(USER_A, "alice", 100);
	db_add_user(USER_B, "bob", 100);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 100, &used), 1);

	reqerr_clear(&re);
	writer = db_open(db_path, 0, 1000, DB_OPEN_ANALYTICS_WRITER, &re);
	ck_assert_msg(writer != NULL, "db_open: %s", re.db_message);
	core = db_open(db_path, 0, 0, DB_OPEN_CORE, &re);
	ck_assert_msg(core != NULL, "db_open: %s", re.db_message);

	memset(&o, 0, sizeof(o));
	o.status_2xx = 1;
	ck_assert_int_eq(db_begin(writer, &re), 0);
	ck_assert_int_eq(db_outcomes_add(writer, USER_A, DAY_1, &o, &re), 1);
	ck_assert_int_eq(db_outcomes_add(writer, USER_B, DAY_1, &o, &re), 0);

	/* With no wait allowed, a decision commits beside it. */
	ck_assert_int_eq(db_begin(core, &re), 0);
	ck_assert_int_eq(db_usage_charge(core, USER_B, DAY_1, 1, 100, &used,
	    &re), 1);
	ck_assert_int_eq(db_commit(core, &re), 0);
	ck_assert_int_eq(db_commit(writer, &re), 0);

	/* A later transaction of the collector reads the new decision. */
	ck_assert_int_eq(db_begin(writer, &re), 0);
	ck_assert_int_eq(db_outcomes_add(writer, USER_B, DAY_1, &o, &re), 1);
	ck_assert_int_eq(db_commit(writer, &re), 0);
	db_close(core);
	db_close(writer);
}
END_TEST

START_TEST(test_db_analytics_path_names)
{
	char	out[64];

	ck_assert_int_eq(db_analytics_path("/var/lib/d/dripline.db", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "/var/lib/d/dripline-analytics.db");
	ck_assert_int_eq(db_analytics_path("quota.sqlite", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "quota.sqlite-analytics");
	ck_assert_int_eq(db_analytics_path(".db", out, sizeof(out)), 0);
	ck_assert_str_eq(out, ".db-analytics");
	ck_assert_int_eq(db_analytics_path(":memory:", out, sizeof(out)), 0);
	ck_assert_str_eq(out, ":memory:");
	ck_assert_int_eq(db_analytics_path("/a/b.db", out, 16), -1);
}
END_TEST

/* A migration by a newer Dripline under an open connection is noticed. */
START_TEST(test_db_check_current_notices_migration)
{
	struct db	*writer;
	struct reqerr	 re;
	char		 sql[64], path[PATH_MAX + 16];

	reqerr_clear(&re);
	writer = db_open(db_path, 0, 1000, DB_OPEN_ANALYTICS_WRITER, &re);
	ck_assert_msg(writer != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_check_current(db, &re), 0);
	db_rollback(db);
	ck_assert_int_eq(db_begin(writer, &re), 0);
	ck_assert_int_eq(db_check_current(writer, &re), 0);
	db_rollback(writer);

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest() + 1);
	test_db_exec(db_path, sql);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_check_current(db, &re), -1);
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, "restart") != NULL,
	    "db_message '%s'", re.db_message);
	db_rollback(db);

	/* The collector's connection checks both files. */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    db_schema_latest());
	test_db_exec(db_path, sql);
	db_analytics_file(path, sizeof(path));
	test_db_exec(path, "PRAGMA user_version = 2");
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(writer, &re), 0);
	ck_assert_int_eq(db_check_current(writer, &re), -1);
	ck_assert_msg(strstr(re.message, "upgrade") != NULL, "message '%s'",
	    re.message);
	db_rollback(writer);
	db_close(writer);
}
END_TEST

/*
 * A file replaced or removed under an open connection is noticed, so
 * that the program opens the file now at the path instead of going on
 * with the old one.
 */
START_TEST(test_db_check_current_notices_replaced_file)
{
	struct db	*core;
	struct reqerr	 re;
	char		 moved[PATH_MAX + 16], analytics[PATH_MAX + 16];

	/* The analytics file removed under the fixture's connection. */
	reqerr_clear(&re);
	db_analytics_file(analytics, sizeof(analytics));
	ck_assert_int_eq(db_check_current(db, &re), 0);
	ck_assert_int_eq(unlink(analytics), 0);
	ck_assert_int_eq(db_check_current(db, &re), -1);
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, analytics) != NULL &&
	    strstr(re.db_message, "replaced or removed") != NULL,
	    "db_message '%s'", re.db_message);

	reqerr_clear(&re);
	core = db_open(db_path, 0, 1000, DB_OPEN_CORE, &re);
	ck_assert_msg(core != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_check_current(core, &re), 0);

	/* Another name for the same file changes nothing. */
	db_side_path("moved.db", moved, sizeof(moved));
	ck_assert_int_eq(rename(db_path, moved), 0);
	ck_assert_int_eq(link(moved, db_path), 0);
	ck_assert_int_eq(db_check_current(core, &re), 0);

	/* A copy at the path is another file. */
	ck_assert_int_eq(unlink(db_path), 0);
	db_copy_file(moved, db_path);
	ck_assert_int_eq(db_check_current(core, &re), -1);
	ck_assert_msg(strstr(re.db_message, db_path) != NULL,
	    "db_message '%s'", re.db_message);
	db_close(core);
}
END_TEST

/* A new database does not take over the analytics file of another. */
START_TEST(test_db_migrate_keeps_foreign_analytics_file)
{
	struct reqerr	re;
	char		path[PATH_MAX + 16];

	db_close(db);
	db = NULL;
	db_analytics_file(path, sizeof(path));
	test_db_exec(path, "INSERT INTO log_daily (day, malformed)"
	    " VALUES ('" DAY_1 "', 5)");
	ck_assert_int_eq(unlink(db_path), 0);

	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(db_path, 0, 1000,
	    DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re));
	ck_assert_msg(strstr(re.db_message, "move the analytics file away")
	    != NULL, "db_message '%s'", re.db_message);
	ck_assert_int_eq(test_db_int(path,
	    "SELECT malformed FROM log_daily", -1), 5);
	ck_assert_int_eq(db_user_version(db_path), 0);
}
END_TEST

START_TEST(test_db_open_not_a_database_refused)
{
	static const char text[] =
	    "This is a text file, not an SQLite database. It is long enough "
	    "to fill the place where SQLite expects its file header.\n";
	struct reqerr	re;
	char		path[PATH_MAX], data[4096];
	size_t		i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = text[i % (sizeof(text) - 1)];
	db_side_path("notes.txt", path, sizeof(path));
	db_write_file(path, data, sizeof(data));

	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(path, 0, 1000,
	    DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "database_unavailable");
	ck_assert_int_eq(re.db_code & 0xff, SQLITE_NOTADB);
	ck_assert_msg(strstr(re.db_message, "not a SQLite database") != NULL,
	    "db_message '%s'", re.db_message);
	/* The client's message names no file. */
	ck_assert_ptr_null(strstr(re.message, path));
	db_assert_file_is(path, data, sizeof(data));
}
END_TEST

START_TEST(test_db_open_uncreatable_path_fails)
{
	struct reqerr	re;
	char		path[PATH_MAX];

	db_side_path("missing/dripline.db", path, sizeof(path));
	reqerr_clear(&re);
	ck_assert_ptr_null(db_open(path, 0, 1000,
	    DB_OPEN_CREATE | DB_OPEN_MIGRATE, &re));
	ck_assert_int_eq(re.status, 503);
	ck_assert_msg(strstr(re.db_message, "cannot create") != NULL,
	    "db_message '%s'", re.db_message);
	ck_assert_msg(strstr(re.db_message, strerror(ENOENT)) != NULL,
	    "db_message '%s'", re.db_message);
}
END_TEST

/* Stands in for the checkpoint thread's wake: counts the calls. */
static void
db_count_wake(void *arg)
{
	(*(int *)arg)++;
}

static off_t
db_file_size(const char *path)
{
	struct stat	sb;

	ck_assert_int_eq(stat(path, &sb), 0);
	return sb.st_size;
}

/* Insert users first to first + n - 1, each in a commit of its own. */
static void
db_add_users(int first, int n)
{
	char	id[40], external_id[32];
	int	i;

	for (i = first; i < first + n; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", i);
		snprintf(external_id, sizeof(external_id), "user-%d", i);
		db_add_user(id, external_id, 10);
	}
}

START_TEST(test_db_checkpoint_deferred_to_another_connection)
{
	struct db	*other;
	struct reqerr	 re;
	off_t		 size;
	int		 wakes = 0;

	db_defer_checkpoints(db, 64, db_count_wake, &wakes);
	size = db_file_size(db_path);

	db_add_users(1, 1);
	ck_assert_int_eq(wakes, 0);
	db_add_users(2, 99);
	ck_assert_int_gt(wakes, 0);
	/* The log grew past the threshold, and nothing was copied back. */
	ck_assert_int_eq(db_file_size(db_path), size);

	reqerr_clear(&re);
	other = db_open(db_path, 0, 1000, 0, &re);
	ck_assert_msg(other != NULL, "db_open: %s", re.db_message);
	ck_assert_int_eq(db_checkpoint(other, &re), 0);
	ck_assert_int_gt(db_file_size(db_path), size);
	db_close(other);

	/* The database reads the same from the file. */
	ck_assert_int_eq(db_count_rows(db_path, "users"), 100);
}
END_TEST

START_TEST(test_db_checkpoint_by_itself_when_nobody_does)
{
	off_t	size;
	int	wakes = 0;

	db_defer_checkpoints(db, 1, db_count_wake, &wakes);
	size = db_file_size(db_path);

	/* Far past DB_CHECKPOINT_SELF_FACTOR pages: the writer copies. */
	db_add_users(1, 10 * DB_CHECKPOINT_SELF_FACTOR);
	ck_assert_int_gt(wakes, 0);
	ck_assert_int_gt(db_file_size(db_path), size);
}
END_TEST

START_TEST(test_db_begin_locked_past_timeout_fails)
{
	struct db	*other;
	struct reqerr	 re;

	reqerr_clear(&re);
	other = db_open(db_path, 0, 50, 0, &re);
	ck_assert_msg(other != NULL, "db_open: %s", re.db_message);

	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_begin(other, &re), -1);
	ck_assert_int_eq(re.status, 503);
	ck_assert_str_eq(re.code, "database_unavailable");
	ck_assert_int_eq(re.db_code & 0xff, SQLITE_BUSY);
	ck_assert_msg(strstr(re.db_message, "locked") != NULL,
	    "db_message '%s'", re.db_message);
	db_rollback(db);

	/* Once the lock is free, the other connection works again. */
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(other, &re), 0);
	ck_assert_int_eq(db_commit(other, &re), 0);
	db_close(other);
}
END_TEST

START_TEST(test_db_charge_large_values_exact)
{
	int64_t	used = -1;
	int	i;

	db_add_user(USER_A, "alice", CONF_LIMIT_MAX);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(db_charge(USER_A, DAY_1, CONF_COST_MAX,
		    CONF_LIMIT_MAX, &used), 1);
	ck_assert_int_eq(used, 3 * CONF_COST_MAX);

	/* Fill up to one unit below the limit, then take the last unit. */
	test_db_exec(db_path, "UPDATE usage_daily SET units = 999999999999");
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 2, CONF_LIMIT_MAX, &used),
	    0);
	ck_assert_int_eq(used, CONF_LIMIT_MAX - 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, CONF_LIMIT_MAX, &used),
	    1);
	ck_assert_int_eq(used, CONF_LIMIT_MAX);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, CONF_COST_MAX,
	    CONF_LIMIT_MAX, &used), 0);
}
END_TEST

START_TEST(test_db_charge_zero_limit_denies)
{
	int64_t	used = -1;

	db_add_user(USER_A, "alice", 0);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 0, &used), 0);
	ck_assert_int_eq(used, 0);
	ck_assert_int_eq(db_read_counts(USER_A, DAY_1).denied, 1);
}
END_TEST

START_TEST(test_db_charge_many_denials_counted)
{
	struct db_counts	counts;
	struct reqerr		re;
	int64_t			used;
	int			i;

	db_add_user(USER_A, "alice", 1);
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	for (i = 0; i < 500; i++)
		ck_assert_int_ne(db_usage_charge(db, USER_A, DAY_1, 1, 1,
		    &used, &re), -1);
	ck_assert_int_eq(db_commit(db, &re), 0);

	counts = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(counts.units, 1);
	ck_assert_int_eq(counts.allowed, 1);
	ck_assert_int_eq(counts.denied, 499);
}
END_TEST

START_TEST(test_db_longest_external_id_kept)
{
	struct db_user	u;
	struct reqerr	re;
	char		external_id[DB_EXTERNAL_ID_MAX + 1];

	memset(external_id, 'x', DB_EXTERNAL_ID_MAX);
	external_id[DB_EXTERNAL_ID_MAX] = '\0';
	db_add_user(USER_A, external_id, 1);
	reqerr_clear(&re);
	ck_assert_int_eq(db_user_get_by_external_id(db, external_id, &u, &re),
	    1);
	ck_assert_str_eq(u.external_id, external_id);
}
END_TEST


/* Count a free request in its own transaction, as the writer does. */
static int64_t
db_count_free(const char *user_id, const char *day, int64_t limit)
{
	struct reqerr	re;
	int64_t		used = -1;

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_usage_count_free(db, user_id, day, limit, &used,
	    &re), 0);
	ck_assert_int_eq(db_commit(db, &re), 0);
	return used;
}

/* Count n rows of table for day through a connection of its own. */
static int64_t
db_rows(const char *table, const char *day)
{
	char	sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE day = '%s'",
	    table, day);
	return test_db_int(db_path, sql, -1);
}

/* Write one 2xx outcome, one refusal of each kind and a 401 source. */
static void
db_add_analytics(const char *user_id, const char *day)
{
	struct db_outcomes	o;
	struct db_system_day	sys;
	struct reqerr		re;

	memset(&o, 0, sizeof(o));
	o.status_2xx = 1;
	memset(&sys, 0, sizeof(sys));
	sys.unauthorized = 1;
	sys.invalid_path = 1;
	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	ck_assert_int_eq(db_outcomes_add(db, user_id, day, &o, &re), 1);
	ck_assert_int_eq(db_system_add(db, day, &sys, &re), 0);
	ck_assert_int_eq(db_source_add(db, day, "192.0.2.1", 1, 10, &re), 1);
	ck_assert_int_eq(db_commit(db, &re), 0);
}

START_TEST(test_db_count_free_adds_allowed)
{
	struct db_counts	counts;
	int64_t			used;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_count_free(USER_A, DAY_1, 10), 0);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 2, 10, &used), 1);
	ck_assert_int_eq(db_count_free(USER_A, DAY_1, 10), 2);
	counts = db_read_counts(USER_A, DAY_1);
	ck_assert_int_eq(counts.units, 2);
	ck_assert_int_eq(counts.allowed, 3);
	ck_assert_int_eq(counts.denied, 0);
}
END_TEST

START_TEST(test_db_usage_records_last_limit)
{
	int64_t	used;

	db_add_user(USER_A, "alice", 10);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 2, 10, &used), 1);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_1), 10);

	/* A denial, a free request and a charge each record theirs. */
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 2, 1, &used), 0);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_1), 1);
	ck_assert_int_eq(db_count_free(USER_A, DAY_1, 7), 2);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_1), 7);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 30, &used), 1);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_1), 30);

	/* A first denial of the day inserts the row with its limit. */
	ck_assert_int_eq(db_charge(USER_A, DAY_2, 5, 4, &used), 0);
	ck_assert_int_eq(db_recorded_limit(USER_A, DAY_2), 4);
}
END_TEST

START_TEST(test_db_prune_keeps_recent_days)
{
	struct db_prune_counts	 counts;
	struct reqerr		 re;
	int64_t			 used;
	static const char	*old = "2026-12-01";

	db_add_user(USER_A, "alice", 10);
	db_add_user(USER_B, "bob", 10);
	ck_assert_int_eq(db_charge(USER_A, old, 1, 10, &used), 1);
	ck_assert_int_eq(db_charge(USER_B, old, 1, 10, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_1, 1, 10, &used), 1);
	ck_assert_int_eq(db_charge(USER_A, DAY_2, 1, 10, &used), 1);
	db_add_analytics(USER_A, old);
	db_add_analytics(USER_A, DAY_1);

	reqerr_clear(&re);
	ck_assert_int_eq(db_prune(db, DAY_1, &counts, &re), 0);
	ck_assert_int_eq(counts.usage_daily, 2);
	ck_assert_int_eq(counts.upstream_daily, 1);
	ck_assert_int_eq(counts.system_daily, 1);
	ck_assert_int_eq(counts.unauthorized_sources, 1);

	ck_assert_int_eq(db_rows("usage_daily", old), 0);
	ck_assert_int_eq(db_rows("upstream_daily", old), 0);
	ck_assert_int_eq(db_rows("system_daily", old), 0);
	ck_assert_int_eq(db_rows("unauthorized_sources", old), 0);
	ck_assert_int_eq(db_rows("usage_daily", DAY_1), 1);
	ck_assert_int_eq(db_rows("upstream_daily", DAY_1), 1);
	ck_assert_int_eq(db_rows("system_daily", DAY_1), 1);
	ck_assert_int_eq(db_rows("unauthorized_sources", DAY_1), 1);
	ck_assert_int_eq(db_rows("usage_daily", DAY_2), 1);

	/* Nothing left to prune: a second run deletes nothing. */
	ck_assert_int_eq(db_prune(db, DAY_1, &counts, &re), 0);
	ck_assert_int_eq(counts.usage_daily, 0);
	ck_assert_int_eq(counts.upstream_daily, 0);
}
END_TEST

START_TEST(test_db_prune_deletes_in_several_chunks)
{
	struct db_prune_counts	counts;
	struct reqerr		re;
	char			id[DB_UUID_LEN + 1], name[32];
	int64_t			used;
	int			i;

	reqerr_clear(&re);
	ck_assert_int_eq(db_begin(db, &re), 0);
	for (i = 0; i < 2500; i++) {
		snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", i);
		snprintf(name, sizeof(name), "user%d", i);
		ck_assert_int_eq(db_user_insert(db, id, name, 10, NOW_1, &re),
		    0);
		ck_assert_int_eq(db_usage_charge(db, id, "2026-01-01", 1, 10,
		    &used, &re), 1);
	}
	ck_assert_int_eq(db_commit(db, &re), 0);

	ck_assert_int_eq(db_prune(db, DAY_1, &counts, &re), 0);
	ck_assert_int_eq(counts.usage_daily, 2500);
	ck_assert_int_eq(db_rows("usage_daily", "2026-01-01"), 0);
}
END_TEST

Suite *
db_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("db");

	tc = tcase_create("core");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_db_charge_allows_until_limit);
	tcase_add_test(tc, test_db_charge_exact_remaining_allowed);
	tcase_add_test(tc, test_db_charge_first_at_limit_allowed);
	tcase_add_test(tc, test_db_charge_first_over_limit_denied);
	tcase_add_test(tc, test_db_charge_counts_allowed_and_denied);
	tcase_add_test(tc, test_db_charge_denial_charges_nothing);
	tcase_add_test(tc, test_db_charge_lowered_limit_denies);
	tcase_add_test(tc, test_db_charge_days_independent);
	tcase_add_test(tc, test_db_charge_users_independent);
	tcase_add_test(tc, test_db_charge_rolled_back_not_counted);
	tcase_add_test(tc, test_db_charge_batch_in_one_transaction);
	tcase_add_test(tc, test_db_usage_without_row_is_zero);
	tcase_add_test(tc, test_db_key_resolve_active_key);
	tcase_add_test(tc, test_db_key_resolve_unknown_key);
	tcase_add_test(tc, test_db_key_revoke_marks_key_only);
	tcase_add_test(tc, test_db_key_revoke_unknown_is_zero);
	tcase_add_test(tc, test_db_user_get_reads_fields);
	tcase_add_test(tc, test_db_user_set_limit_changes_limit);
	tcase_add_test(tc, test_db_user_revoke_revokes_all_keys);
	tcase_add_test(tc, test_db_user_revoke_twice_keeps_first_time);
	tcase_add_test(tc, test_db_user_revoke_unknown_is_zero);
	tcase_add_test(tc, test_db_token_lifecycle);
	tcase_add_test(tc, test_db_token_revoke_unknown_is_zero);
	tcase_add_test(tc, test_db_open_reopens_migrated_file);
	tcase_add_test(tc, test_db_open_creates_private_file);
	tcase_add_test(tc, test_db_count_free_adds_allowed);
	tcase_add_test(tc, test_db_usage_records_last_limit);
	tcase_add_test(tc, test_db_prune_keeps_recent_days);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_db_user_insert_duplicate_is_409);
	tcase_add_test(tc, test_db_user_insert_duplicate_id_is_409);
	tcase_add_test(tc, test_db_token_insert_duplicate_is_409);
	tcase_add_test(tc, test_db_key_insert_unknown_user_fails);
	tcase_add_test(tc, test_db_user_negative_limit_rejected);
	tcase_add_test(tc, test_db_begin_locked_past_timeout_fails);
	tcase_add_test(tc, test_db_open_missing_file_needs_init);
	tcase_add_test(tc, test_db_open_empty_file_needs_init);
	tcase_add_test(tc, test_db_open_create_without_migrate_needs_init);
	tcase_add_test(tc, test_db_open_newer_schema_refused);
	tcase_add_test(tc, test_db_open_not_a_database_refused);
	tcase_add_test(tc, test_db_migrate_from_version_3_moves_analytics);
	tcase_add_test(tc, test_db_migrate_repeats_interrupted_copy);
	tcase_add_test(tc, test_db_open_missing_analytics_needs_init);
	tcase_add_test(tc, test_db_analytics_writer_leaves_decisions_unlocked);
	tcase_add_test(tc, test_db_analytics_path_names);
	tcase_add_test(tc, test_db_check_current_notices_migration);
	tcase_add_test(tc, test_db_check_current_notices_replaced_file);
	tcase_add_test(tc, test_db_migrate_keeps_foreign_analytics_file);
	tcase_add_test(tc, test_db_open_uncreatable_path_fails);
	suite_add_tcase(s, tc);

	tc = tcase_create("migrations");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_db_migrate_from_version_2_keeps_rows);
	tcase_add_test(tc, test_db_migrate_refuses_dangling_reference);
	suite_add_tcase(s, tc);

	tc = tcase_create("checkpoints");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_db_checkpoint_deferred_to_another_connection);
	tcase_add_test(tc, test_db_checkpoint_by_itself_when_nobody_does);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, test_db_charge_large_values_exact);
	tcase_add_test(tc, test_db_charge_zero_limit_denies);
	tcase_add_test(tc, test_db_charge_many_denials_counted);
	tcase_add_test(tc, test_db_longest_external_id_kept);
	tcase_add_test(tc, test_db_prune_deletes_in_several_chunks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nfailed;

	sr = srunner_create(db_suite());
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
