/*
 * SQLite connection handling: open with the configured durability, check
 * or migrate the schema, cache prepared statements, and turn SQLite errors
 * into request errors that name the cause.
 *
 * Invariants, asserted where they can be:
 *  1. A cached statement is reset and unbound whenever no caller uses it,
 *     so db_stmt never hands out a busy statement.
 *  2. One struct db per thread; it is never shared.
 *  3. db_close finalizes every cached statement before closing the handle.
 *  4. A schema migration flushes the cache, since statements prepared
 *     against an older schema must not be reused.
 */
#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_int.h"
#include "db_migrations.h"

static const char *const db_sql[DB_STMT_COUNT] = {
	[DB_STMT_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
	[DB_STMT_COMMIT] = "COMMIT",
	[DB_STMT_ROLLBACK] = "ROLLBACK",
	[DB_STMT_SAVEPOINT] = "SAVEPOINT part",
	[DB_STMT_RELEASE] = "RELEASE part",
	[DB_STMT_ROLLBACK_TO] = "ROLLBACK TO part",
	/*
	 * Without statistics the planner prefers the unique index on
	 * secret_hash, which leaves the api_keys row to read as well.
	 */
	[DB_STMT_KEY_RESOLVE] =
	    "SELECT u.id, u.external_id, u.daily_limit, u.status, k.status"
	    " FROM api_keys AS k INDEXED BY api_keys_resolve"
	    " JOIN users AS u ON u.id = k.user_id"
	    " WHERE k.secret_hash = ?1",
	/*
	 * The check and the increment are one statement: a new row is only
	 * inserted when the caller has checked cost <= limit, and an
	 * existing row is only updated when units + cost <= limit. No row
	 * back means denied. Every decision also records the limit it was
	 * made under, for the reports of past days.
	 */
	[DB_STMT_USAGE_CHARGE] =
	    "INSERT INTO usage_daily (user_id, day, units, allowed,"
	    " daily_limit) VALUES (?1, ?2, ?3, 1, ?4)"
	    " ON CONFLICT (day, user_id) DO UPDATE"
	    " SET units = units + excluded.units, allowed = allowed + 1,"
	    " daily_limit = excluded.daily_limit"
	    " WHERE usage_daily.units + excluded.units <= ?4"
	    " RETURNING units",
	[DB_STMT_USAGE_DENY] =
	    "INSERT INTO usage_daily (user_id, day, denied, daily_limit)"
	    " VALUES (?1, ?2, 1, ?3)"
	    " ON CONFLICT (day, user_id) DO UPDATE SET denied = denied + 1,"
	    " daily_limit = excluded.daily_limit"
	    " RETURNING units",
	[DB_STMT_USAGE_GET] =
	    "SELECT units FROM usage_daily WHERE user_id = ?1 AND day = ?2",
	[DB_STMT_USER_INSERT] =
	    "INSERT INTO users (id, external_id, daily_limit, created_at,"
	    " updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
	[DB_STMT_USER_GET] =
	    "SELECT id, external_id, daily_limit, status, created_at,"
	    " updated_at, revoked_at FROM users WHERE id = ?1",
	[DB_STMT_USER_GET_BY_EXTERNAL_ID] =
	    "SELECT id, external_id, daily_limit, status, created_at,"
	    " updated_at, revoked_at FROM users WHERE external_id = ?1",
	[DB_STMT_USER_SET_LIMIT] =
	    "UPDATE users SET daily_limit = ?2, updated_at = ?3 WHERE id = ?1",
	[DB_STMT_USER_REVOKE] =
	    "UPDATE users SET status = 'revoked',"
	    " revoked_at = coalesce(revoked_at, ?2), updated_at = ?2"
	    " WHERE id = ?1",
	[DB_STMT_USER_KEYS_REVOKE] =
	    "UPDATE api_keys SET status = 'revoked', revoked_at = ?2"
	    " WHERE user_id = ?1 AND status = 'active'",
	[DB_STMT_KEY_INSERT] =
	    "INSERT INTO api_keys (id, user_id, name, prefix, secret_hash,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[DB_STMT_KEY_REVOKE] =
	    "UPDATE api_keys SET status = 'revoked',"
	    " revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
	[DB_STMT_TOKEN_INSERT] =
	    "INSERT INTO admin_tokens (id, name, prefix, secret_hash,"
	    " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
	[DB_STMT_TOKEN_LIST] =
	    "SELECT id, name, prefix, status, created_at, revoked_at"
	    " FROM admin_tokens ORDER BY created_at, id",
	[DB_STMT_TOKEN_REVOKE] =
	    "UPDATE admin_tokens SET status = 'revoked',"
	    " revoked_at = coalesce(revoked_at, ?2)"
	    " WHERE name = ?1 OR id = ?1",
	[DB_STMT_TOKEN_RESOLVE] =
	    "SELECT id, name, prefix, status, created_at, revoked_at,"
	    " secret_hash"
	    " FROM admin_tokens WHERE secret_hash = ?1 AND status = 'active'",
	/*
	 * Keyset pagination: ?3 is the last id of the previous page, or ""
	 * for the first page, so the primary key range gives stable pages
	 * while rows are added. NULL filters match every row.
	 */
	[DB_STMT_USER_LIST] =
	    "SELECT id, external_id, daily_limit, status, created_at,"
	    " updated_at, revoked_at FROM users"
	    " WHERE id > ?3 AND (?1 IS NULL OR status = ?1)"
	    " AND (?2 IS NULL OR external_id = ?2)"
	    " ORDER BY id LIMIT ?4",
	[DB_STMT_USER_KEY_COUNT] =
	    "SELECT count(*), count(*) FILTER (WHERE status = 'active')"
	    " FROM api_keys WHERE user_id = ?1",
	[DB_STMT_KEY_GET] =
	    "SELECT id, user_id, name, prefix, status, created_at, revoked_at"
	    " FROM api_keys WHERE id = ?1",
	[DB_STMT_KEY_LIST] =
	    "SELECT id, user_id, name, prefix, status, created_at, revoked_at"
	    " FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id",
	[DB_STMT_USAGE_RANGE] =
	    "SELECT d.day, d.units, d.allowed, d.denied, d.daily_limit, "
	    DB_OUTCOME_COLUMN_LIST("o.")
	    " FROM usage_daily AS d LEFT JOIN upstream_daily AS o"
	    " ON o.user_id = d.user_id AND o.day = d.day"
	    " WHERE d.user_id = ?1 AND d.day BETWEEN ?2 AND ?3"
	    " ORDER BY d.day",
	/*
	 * Unattributed requests are summed per user, since one user's
	 * missing outcomes are not made up by another's.
	 */
	[DB_STMT_USAGE_DAY_TOTALS] =
	    "SELECT count(*), coalesce(sum(d.units), 0),"
	    " coalesce(sum(d.allowed), 0), coalesce(sum(d.denied), 0),"
	    " coalesce(sum(max(0, d.allowed - ifnull(o.status_2xx"
	    " + o.status_4xx + o.status_5xx + o.timed_out + o.unreachable"
	    " + o.other, 0))), 0),"
	    " sum(o.status_2xx), sum(o.status_4xx), "
	    " sum(o.status_5xx), sum(o.timed_out), "
	    " sum(o.unreachable), sum(o.other), sum(o.latency_count), "
	    " sum(o.latency_sum_us), max(o.latency_max_us), "
	    " sum(o.latency_le_5ms), sum(o.latency_le_10ms), "
	    " sum(o.latency_le_25ms), sum(o.latency_le_50ms), "
	    " sum(o.latency_le_100ms), sum(o.latency_le_250ms), "
	    " sum(o.latency_le_500ms), sum(o.latency_le_1000ms), "
	    " sum(o.latency_le_2500ms), sum(o.latency_le_5000ms), "
	    " sum(o.latency_le_10000ms), sum(o.latency_le_30000ms), "
	    " sum(o.latency_le_60000ms), sum(o.latency_gt_60000ms)"
	    " FROM usage_daily AS d LEFT JOIN upstream_daily AS o"
	    " ON o.user_id = d.user_id AND o.day = d.day"
	    " WHERE d.day = ?1",
	[DB_STMT_USAGE_DAY_TOP] =
	    "SELECT d.user_id, u.external_id, u.daily_limit, d.day, d.units,"
	    " d.allowed, d.denied, d.daily_limit, "
	    DB_OUTCOME_COLUMN_LIST("o.")
	    " FROM usage_daily AS d JOIN users AS u ON u.id = d.user_id"
	    " LEFT JOIN upstream_daily AS o"
	    " ON o.user_id = d.user_id AND o.day = d.day"
	    " WHERE d.day = ?1 ORDER BY d.units DESC, d.user_id LIMIT ?2",
	[DB_STMT_USAGE_DAY_TOP_ERRORS] =
	    "SELECT d.user_id, u.external_id, u.daily_limit, d.day, d.units,"
	    " d.allowed, d.denied, d.daily_limit, "
	    DB_OUTCOME_COLUMN_LIST("o.")
	    " FROM upstream_daily AS o JOIN usage_daily AS d"
	    " ON d.user_id = o.user_id AND d.day = o.day"
	    " JOIN users AS u ON u.id = o.user_id"
	    " WHERE o.day = ?1"
	    " AND o.status_5xx + o.timed_out + o.unreachable > 0"
	    " ORDER BY o.status_5xx + o.timed_out + o.unreachable DESC,"
	    " o.user_id LIMIT ?2",
	[DB_STMT_USAGE_COUNT_FREE] =
	    "INSERT INTO usage_daily (user_id, day, allowed, daily_limit)"
	    " VALUES (?1, ?2, 1, ?3)"
	    " ON CONFLICT (day, user_id) DO UPDATE SET allowed = allowed + 1,"
	    " daily_limit = excluded.daily_limit"
	    " RETURNING units",
	[DB_STMT_SYSTEM_ADD] =
	    "INSERT INTO system_daily (day, unauthorized, invalid_path,"
	    " route_not_found, unavailable)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)"
	    " ON CONFLICT (day) DO UPDATE SET"
	    " unauthorized = unauthorized + excluded.unauthorized,"
	    " invalid_path = invalid_path + excluded.invalid_path,"
	    " route_not_found = route_not_found + excluded.route_not_found,"
	    " unavailable = unavailable + excluded.unavailable",
	[DB_STMT_LOG_ADD] =
	    "INSERT INTO log_daily (day, malformed, unmatched)"
	    " VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (day) DO UPDATE SET"
	    " malformed = malformed + excluded.malformed,"
	    " unmatched = unmatched + excluded.unmatched",
	/* One row, with NULL (read as 0) for a table without the day. */
	[DB_STMT_SYSTEM_GET] =
	    "SELECT s.unauthorized, s.invalid_path, s.route_not_found,"
	    " s.unavailable, l.malformed, l.unmatched"
	    " FROM (SELECT ?1 AS day) AS k"
	    " LEFT JOIN system_daily AS s ON s.day = k.day"
	    " LEFT JOIN log_daily AS l ON l.day = k.day",
	/*
	 * A new address is only inserted while the day has fewer than ?4
	 * addresses, so a flood from many addresses cannot grow the table
	 * without bound. The SELECT needs its WHERE for SQLite to parse
	 * the upsert.
	 */
	[DB_STMT_SOURCE_ADD] =
	    "INSERT INTO unauthorized_sources (day, address, attempts)"
	    " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1"
	    " FROM unauthorized_sources WHERE day = ?1 AND address = ?2)"
	    " OR (SELECT count(*) FROM unauthorized_sources"
	    " WHERE day = ?1) < ?4"
	    " ON CONFLICT (day, address) DO UPDATE"
	    " SET attempts = attempts + excluded.attempts",
	[DB_STMT_SOURCE_TOP] =
	    "SELECT address, attempts FROM unauthorized_sources"
	    " WHERE day = ?1 ORDER BY attempts DESC, address LIMIT ?2",
	/*
	 * Outcomes are only recorded next to a decision of the same user
	 * and day; no row changed means there was none. An existing
	 * outcome row was checked when it was inserted. Looking for it
	 * first avoids a read of the decisions' file, whose cached pages
	 * this connection discards after each commit of the authorizer.
	 */
	[DB_STMT_OUTCOMES_ADD] =
	    "INSERT INTO upstream_daily (user_id, day, "
	    DB_OUTCOME_COLUMN_LIST("") ")"
	    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
	    " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
	    " ?23, ?24, ?25"
	    " WHERE EXISTS (SELECT 1 FROM upstream_daily"
	    " WHERE day = ?2 AND user_id = ?1)"
	    " OR EXISTS (SELECT 1 FROM usage_daily"
	    " WHERE day = ?2 AND user_id = ?1)"
	    " ON CONFLICT (day, user_id) DO UPDATE SET "
	    " status_2xx = status_2xx + excluded.status_2xx, "
	    " status_4xx = status_4xx + excluded.status_4xx, "
	    " status_5xx = status_5xx + excluded.status_5xx, "
	    " timed_out = timed_out + excluded.timed_out, "
	    " unreachable = unreachable + excluded.unreachable, "
	    " other = other + excluded.other, "
	    " latency_count = latency_count + excluded.latency_count, "
	    " latency_sum_us = latency_sum_us + excluded.latency_sum_us, "
	    " latency_max_us = max(latency_max_us, excluded.latency_max_us), "
	    " latency_le_5ms = latency_le_5ms + excluded.latency_le_5ms, "
	    " latency_le_10ms = latency_le_10ms + excluded.latency_le_10ms, "
	    " latency_le_25ms = latency_le_25ms + excluded.latency_le_25ms, "
	    " latency_le_50ms = latency_le_50ms + excluded.latency_le_50ms, "
	    " latency_le_100ms = latency_le_100ms + excluded.latency_le_100ms, "
	    " latency_le_250ms = latency_le_250ms + excluded.latency_le_250ms, "
	    " latency_le_500ms = latency_le_500ms + excluded.latency_le_500ms, "
	    " latency_le_1000ms ="
	    " latency_le_1000ms + excluded.latency_le_1000ms, "
	    " latency_le_2500ms ="
	    " latency_le_2500ms + excluded.latency_le_2500ms, "
	    " latency_le_5000ms ="
	    " latency_le_5000ms + excluded.latency_le_5000ms, "
	    " latency_le_10000ms ="
	    " latency_le_10000ms + excluded.latency_le_10000ms, "
	    " latency_le_30000ms ="
	    " latency_le_30000ms + excluded.latency_le_30000ms, "
	    " latency_le_60000ms ="
	    " latency_le_60000ms + excluded.latency_le_60000ms, "
	    " latency_gt_60000ms ="
	    " latency_gt_60000ms + excluded.latency_gt_60000ms",
	/* Pruning deletes at most ?2 rows per statement. */
	[DB_STMT_PRUNE_UPSTREAM] =
	    "DELETE FROM upstream_daily WHERE (day, user_id) IN"
	    " (SELECT day, user_id FROM upstream_daily WHERE day < ?1"
	    " LIMIT ?2)",
	[DB_STMT_PRUNE_USAGE] =
	    "DELETE FROM usage_daily WHERE (day, user_id) IN"
	    " (SELECT day, user_id FROM usage_daily WHERE day < ?1"
	    " LIMIT ?2)",
	[DB_STMT_PRUNE_SYSTEM] =
	    "DELETE FROM system_daily WHERE day IN"
	    " (SELECT day FROM system_daily WHERE day < ?1 LIMIT ?2)",
	[DB_STMT_PRUNE_LOG] =
	    "DELETE FROM log_daily WHERE day IN"
	    " (SELECT day FROM log_daily WHERE day < ?1 LIMIT ?2)",
	[DB_STMT_PRUNE_SOURCES] =
	    "DELETE FROM unauthorized_sources WHERE (day, address) IN"
	    " (SELECT day, address FROM unauthorized_sources WHERE day < ?1"
	    " LIMIT ?2)",
	[DB_STMT_AUDIT_INSERT] =
	    "INSERT INTO audit (at, token_id, token_name, action, target_id,"
	    " client_address, outcome, detail)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[DB_STMT_AUDIT_LIST] =
	    "SELECT id, at, token_id, token_name, action, target_id,"
	    " client_address, outcome, detail FROM audit"
	    " WHERE id > ?1 ORDER BY id LIMIT ?2",
	[DB_STMT_VERSION_MAIN] = "PRAGMA main.user_version",
	[DB_STMT_VERSION_CORE] = "PRAGMA core.user_version",
	[DB_STMT_VERSION_ANALYTICS] = "PRAGMA analytics.user_version",
	/*
	 * The analytics file's tables, version DB_ANALYTICS_VERSION, for a
	 * connection that has it attached as "analytics". These scripts
	 * hold several statements: db_exec runs them, never db_stmt.
	 *
	 * upstream_daily: what became of the allowed requests, per user
	 * and day, added to by dripline-collector from the web server's
	 * access log (see migration 0002 for the columns). The collector
	 * only adds a row for a user and day that has a decision in
	 * usage_daily. That table is in the other file, so no foreign key
	 * can enforce it.
	 *
	 * log_daily: per UTC day, the access log lines the collector could
	 * not parse and those that named no decision.
	 */
	[DB_STMT_ANALYTICS_CREATE] =
	    "DROP TABLE IF EXISTS analytics.upstream_daily;"
	    "DROP TABLE IF EXISTS analytics.log_daily;"
	    "CREATE TABLE analytics.upstream_daily ("
	    " day TEXT NOT NULL, user_id TEXT NOT NULL,"
	    " status_2xx INTEGER NOT NULL DEFAULT 0,"
	    " status_4xx INTEGER NOT NULL DEFAULT 0,"
	    " status_5xx INTEGER NOT NULL DEFAULT 0,"
	    " timed_out INTEGER NOT NULL DEFAULT 0,"
	    " unreachable INTEGER NOT NULL DEFAULT 0,"
	    " other INTEGER NOT NULL DEFAULT 0,"
	    " latency_count INTEGER NOT NULL DEFAULT 0,"
	    " latency_sum_us INTEGER NOT NULL DEFAULT 0,"
	    " latency_max_us INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_5ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_10ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_25ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_50ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_100ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_250ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_500ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_1000ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_2500ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_5000ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_10000ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_30000ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_le_60000ms INTEGER NOT NULL DEFAULT 0,"
	    " latency_gt_60000ms INTEGER NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (day, user_id)"
	    ") WITHOUT ROWID;"
	    "CREATE TABLE analytics.log_daily ("
	    " day TEXT PRIMARY KEY,"
	    " malformed INTEGER NOT NULL DEFAULT 0,"
	    " unmatched INTEGER NOT NULL DEFAULT 0"
	    ") WITHOUT ROWID;"
	    "PRAGMA analytics.user_version = 1;",
	/* The rows of schema version 3; see DB_ANALYTICS_SPLIT_VERSION. */
	[DB_STMT_ANALYTICS_IMPORT] =
	    "INSERT INTO analytics.upstream_daily (day, user_id, "
	    DB_OUTCOME_COLUMN_LIST("") ")"
	    " SELECT day, user_id, " DB_OUTCOME_COLUMN_LIST("")
	    " FROM main.upstream_daily;"
	    "INSERT INTO analytics.log_daily (day, malformed, unmatched)"
	    " SELECT day, log_malformed, log_unmatched FROM main.system_daily"
	    " WHERE log_malformed > 0 OR log_unmatched > 0;",
};

_Static_assert(DB_ANALYTICS_VERSION == 1,
    "DB_STMT_ANALYTICS_CREATE sets the analytics file's version");

/*
 * Up to schema version 3 the decisions' file contained the analytics
 * tables. Before the migration to version 4 drops them there, their rows
 * are copied to the analytics file in a transaction of its own, which
 * commits first. SQLite commits attached WAL files one after the other,
 * and a crash between the two must not lose the rows. A crash after the
 * copy leaves version 3, and the next migration copies again.
 */
#define DB_ANALYTICS_SPLIT_VERSION	4

/*
 * The error code and messages for a schema that does not match, which
 * the admin API passes to its clients. The log line adds the file and
 * the versions.
 */
#define DB_SCHEMA_CODE		"schema_mismatch"
#define DB_OLDER_MESSAGE	"the database needs 'driplinectl init' first"
#define DB_MISSING_MESSAGE	\
	"the database's analytics file is missing: run 'driplinectl init'"
#define DB_NEWER_MESSAGE	\
	"the database is of a newer Dripline: upgrade this program"

static int	db_exec(struct db *, const char *, struct reqerr *);
static int	db_check_writable(struct db *, struct reqerr *);
static int	db_migrate(struct db *, int, struct reqerr *);
static int	db_analytics_create(struct db *, int, struct reqerr *);
static int	db_user_version(struct db *, enum db_stmt, struct reqerr *);
static int	db_file_note(struct db *, int, const char *, struct reqerr *);
static void	db_flush_cache(struct db *);
static const char *db_cause(int);

int
db_schema_latest(void)
{
	return (int)db_migrations_count;
}

/* Name the cause of an SQLite error in words an operator can act on. */
static const char *
db_cause(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "database locked by another process past the lock "
		    "timeout";
	case SQLITE_CANTOPEN:
		return "database file missing or not accessible (run "
		    "'driplinectl init')";
	case SQLITE_NOTADB:
		return "file is not a SQLite database";
	case SQLITE_CORRUPT:
		return "database file is corrupt";
	case SQLITE_READONLY:
		return "database is read-only";
	case SQLITE_FULL:
		return "database or file system is full";
	case SQLITE_IOERR:
		return "I/O error on the database file";
	case SQLITE_NOMEM:
		return "out of memory";
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return "permission denied on the database file";
	default:
		return "database error";
	}
}

int
db_fail_at(struct db *db, int rc, const char *func, int line,
    struct reqerr *re)
{
	const char	*msg = sqlite3_errstr(rc);
	char		 os[96] = "";
	int		 errnum;

	if (re == NULL || re->status != 0)
		return -1;
	if (db != NULL && db->handle != NULL) {
		/* The handle's message is about its last call, maybe not rc. */
		if ((sqlite3_extended_errcode(db->handle) & 0xff) == (rc & 0xff))
			msg = sqlite3_errmsg(db->handle);
		/*
		 * For these codes the operating system's reason (no space
		 * left, read-only file system) names the fix. For the others
		 * the last errno is unrelated.
		 */
		errnum = sqlite3_system_errno(db->handle);
		switch (rc & 0xff) {
		case SQLITE_CANTOPEN:
		case SQLITE_FULL:
		case SQLITE_IOERR:
		case SQLITE_READONLY:
			if (errnum != 0)
				snprintf(os, sizeof(os), ": %s",
				    strerror(errnum));
			break;
		}
	}
	reqerr_set(re, func, line, 503, "database_unavailable",
	    "the database is unavailable");
	re->db_code = rc;
	snprintf(re->db_message, sizeof(re->db_message), "%s: %s (%s%s)",
	    db != NULL && db->path != NULL ? db->path : "database",
	    db_cause(rc), msg, os);
	return -1;
}

/*
 * When SQLite may not write the file (a read-only file system, an
 * immutable file, no write permission), it opens it read-only without an
 * error, and the first write or the WAL set-up then fails with a
 * misleading code. Report it at open, with the operating system's reason.
 * Returns 0, or -1 with the cause in re.
 */
static int
db_check_writable(struct db *db, struct reqerr *re)
{
	if (sqlite3_db_readonly(db->handle, "main") != 1)
		return 0;
	if (re->status != 0)
		return -1;
	REQERR(re, 503, "database_unavailable", "the database is unavailable");
	re->db_code = SQLITE_READONLY;
	snprintf(re->db_message, sizeof(re->db_message), "%s: %s (%s)",
	    db->path, db_cause(SQLITE_READONLY), access(db->path, W_OK) == -1 ?
	    strerror(errno) : "opened read-only");
	return -1;
}

sqlite3_stmt *
db_stmt(struct db *db, enum db_stmt id, struct reqerr *re)
{
	int	rc;

	assert(id >= 0);
	assert(id < DB_STMT_COUNT);
	if (db->stmts[id] == NULL) {
		rc = sqlite3_prepare_v3(db->handle, db_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &db->stmts[id], NULL);
		if (rc != SQLITE_OK) {
			db_fail(db, rc, re);
			return NULL;
		}
	}
	assert(!sqlite3_stmt_busy(db->stmts[id]));
	return db->stmts[id];
}

void
db_stmt_done(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void
db_column_copy(sqlite3_stmt *st, int col, char *dst, size_t dstlen)
{
	const unsigned char	*text = sqlite3_column_text(st, col);

	snprintf(dst, dstlen, "%s", text != NULL ? (const char *)text : "");
}

int
db_bindf(struct db *db, sqlite3_stmt *st, struct reqerr *re,
    const char *fmt, ...)
{
	va_list	ap;
	int	rc = SQLITE_OK, i;

	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		switch (fmt[i]) {
		case 't':
			rc = sqlite3_bind_text(st, i + 1, va_arg(ap,
			    const char *), -1, SQLITE_STATIC);
			break;
		case 'i':
			rc = sqlite3_bind_int64(st, i + 1, va_arg(ap,
			    int64_t));
			break;
		default:
			assert(!"db_bindf: unknown format letter");
			rc = SQLITE_MISUSE;
		}
	}
	va_end(ap);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, re);
	return 0;
}

int
db_step_change(struct db *db, sqlite3_stmt *st, struct reqerr *re)
{
	int	rc;

	rc = sqlite3_step(st);
	db_stmt_done(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, rc, re);
	return sqlite3_changes(db->handle);
}

static void
db_flush_cache(struct db *db)
{
	int	i;

	for (i = 0; i < DB_STMT_COUNT; i++) {
		sqlite3_finalize(db->stmts[i]);
		db->stmts[i] = NULL;
	}
}

/* Run one-off SQL (pragmas, migrations). */
static int
db_exec(struct db *db, const char *sql, struct reqerr *re)
{
	int	rc;

	rc = sqlite3_exec(db->handle, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, re);
	return 0;
}

int
db_schema_version(struct db *db, struct reqerr *re)
{
	return db_user_version(db, DB_STMT_VERSION_MAIN, re);
}

/* Read a file's schema version with the statement id, or -1. */
static int
db_user_version(struct db *db, enum db_stmt id, struct reqerr *re)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, version = -1;

	rc = sqlite3_prepare_v2(db->handle, db_sql[id], -1, &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, rc, re);
		goto out;
	}
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		db_fail(db, rc, re);
		goto out;
	}
	version = sqlite3_column_int(st, 0);
out:
	sqlite3_finalize(st);
	return version;
}

/*
 * SQLite's busy handler: wait for another connection's lock in steps of
 * DB_BUSY_STEP_US, up to the lock timeout. sqlite3_busy_timeout sleeps
 * 1, 2, 5, 10 ms and longer between tries, so a lock that the collector
 * releases after 3.5 ms would keep the authorizer waiting for 8.
 */
static int
db_busy_wait(void *arg, int tries)
{
	struct db	*db = arg;
	struct timespec	 now, step = { 0, DB_BUSY_STEP_US * 1000L };
	int64_t		 now_us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	if (tries == 0)
		db->busy_since_us = now_us;
	if (now_us - db->busy_since_us >= (int64_t)db->lock_timeout_ms * 1000)
		return 0;
	nanosleep(&step, NULL);
	return 1;
}

/* SQLite's WAL hook, once db_defer_checkpoints has installed it. */
static int
db_wal_committed(void *arg, sqlite3 *handle, const char *schema,
    int pages)
{
	struct db	*db = arg;

	if (pages < db->checkpoint_pages)
		return SQLITE_OK;
	if (pages >= db->checkpoint_pages * DB_CHECKPOINT_SELF_FACTOR)
		(void)sqlite3_wal_checkpoint_v2(handle, schema,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	else
		db->checkpoint_wake(db->checkpoint_arg);
	return SQLITE_OK;
}

void
db_defer_checkpoints(struct db *db, int pages, void (*wake)(void *),
    void *arg)
{
	db->checkpoint_pages = pages > 0 ? pages : 1;
	db->checkpoint_wake = wake;
	db->checkpoint_arg = arg;
	/* Replaces SQLite's automatic checkpoint, itself a WAL hook. */
	(void)sqlite3_wal_hook(db->handle, db_wal_committed, db);
}

void
db_checkpoint_after(struct db *db, int pages)
{
	(void)sqlite3_wal_autocheckpoint(db->handle, pages);
}

int
db_checkpoint(struct db *db, struct reqerr *re)
{
	int	rc;

	rc = sqlite3_wal_checkpoint_v2(db->handle, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_fail(db, rc, re);
	return 0;
}

/*
 * Check every foreign key of the database. Returns 0 if all hold, else
 * -1 with the first table that has a dangling reference in re.
 */
static int
db_check_foreign_keys(struct db *db, struct reqerr *re)
{
	sqlite3_stmt	*st = NULL;
	int		 rc, ret = -1;

	rc = sqlite3_prepare_v2(db->handle, "PRAGMA foreign_key_check", -1,
	    &st, NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, rc, re);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		REQERR(re, 503, "database_unavailable",
		    "the database is unavailable");
		snprintf(re->db_message, sizeof(re->db_message),
		    "%s: table %s has a row whose reference to %s is missing",
		    db->path, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
		goto out;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, rc, re);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/*
 * Apply the migrations after version, each in its own transaction.
 * Foreign keys are not enforced while a migration runs, so that it can
 * rebuild a table that others refer to. Every key is checked before the
 * migration commits instead.
 */
static int
db_migrate(struct db *db, int version, struct reqerr *re)
{
	int	v, analytics, ret = 0;

	/*
	 * Before version 3 was committed no analytics file was made, so
	 * one with tables belongs to another database: keep it.
	 */
	if (version < DB_ANALYTICS_SPLIT_VERSION - 1) {
		analytics = db_user_version(db, DB_STMT_VERSION_ANALYTICS, re);
		if (analytics == -1)
			return -1;
		if (analytics != 0) {
			REQERR(re, 503, "database_unavailable",
			    "the database is unavailable");
			snprintf(re->db_message, sizeof(re->db_message),
			    "%s: schema version %d, but its analytics file "
			    "already has tables, from another database; move "
			    "the analytics file away first", db->path,
			    version);
			return -1;
		}
	}

	db_flush_cache(db);
	if (db_exec(db, "PRAGMA foreign_keys = OFF", re) == -1)
		return -1;
	for (v = version; v < db_schema_latest() && ret == 0; v++) {
		if (v + 1 == DB_ANALYTICS_SPLIT_VERSION &&
		    db_analytics_create(db, 1, re) == -1) {
			ret = -1;
			break;
		}
		if (db_exec(db, "BEGIN IMMEDIATE", re) == -1) {
			ret = -1;
			break;
		}
		if (db_exec(db, db_migrations[v], re) == -1 ||
		    db_exec(db, db_migration_versions[v], re) == -1 ||
		    db_check_foreign_keys(db, re) == -1 ||
		    db_exec(db, "COMMIT", re) == -1) {
			sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
			ret = -1;
		}
	}
	if (db_exec(db, "PRAGMA foreign_keys = ON", ret == 0 ? re : NULL) ==
	    -1)
		ret = -1;
	return ret;
}

/*
 * Create the analytics file's tables in a transaction of their own,
 * empty, or with the rows of the decisions' file at version 3 if import
 * is set. Tables left by an earlier try are replaced. Returns 0 or -1.
 */
static int
db_analytics_create(struct db *db, int import, struct reqerr *re)
{
	if (db_exec(db, "BEGIN IMMEDIATE", re) == -1)
		return -1;
	if (db_exec(db, db_sql[DB_STMT_ANALYTICS_CREATE], re) == -1 ||
	    (import &&
	    db_exec(db, db_sql[DB_STMT_ANALYTICS_IMPORT], re) == -1) ||
	    db_exec(db, "COMMIT", re) == -1) {
		sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int
db_analytics_path(const char *path, char *out, size_t outlen)
{
	size_t	len = strlen(path);
	int	n;

	if (strcmp(path, ":memory:") == 0)
		n = snprintf(out, outlen, "%s", path);
	else if (len > 3 && strcmp(path + len - 3, ".db") == 0)
		n = snprintf(out, outlen, "%.*s-analytics.db", (int)(len - 3),
		    path);
	else
		n = snprintf(out, outlen, "%s-analytics", path);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Create path with mode 0600 if it does not exist. Returns 0 or -1. */
static int
db_create_file(const char *path, struct reqerr *re)
{
	int	fd;

	if (strcmp(path, ":memory:") == 0)
		return 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		REQERR(re, 503, "database_unavailable",
		    "the database is unavailable");
		snprintf(re->db_message, sizeof(re->db_message),
		    "%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Attach the file at path: the decisions' file as "core", read-only,
 * if readonly is set, else the analytics file as "analytics".
 * Read-only takes a URI, in which path's bytes other than letters,
 * digits and "/-._~" are percent-encoded. Returns 0 or -1.
 */
static int
db_attach(struct db *db, const char *path, int readonly,
    struct reqerr *re)
{
	static const char	 hex[] = "0123456789ABCDEF";
	sqlite3_stmt		*st = NULL;
	char			*uri = NULL, *p;
	const unsigned char	*c;
	int			 rc;

	if (readonly) {
		if ((uri = malloc(strlen(path) * 3 + 16)) == NULL) {
			REQERR(re, 503, "database_unavailable",
			    "out of memory");
			return -1;
		}
		p = uri + sprintf(uri, "file:");
		for (c = (const unsigned char *)path; *c != '\0'; c++) {
			if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' &&
			    *c <= 'Z') || (*c >= '0' && *c <= '9') ||
			    strchr("/-._~", *c) != NULL)
				*p++ = (char)*c;
			else {
				*p++ = '%';
				*p++ = hex[*c >> 4];
				*p++ = hex[*c & 0xf];
			}
		}
		strcpy(p, "?mode=ro");
	}
	rc = sqlite3_prepare_v2(db->handle, readonly ? "ATTACH ?1 AS core" :
	    "ATTACH ?1 AS analytics", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, uri != NULL ? uri : path, -1,
		    SQLITE_STATIC);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	free(uri);
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_CANTOPEN)
		REQERR(re, 503, DB_SCHEMA_CODE, DB_MISSING_MESSAGE);
	else
		REQERR(re, 503, "database_unavailable",
		    "the database is unavailable");
	re->db_code = rc;
	snprintf(re->db_message, sizeof(re->db_message), "%s: %s (%s)", path,
	    db_cause(rc), sqlite3_errmsg(db->handle));
	return -1;
}

/*
 * Check the analytics file's schema version, and create its tables if
 * the file is new and flags has DB_OPEN_MIGRATE. Returns 0 or -1.
 */
static int
db_analytics_check(struct db *db, const char *path, int flags,
    struct reqerr *re)
{
	int	version;

	version = db_user_version(db, (flags & DB_OPEN_ANALYTICS_WRITER) ?
	    DB_STMT_VERSION_MAIN : DB_STMT_VERSION_ANALYTICS, re);
	if (version == -1)
		return -1;
	if (version == DB_ANALYTICS_VERSION)
		return 0;
	if (version == 0 && (flags & DB_OPEN_MIGRATE)) {
		db->analytics_created = 1;
		return db_analytics_create(db, 0, re);
	}
	REQERR(re, 503, DB_SCHEMA_CODE, version > DB_ANALYTICS_VERSION ?
	    DB_NEWER_MESSAGE : DB_OLDER_MESSAGE);
	snprintf(re->db_message, sizeof(re->db_message),
	    "%s: analytics schema version %d, this program's is %d; %s", path,
	    version, DB_ANALYTICS_VERSION, version > DB_ANALYTICS_VERSION ?
	    "upgrade Dripline" : "run 'driplinectl init'");
	return -1;
}

struct db *
db_open(const char *path, int durability_full, int lock_timeout_ms,
    int flags, struct reqerr *re)
{
	struct db	*db;
	char		*analytics_path = NULL;
	size_t		 len = strlen(path) + sizeof("-analytics");
	int		 rc, version, open_flags;

	assert(!((flags & DB_OPEN_ANALYTICS_WRITER) &&
	    (flags & (DB_OPEN_CORE | DB_OPEN_MIGRATE | DB_OPEN_CREATE))));
	if ((db = calloc(1, sizeof(*db))) == NULL ||
	    (analytics_path = malloc(len)) == NULL ||
	    db_analytics_path(path, analytics_path, len) == -1 ||
	    (db->path = strdup((flags & DB_OPEN_ANALYTICS_WRITER) ?
	    analytics_path : path)) == NULL) {
		free(analytics_path);
		free(db);
		REQERR(re, 503, "database_unavailable", "out of memory");
		return NULL;
	}
	db->lock_timeout_ms = lock_timeout_ms;
	db->analytics_main = (flags & DB_OPEN_ANALYTICS_WRITER) != 0;

	/* Create the files ourselves so they start private (mode 0600). */
	if ((flags & DB_OPEN_CREATE) && db_create_file(path, re) == -1)
		goto fail;

	open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
	    SQLITE_OPEN_URI;
	rc = sqlite3_open_v2(db->path, &db->handle, open_flags, NULL);
	if (rc != SQLITE_OK) {
		db_fail(db, rc, re);
		goto fail;
	}
	sqlite3_extended_result_codes(db->handle, 1);
	sqlite3_busy_handler(db->handle, db_busy_wait, db);
	if (db_check_writable(db, re) == -1)
		goto fail;

	/* WAL lets readers run beside the one writer. */
	if (db_exec(db, "PRAGMA journal_mode = WAL", re) == -1 ||
	    db_exec(db, durability_full ? "PRAGMA synchronous = FULL" :
	    "PRAGMA synchronous = NORMAL", re) == -1 ||
	    db_exec(db, "PRAGMA foreign_keys = ON", re) == -1)
		goto fail;
	if ((flags & DB_OPEN_LARGE_CACHE) &&
	    db_exec(db, "PRAGMA cache_size = -16384", re) == -1)
		goto fail;

	/*
	 * BEGIN IMMEDIATE takes the write lock of every attached file
	 * except those attached read-only, which it only reads.
	 */
	if ((flags & DB_OPEN_ANALYTICS_WRITER) &&
	    db_attach(db, path, 1, re) == -1)
		goto fail;

	version = db_user_version(db, (flags & DB_OPEN_ANALYTICS_WRITER) ?
	    DB_STMT_VERSION_CORE : DB_STMT_VERSION_MAIN, re);
	if (version == -1)
		goto fail;
	db->version_found = version;
	if (version > db_schema_latest()) {
		REQERR(re, 503, DB_SCHEMA_CODE, DB_NEWER_MESSAGE);
		snprintf(re->db_message, sizeof(re->db_message),
		    "%s: schema version %d is newer than this program "
		    "supports (%d); upgrade Dripline", path, version,
		    db_schema_latest());
		goto fail;
	}
	if (version < db_schema_latest()) {
		if (!(flags & DB_OPEN_MIGRATE)) {
			REQERR(re, 503, DB_SCHEMA_CODE, DB_OLDER_MESSAGE);
			snprintf(re->db_message, sizeof(re->db_message),
			    "%s: schema version %d is older than this "
			    "program's (%d); run 'driplinectl init'", path,
			    version, db_schema_latest());
			goto fail;
		}
		if (flags & DB_OPEN_CORE) {
			REQERR(re, 503, "database_unavailable",
			    "the database is unavailable");
			snprintf(re->db_message, sizeof(re->db_message),
			    "%s: migrating needs the analytics file", path);
			goto fail;
		}
	}

	/*
	 * Attach the analytics file after the schema check, so that the
	 * error for a database that needs init names that cause first.
	 * Migrating may have to create the file.
	 */
	if (!(flags & (DB_OPEN_CORE | DB_OPEN_ANALYTICS_WRITER)) &&
	    (((flags & (DB_OPEN_CREATE | DB_OPEN_MIGRATE)) &&
	    db_create_file(analytics_path, re) == -1) ||
	    db_attach(db, analytics_path, 0, re) == -1 ||
	    db_exec(db, "PRAGMA analytics.journal_mode = WAL", re) == -1 ||
	    db_exec(db, durability_full ? "PRAGMA analytics.synchronous = FULL" :
	    "PRAGMA analytics.synchronous = NORMAL", re) == -1))
		goto fail;
	if (version < db_schema_latest() && db_migrate(db, version, re) == -1)
		goto fail;
	if (!(flags & DB_OPEN_CORE) &&
	    db_analytics_check(db, analytics_path, flags, re) == -1)
		goto fail;
	if (db_file_note(db, 0, path, re) == -1 || (!(flags & DB_OPEN_CORE) &&
	    db_file_note(db, 1, analytics_path, re) == -1))
		goto fail;
	db->analytics_open = !(flags & DB_OPEN_CORE);
	free(analytics_path);
	return db;

fail:
	free(analytics_path);
	db_close(db);
	return NULL;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	db_rollback(db);
	db_flush_cache(db);
	sqlite3_close(db->handle);
	free(db->files[0].path);
	free(db->files[1].path);
	free(db->path);
	free(db);
}

static int
db_step_simple(struct db *db, enum db_stmt id, struct reqerr *re)
{
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, id, re)) == NULL)
		return -1;
	return db_step_change(db, st, re) == -1 ? -1 : 0;
}

int
db_schema_version_found(const struct db *db)
{
	return db->version_found;
}

int
db_analytics_created(const struct db *db)
{
	return db->analytics_created;
}

int
db_analytics_open(const struct db *db)
{
	return db->analytics_open;
}

/* Remember which file path names now, for db_check_current. */
static int
db_file_note(struct db *db, int i, const char *path, struct reqerr *re)
{
	struct stat	sb;

	if (strcmp(path, ":memory:") == 0)
		return 0;
	if (stat(path, &sb) == -1 || (db->files[i].path = strdup(path)) ==
	    NULL) {
		REQERR(re, 503, "database_unavailable",
		    "the database is unavailable");
		snprintf(re->db_message, sizeof(re->db_message),
		    "%s: cannot read its file status: %s", path,
		    strerror(errno));
		return -1;
	}
	db->files[i].dev = sb.st_dev;
	db->files[i].ino = sb.st_ino;
	return 0;
}

int
db_check_current(struct db *db, struct reqerr *re)
{
	struct stat	 sb;
	sqlite3_stmt	*st;
	size_t		 i;
	int		 rc, version = -1, analytics = DB_ANALYTICS_VERSION;

	for (i = 0; i < sizeof(db->files) / sizeof(db->files[0]); i++) {
		if (db->files[i].path == NULL)
			continue;
		if (stat(db->files[i].path, &sb) == 0 &&
		    sb.st_dev == db->files[i].dev &&
		    sb.st_ino == db->files[i].ino)
			continue;
		REQERR(re, 503, "database_unavailable",
		    "the database is unavailable");
		snprintf(re->db_message, sizeof(re->db_message),
		    "%s: the file was replaced or removed since this program "
		    "opened it", db->files[i].path);
		return -1;
	}

	if ((st = db_stmt(db, db->analytics_main ? DB_STMT_VERSION_CORE :
	    DB_STMT_VERSION_MAIN, re)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	db_stmt_done(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, rc, re);

	if (db->analytics_main) {
		if ((st = db_stmt(db, DB_STMT_VERSION_MAIN, re)) == NULL)
			return -1;
		if ((rc = sqlite3_step(st)) == SQLITE_ROW)
			analytics = sqlite3_column_int(st, 0);
		db_stmt_done(st);
		if (rc != SQLITE_ROW)
			return db_fail(db, rc, re);
	}

	if (version == db_schema_latest() && analytics == DB_ANALYTICS_VERSION)
		return 0;
	REQERR(re, 503, DB_SCHEMA_CODE, version > db_schema_latest() ||
	    analytics > DB_ANALYTICS_VERSION ? DB_NEWER_MESSAGE :
	    DB_OLDER_MESSAGE);
	snprintf(re->db_message, sizeof(re->db_message),
	    "%s: the schema changed to version %d (analytics %d) while this "
	    "program ran, and it uses %d (analytics %d); after a migration, "
	    "upgrade and restart it", db->path, version, analytics,
	    db_schema_latest(), DB_ANALYTICS_VERSION);
	return -1;
}

void
db_set_lock_timeout(struct db *db, int ms)
{
	db->lock_timeout_ms = ms;
}

int
db_begin(struct db *db, struct reqerr *re)
{
	assert(!db->in_tx);
	if (db_step_simple(db, DB_STMT_BEGIN_IMMEDIATE, re) == -1)
		return -1;
	db->in_tx = 1;
	return 0;
}

int
db_commit(struct db *db, struct reqerr *re)
{
	assert(db->in_tx);
	if (db_step_simple(db, DB_STMT_COMMIT, re) == -1) {
		db_rollback(db);
		return -1;
	}
	db->in_tx = 0;
	return 0;
}

void
db_rollback(struct db *db)
{
	if (db == NULL)
		return;
	if (db->handle == NULL || sqlite3_get_autocommit(db->handle)) {
		db->in_tx = 0;
		return;
	}
	(void)db_step_simple(db, DB_STMT_ROLLBACK, NULL);
	db->in_tx = 0;
}

int
db_savepoint(struct db *db, struct reqerr *re)
{
	assert(db->in_tx);
	return db_step_simple(db, DB_STMT_SAVEPOINT, re);
}

int
db_release(struct db *db, struct reqerr *re)
{
	return db_step_simple(db, DB_STMT_RELEASE, re);
}

int
db_rollback_to(struct db *db, struct reqerr *re)
{
	if (db_step_simple(db, DB_STMT_ROLLBACK_TO, re) == -1)
		return -1;
	return db_step_simple(db, DB_STMT_RELEASE, re);
}

int
db_error_is_busy(const struct reqerr *re)
{
	return (re->db_code & 0xff) == SQLITE_BUSY ||
	    (re->db_code & 0xff) == SQLITE_LOCKED;
}

void
db_now(char out[DB_TIME_LEN + 1])
{
	time_t		t = time(NULL);
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, DB_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
